/**
 * The policy file as people write it (a strict zod schema: unknown keys are errors, because a misspelt key in a
 * security policy would otherwise be silently ignored) and the resolved Policy the evaluator runs on.
 */
import { z } from 'zod';
import { parseDuration } from '../lib/duration.js';
import type { Action, Decision, RecordingLevel } from './decision.js';
import type { PolicyInput } from './evaluate.js';
import { POD_SPEC_FACTS, type PodSpecFact } from './pod-spec.js';

const ACTIONS = ['allow', 'deny', 'review'] as const satisfies readonly Action[];
const RECORDING_LEVELS = [
  'none',
  'metadata',
  'request',
  'request-response',
] as const satisfies readonly RecordingLevel[];

/**
 * Verbs a request can carry: kube-apiserver's resource verbs, RBAC's special verbs and the lower-cased HTTP
 * methods of non-resource requests. Anything else in a rule is a typo that would make the rule dead.
 */
const KNOWN_VERBS = [
  'get',
  'list',
  'watch',
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
  'proxy',
  'impersonate',
  'escalate',
  'bind',
  'approve',
  'sign',
  'use',
  'head',
  'post',
  'put',
  'options',
] as const;

/** Match fields that only apply to resource requests (a rule with `nonResourceURLs` may not use them). */
const RESOURCE_MATCH_FIELDS = ['apiGroups', 'resources', 'namespaces', 'names', 'dryRun', 'podSpec'] as const;

// ---- error wording: every message completes the sentence "<path>: …" ----

const required = (input: unknown): string | undefined => (input === undefined ? 'is required' : undefined);

const mustBe = (what: string) => ({
  error: (issue: { input?: unknown }) => required(issue.input) ?? `must be ${what}`,
});

const oneOf = (values: readonly string[]) =>
  mustBe(values.length === 1 ? values[0]! : `one of ${values.join(', ')}`);

/** Objects reject unknown keys and say which keys they accept. */
function strict<Shape extends z.ZodRawShape>(shape: Shape) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown key (allowed here: ${allowed})`
        : (required(issue.input) ?? 'must be a mapping'),
  });
}

const text = z.string({
  error: (issue) =>
    required(issue.input) ??
    (typeof issue.input === 'number' || typeof issue.input === 'boolean' || issue.input === null
      ? `must be a string (write '${String(issue.input)}' in quotes)`
      : 'must be a string'),
});
const name = text.min(1, 'must not be empty');
const flag = z.boolean(mustBe('true or false'));
const action = z.enum(ACTIONS, oneOf(ACTIONS));
const recordingLevel = z.enum(RECORDING_LEVELS, oneOf(RECORDING_LEVELS));

const isKnownVerb = (verb: string): boolean =>
  verb.includes('*') || (KNOWN_VERBS as readonly string[]).includes(verb);
const verb = text.refine(isKnownVerb, `must be a Kubernetes verb or a glob (${KNOWN_VERBS.join(', ')})`);

/** A list of globs; an empty list could never match, so it is refused rather than silently disabling a rule. */
const globs = (item: z.ZodType<string> = text) =>
  z
    .array(item, mustBe('a list of globs, e.g. [prod, prod-*]'))
    .min(1, 'must not be empty (omit the field to match anything)');

const duration = text.transform((value, ctx) => {
  try {
    return parseDuration(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
    return z.NEVER;
  }
});

const recordingSchema = strict({ level: recordingLevel.optional(), bestEffort: flag.optional() });

const reviewSchema = strict({
  approvers: strict({ users: z.array(name).optional(), groups: z.array(name).optional() }).optional(),
  approvals: z
    .number(mustBe('a whole number ≥ 1'))
    .int('must be a whole number ≥ 1')
    .min(1, 'must be ≥ 1')
    .optional(),
  hold: duration.optional(),
  timeout: duration.optional(),
  maxGrant: duration.optional(),
  channel: name.optional(),
  mention: name.optional(),
  confirm: flag.optional(),
});

const matchSchema = strict({
  agents: globs().optional(),
  groups: globs().optional(),
  clusters: globs().optional(),
  verbs: globs(verb).optional(),
  apiGroups: globs().optional(),
  resources: globs().optional(),
  namespaces: globs().optional(),
  names: globs().optional(),
  nonResourceURLs: globs().optional(),
  dryRun: flag.optional(),
  podSpec: z
    .array(z.enum(POD_SPEC_FACTS, oneOf(POD_SPEC_FACTS)), mustBe(`a list of ${POD_SPEC_FACTS.join(', ')}`))
    .min(1, 'must not be empty (omit the field to match any body)')
    .optional(),
});

const ruleSchema = strict({
  name,
  match: matchSchema.default({}),
  action,
  message: name.optional(),
  review: reviewSchema.optional(),
  masking: strict({ unmask: flag.optional() }).optional(),
  recording: recordingSchema.optional(),
}).superRefine((rule, ctx) => {
  // Settings that could never take effect are errors: the author meant something the rule does not do.
  const resourceFields = RESOURCE_MATCH_FIELDS.filter((field) => rule.match[field] !== undefined);
  if (rule.match.nonResourceURLs && resourceFields.length > 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['match', 'nonResourceURLs'],
      message: `cannot be combined with ${resourceFields.join(', ')}: a request is either a resource or a non-resource request, so this rule could never match`,
    });
  }
  if (rule.review && rule.action !== 'review') {
    ctx.addIssue({
      code: 'custom',
      path: ['review'],
      message: `only applies to action: review (this rule's action is ${rule.action})`,
    });
  }
  if (rule.message !== undefined && rule.action === 'allow') {
    ctx.addIssue({
      code: 'custom',
      path: ['message'],
      message: 'is shown only for deny and review; allowed requests never see it',
    });
  }
  if (rule.masking?.unmask && rule.action === 'deny') {
    ctx.addIssue({ code: 'custom', path: ['masking', 'unmask'], message: 'has no effect on a deny rule' });
  }
});

