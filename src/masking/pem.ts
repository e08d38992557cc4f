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

/**
 * A private-key block base64-encoded as a whole, as kubeconfigs carry keys (`client-key-data: LS0tLS1CRUdJTi…`), in a
 * ConfigMap, an annotation or a log line. `LS0tLS1CRUdJTi` is `-----BEGIN`; certificates start the same way, so the
 * block is a key only when `PRIVATE KEY` follows within the label. Base64 spells those bytes one of three ways,
 * depending on where they fall in a 3-byte group; each of the three is a substring every such block contains, and none
 * occurs in a certificate. The block runs to the end of the base64, over line breaks (`base64` wraps at 76 columns;
 * `\n` when escaped in a JSON log line). It may start anywhere, after a `/` too: in a request path, or inside a longer
 * base64 run that encodes a key among other bytes.
 */
export const PEM_BASE64_HINTS = ['UFJJVkFURSBLRV', 'BSSVZBVEUgS0VZ', 'QUklWQVRFIEtFW'] as const;
export const PEM_BASE64_BLOCK = new RegExp(
  String.raw`LS0tLS1CRUdJTi[A-Za-z0-9+/]{0,40}?(?:${PEM_BASE64_HINTS.join('|')})` +
    String.raw`[A-Za-z0-9+/]*(?:(?:\r?\n|\\n)[A-Za-z0-9+/]+)*={0,2}`,
  'g',
);

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

/** A base64-encoded key wrapped over lines, as a log prints it: lines after the first are nothing but base64. */
const BASE64_LINE = /^[A-Za-z0-9+/]+(={0,2})\r?$/;

/** True when the line ends inside a base64-encoded key block (its last line would end the base64, or pad it). */
export function opensPemBase64Block(line: string): boolean {
  if (!PEM_BASE64_HINTS.some((hint) => line.includes(hint))) return false;
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  let last: RegExpExecArray | undefined;
  for (const match of text.matchAll(PEM_BASE64_BLOCK)) last = match;
  return last !== undefined && last.index + last[0].length === text.length && !last[0].endsWith('=');
}

/** Classifies a line that follows an open base64 block: more of it (the last when padded), or not part of it. */
export function continuePemBase64Block(line: string): { kind: 'body'; last: boolean } | { kind: 'not-body' } {
  const match = BASE64_LINE.exec(line);
  return match ? { kind: 'body', last: match[1] !== '' } : { kind: 'not-body' };
}
