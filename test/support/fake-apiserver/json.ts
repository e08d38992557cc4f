/** Small helpers for the plain JSON values every object, patch and request body is made of. */

export type JsonObject = Record<string, unknown>;

export const isRecord = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const clone = <T>(value: T): T => structuredClone(value);

const definedKeys = (o: JsonObject): string[] => Object.keys(o).filter((k) => o[k] !== undefined);

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    // Keys holding `undefined` are absent once serialised, so they are absent here too.
    const keys = definedKeys(a);
    return keys.length === definedKeys(b).length && keys.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/** Follows a dotted path (`spec.nodeName`) through nested objects. */
export function valueAt(value: unknown, dottedPath: string): unknown {
  let current = value;
  for (const key of dottedPath.split('.')) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}