const testRequestSchema = strict({
  agent: name,
  groups: z.array(name).optional(),
  cluster: name.optional(),
  verb: verb,
  apiGroup: text.optional(),
  resource: name.optional(),
  namespace: text.optional(),
  name: text.optional(),
  path: text.startsWith('/', "must start with '/'").optional(),
  dryRun: flag.optional(),
  /** The request's body (an object, a patch or a JSON-patch op list), for rules that match on it. */
  body: z.unknown().optional(),
}).superRefine((request, ctx) => {
  if (request.path === undefined) {
    if (request.resource === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['resource'],
        message: 'is required (or give `path` for a non-resource request)',
      });
    }
    return;
  }
  for (const field of ['apiGroup', 'resource', 'namespace', 'name', 'dryRun', 'body'] as const) {
    if (request[field] !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [field],
        message: 'cannot be combined with path (a non-resource request)',
      });
    }
  }
});

/** `expect: deny` is shorthand for `expect: { action: deny }`. */
const expectSchema = z.preprocess(
  (value) => (typeof value === 'string' ? { action: value } : value),
  strict({ action, rule: name.optional(), unmasked: flag.optional(), recording: recordingLevel.optional() }),
);

const testSchema = strict({ name, request: testRequestSchema, expect: expectSchema });

export const DEFAULT_DENY_RULE = 'default-deny';

export const policyDocumentSchema = strict({
  apiVersion: z.literal('airlock.dev/v1', oneOf(['airlock.dev/v1'])),
  kind: z.literal('Policy', oneOf(['Policy'])),
  defaults: strict({ recording: recordingSchema.optional(), review: reviewSchema.optional() }).optional(),
  rules: z.array(ruleSchema, mustBe('a list of rules')),
  tests: z.array(testSchema, mustBe('a list of tests')).default([]),
}).superRefine((doc, ctx) => {
  const firstIndexOf = new Map<string, number>();
  doc.rules.forEach((rule, i) => {
    const earlier = firstIndexOf.get(rule.name);
    if (rule.name === DEFAULT_DENY_RULE) {
      ctx.addIssue({
        code: 'custom',
        path: ['rules', i, 'name'],
        message: `"${DEFAULT_DENY_RULE}" is reserved for requests no rule matches`,
      });
    } else if (earlier !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['rules', i, 'name'],
        message: `"${rule.name}" is already the name of rules[${earlier}]`,
      });
    } else {
      firstIndexOf.set(rule.name, i);
    }
  });
  doc.tests.forEach((test, i) => {
    const rule = test.expect.rule;
    if (rule !== undefined && rule !== DEFAULT_DENY_RULE && !firstIndexOf.has(rule)) {
      ctx.addIssue({
        code: 'custom',
        path: ['tests', i, 'expect', 'rule'],
        message: `no rule is named "${rule}"`,
      });
    }
  });
});

/** The file after schema validation, before defaults are applied. */
export type PolicyDocument = z.output<typeof policyDocumentSchema>;
export type RuleDocument = PolicyDocument['rules'][number];
export type ReviewDocument = z.output<typeof reviewSchema>;
export type TestRequestDocument = PolicyDocument['tests'][number]['request'];

/** A problem in a policy file, located by its path in the document (`['rules', 2, 'action']`). */
export interface PolicyIssue {
  path: readonly PropertyKey[];
  message: string;
}

// ---- the resolved policy: defaults applied, every rule's decision computed once at load time ----

/** Each field is a list of globs; an omitted field matches anything. */
export interface RuleMatch {
  agents?: readonly string[];
  groups?: readonly string[];
  clusters?: readonly string[];
  verbs?: readonly string[];
  apiGroups?: readonly string[];
  /** `resource` or `resource/subresource`. */
  resources?: readonly string[];
  namespaces?: readonly string[];
  names?: readonly string[];
  /** Present only on rules for non-resource requests (`/version`, `/openapi/*`). */
  nonResourceURLs?: readonly string[];
  /** true: only server-side dry runs; false: only real requests; omitted: both. */
  dryRun?: boolean;
  /** Matches a write whose body could set any of these on a pod (see pod-spec.ts). */
  podSpec?: readonly PodSpecFact[];
}

export interface Rule {
  name: string;
  match: RuleMatch;
  /** What the evaluator returns when this rule is the first to match (frozen). */
  decision: Decision;
}

export interface ExpectedDecision {
  action: Action;
  rule?: string;
  unmasked?: boolean;
  recording?: RecordingLevel;
}

export interface PolicyTest {
  name: string;
  input: PolicyInput;
  expect: ExpectedDecision;
}

export interface Policy {
  /** Where the policy came from (a file path, or `built-in default policy`), for messages. */
  source: string;
  /** In order: the first rule that matches decides. */
  rules: readonly Rule[];
  /** The decision when no rule matches. */
  defaultDeny: Decision;
  tests: readonly PolicyTest[];
}

/** What the loader's caller (configuration) supplies for review rules that name no approvers or channel. */
export interface PolicyDefaults {
  approvers: { users: string[]; groups: string[] };
  channel?: string;
}
