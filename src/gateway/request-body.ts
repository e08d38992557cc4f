import { parse as parseYaml } from 'yaml';
import { requestBodyKind } from '../kube/content-negotiation.js';
import { StatusError } from '../kube/status.js';

/**
 * An agent's request body as Airlock understands it: decoded when it can be inspected, opaque otherwise, or too
 * deep to be handled at all (see {@link MAX_BODY_DEPTH}; admission refuses it once policy has decided).
 */
export type ParsedBody =
  { kind: 'empty' } | { kind: 'document'; value: unknown } | { kind: 'opaque' } | { kind: 'too-deep' };

/**
 * The deepest nesting Airlock accepts in a request body. Masking, the write-back guard, fingerprints and previews
 * walk bodies recursively; measured on Node 20's default stack, the first of them to overflow (the preview's YAML
 * diff) does so near 640 levels, and the YAML parser near 800. Kubernetes objects nest far less: a pod template in a
 * CronJob is about 15 levels deep, CRD schemas that embed a whole PodSpec under several levels of their own stay
 * well under 100. kube-apiserver's limit (10,000) suits Go's growable stacks, not a recursive walk in JavaScript.
 */
export const MAX_BODY_DEPTH = 256;

/** Decodes a JSON or YAML body. YAML is measured before parsing, because the parser itself recurses. */
export function parseRequestBody(body: Buffer, contentType: string): ParsedBody {
  if (body.length === 0) return { kind: 'empty' };
  const kind = requestBodyKind(contentType);
  let value: unknown;
  try {
    if (kind === 'json') {
      // V8's JSON.parse does not recurse, so the decoded value can be measured afterwards.
      value = JSON.parse(body.toString('utf8'));
    } else if (kind === 'yaml') {
      const text = body.toString('utf8');
      if (yamlNestingBound(text) > 2 * MAX_BODY_DEPTH) return { kind: 'too-deep' };
      value = parseYaml(text);
    } else {
      return { kind: 'opaque' };
    }
  } catch {
    return { kind: 'opaque' };
  }
  // Also catches YAML aliases that make a structure refer to itself.
  return nestsDeeperThan(value, MAX_BODY_DEPTH) ? { kind: 'too-deep' } : { kind: 'document', value };
}

/** The 400 for a body parsed as `too-deep`. */
export function bodyTooDeep(): StatusError {
  return new StatusError(
    'BadRequest',
    `the request body is nested more than ${MAX_BODY_DEPTH} levels deep, which Airlock does not accept ` +
      '(Kubernetes objects nest far less); send the object without the excess nesting',
  );
}

/** Measured without recursion: the value may be arbitrarily deep. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [node, depth] = next;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= limit) return true;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}

/**
 * An upper bound on how deeply YAML text nests, read without parsing: open flow brackets plus the column where a
 * line's content starts (each block level indents by at least one column or adds a `- `). Brackets inside strings
 * count too, which only overestimates.
 */
function yamlNestingBound(text: string): number {
  let brackets = 0;
  let deepest = 0;
  let column = 0;
  let inIndent = true;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n') {
      column = 0;
      inIndent = true;
      continue;
    }
    // A dash nests only as a sequence entry (`- `); a rule of dashes in a text block does not.
    const entry = ch === '-' && (i + 1 === text.length || ' \t\r\n'.includes(text[i + 1]!));
    if (inIndent && (ch === ' ' || ch === '\t' || entry)) column++;
    else if (ch !== '-') inIndent = false;
    if (ch === '[' || ch === '{') brackets++;
    else if ((ch === ']' || ch === '}') && brackets > 0) brackets--;
    deepest = Math.max(deepest, brackets + column);
  }
  return deepest;
}
