/** JSON patch (RFC 6902) as kube-apiserver reads it: the op list shape and JSON pointers (RFC 6901). */

export interface JsonPatchOp {
  op: string;
  path: string;
  from?: unknown;
  value?: unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** An op list: what a body sent as `application/json-patch+json` is. Empty lists and non-op items are not. */
export const isJsonPatch = (body: unknown): body is JsonPatchOp[] =>
  Array.isArray(body) &&
  body.length > 0 &&
  body.every((op) => isRecord(op) && typeof op.op === 'string' && typeof op.path === 'string');

/**
 * The unescaped segments of a JSON pointer (`/metadata/annotations/a~1b` → metadata, annotations, a/b); `[]` for
 * the whole document. undefined for a string that is not a pointer (no leading '/'): the apiserver's patch library
 * reads those in its own way, so callers treat them as pointing anywhere.
 */
export function pointerSegments(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  // One left-to-right pass, so `~01` is `~1` (RFC 6901 §4), as Go's strings.Replacer does.
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~[01]/g, (escape) => (escape === '~0' ? '~' : '/')));
}
