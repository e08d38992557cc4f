/**
 * PEM private-key blocks. A block spans lines, so besides the whole-block pattern used on single strings,
 * line-based streams need to know when a line opens a block that continues on the next lines.
 */

const MARKER = (edge: 'BEGIN' | 'END'): string => `-----${edge}[A-Z0-9 ]*PRIVATE KEY-----`;

/**
 * Body characters: base64, whitespace, and `\` so that keys printed with escaped newlines (`\n` inside JSON log
 * lines) are covered too. Legacy encrypted keys carry `Proc-Type:`/`DEK-Info:` headers.
 */
const BODY = String.raw`(?:[\sA-Za-z0-9+/=\\]|Proc-Type:[^\n\\]*|DEK-Info:[^\n\\]*)*`;

/** A whole block; a block whose END is missing (truncated output) is masked to where its body stops. */
export const PEM_BLOCK = new RegExp(`${MARKER('BEGIN')}${BODY}(?:${MARKER('END')})?`, 'g');

/** Cheap substring every BEGIN and END marker contains. */
export const PEM_HINT = 'PRIVATE KEY-----';

const CONTINUATION = new RegExp(`^${BODY}(?<end>${MARKER('END')})?`);
const ANY_MARKER = new RegExp(`-----(BEGIN|END)[A-Z0-9 ]*PRIVATE KEY-----`, 'g');

/** True when the last key marker on the line is a BEGIN: the block goes on in the following lines. */
export function opensPemBlock(line: string): boolean {
  if (!line.includes(PEM_HINT)) return false;
  let last: string | undefined;
  for (const match of line.matchAll(ANY_MARKER)) last = match[1];
  return last === 'BEGIN';
}

export type PemContinuation =
  | { kind: 'body' } // the whole line belongs to the block
  | { kind: 'end'; rest: string } // the block ends on this line; `rest` follows the END marker
  | { kind: 'not-body' }; // the block was truncated before this line

/** Classifies a line that follows an open block. */
export function continuePemBlock(line: string): PemContinuation {
  const match = CONTINUATION.exec(line);
  const consumed = match?.[0].length ?? 0;
  if (match?.groups?.end !== undefined) return { kind: 'end', rest: line.slice(consumed) };
  return consumed === line.length ? { kind: 'body' } : { kind: 'not-body' };
}
