/** Reading policy files: YAML → schema → resolved Policy, with every problem reported at once by path and line. */
import { readFile } from 'node:fs/promises';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { core } from 'zod';
import type { AirlockConfig } from '../config/schema.js';
import { DEFAULT_POLICY_YAML } from './default-policy.js';
import { policyDocumentSchema, type Policy, type PolicyDefaults, type PolicyIssue } from './model.js';
import { resolvePolicy } from './resolve.js';

export type { PolicyDefaults } from './model.js';

/** Policy defaults from configuration. Slack IDs: user groups start with S; everything else names a person. */
export function approverDefaults(config: Pick<AirlockConfig, 'slack'>): PolicyDefaults {
  const ids = config.slack.approvers;
  return {
    approvers: {
      users: ids.filter((id) => !id.startsWith('S')),
      groups: ids.filter((id) => id.startsWith('S')),
    },
    ...(config.slack.channel ? { channel: config.slack.channel } : {}),
  };
}

export const BUILT_IN_POLICY_SOURCE = 'built-in default policy';

export class PolicyError extends Error {
  /** Each issue names where it is, e.g. `rules[2].action: must be one of allow, deny, review (line 14)`. */
  readonly issues: string[];

  constructor(
    readonly source: string,
    issues: string[],
  ) {
    super(`invalid policy (${source}):\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'PolicyError';
    this.issues = issues;
  }
}

/** Parses and validates a policy; throws PolicyError listing every problem. */
export function parsePolicy(yamlText: string, defaults: PolicyDefaults, source = 'policy'): Policy {
  const lineCounter = new LineCounter();
  const yaml = parseDocument(yamlText, { lineCounter });
  if (yaml.errors.length > 0) {
    // The first line says what and where ("… at line 3, column 5"); the rest is a source excerpt.
    throw new PolicyError(
      source,
      yaml.errors.map((error) => error.message.split('\n')[0]!.replace(/:$/, '')),
    );
  }

  const describe = (issue: PolicyIssue): string => {
    const line = lineOf(yaml, lineCounter, issue.path);
    return `${formatPath(issue.path)}: ${issue.message}${line === undefined ? '' : ` (line ${line})`}`;
  };
  const parsed = policyDocumentSchema.safeParse(yaml.toJS());
  if (!parsed.success) throw new PolicyError(source, parsed.error.issues.flatMap(fromZodIssue).map(describe));

  const { policy, issues } = resolvePolicy(parsed.data, defaults, source);
  if (issues.length > 0) throw new PolicyError(source, issues.map(describe));
  return policy;
}

export async function loadPolicyFile(path: string, defaults: PolicyDefaults): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new PolicyError(path, [
      `cannot read the file: ${err instanceof Error ? err.message : String(err)}`,
    ]);
  }
  return parsePolicy(text, defaults, path);
}

/** The policy Airlock runs when none is configured (see default-policy.ts). */
export function builtInPolicy(defaults: PolicyDefaults): Policy {
  return parsePolicy(DEFAULT_POLICY_YAML, defaults, BUILT_IN_POLICY_SOURCE);
}

/** One issue per unknown key, so each names its own path. */
function fromZodIssue(issue: core.$ZodIssue): PolicyIssue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: [...issue.path, key], message: issue.message }));
  }
  return [{ path: issue.path, message: issue.message }];
}

/** `['rules', 2, 'match', 'verbs']` → `rules[2].match.verbs`. */
function formatPath(path: readonly PropertyKey[]): string {
  const text = path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)),
    '',
  );
  return text || '(document)';
}

/** The line of the deepest node on `path` that exists in the YAML (a missing key points at its parent). */
function lineOf(yaml: Document, lineCounter: LineCounter, path: readonly PropertyKey[]): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node: unknown = yaml.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}
