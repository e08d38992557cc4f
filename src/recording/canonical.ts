import { createHash } from 'node:crypto';

/** The `prev_hash` of the first event of a chain that was never pruned. */
export const GENESIS_HASH = '0'.repeat(64);

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
