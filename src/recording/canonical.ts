import { createHash } from 'node:crypto';

/** The `prev_hash` of the first event of a chain that was never pruned. */
export const GENESIS_HASH = '0'.repeat(64);

export type CanonicalValue =
  string | number | boolean | null | CanonicalValue[] | { [key: string]: CanonicalValue };

/**
 * JSON with object keys sorted at every level, so the same content always hashes the same, whatever the
 * database returned the columns in.
 */
export function canonicalJson(value: CanonicalValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    // A flat object (every stored event row) is serialised natively, with the key list fixing the order: the same
    // text as the general case below, several times faster.
    if (keys.every((k) => isPlainScalar(value[k]))) return JSON.stringify(value, keys);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] as CanonicalValue)}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new RangeError(`cannot hash the non-finite number ${value}`);
  }
  return JSON.stringify(value);
}

function isPlainScalar(value: CanonicalValue | undefined): boolean {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
