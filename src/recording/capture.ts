import type { Action, RecordingLevel } from '../policy/decision.js';

/**
 * The level an event is actually recorded at, or `undefined` for no event at all.
 *
 * `none` exists for noise a rule deliberately silences (kubectl's discovery GETs, polling reads), as in
 * Kubernetes audit policy. It never hides what auditors need: denials, reviewed requests and failures are
 * recorded at least as metadata whatever the rule says.
 */
export function effectiveLevel(
  level: RecordingLevel,
  outcome: { action: Action; failed: boolean },
): RecordingLevel | undefined {
  if (level !== 'none') return level;
  return outcome.action === 'allow' && !outcome.failed ? undefined : 'metadata';
}

export function includesRequestBody(level: RecordingLevel): boolean {
  return level === 'request' || level === 'request-response';
}

export function includesResponseBody(level: RecordingLevel): boolean {
  return level === 'request-response';
}

/** Appended to a body cut at the size cap, so nobody mistakes a partial body for the whole one. */
export function truncationMarker(totalBytes: number, keptBytes: number): string {
  return `\n…[truncated by airlock: ${totalBytes} bytes, first ${keptBytes} kept]`;
}

/**
 * A masked body as stored text: strings as they are, anything else as JSON, capped at `maxBytes` of UTF-8
 * (cut on a character boundary) plus a truncation marker. Never throws: the request path must not fail
 * because a body cannot be serialised.
 */
export function captureBody(body: unknown, maxBytes: number): string | null {
  if (body === undefined || body === null) return null;
  let text: string;
  try {
    text = typeof body === 'string' ? body : (JSON.stringify(body) ?? String(body));
  } catch (err) {
    return `[body not recordable: ${err instanceof Error ? err.message : String(err)}]`;
  }
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text; // measured without copying: the common case
  const bytes = Buffer.from(text, 'utf8');
  const kept = utf8Boundary(bytes, maxBytes);
  return bytes.subarray(0, kept).toString('utf8') + truncationMarker(bytes.length, kept);
}

/** The largest cut ≤ `limit` that does not split a multi-byte character. */
function utf8Boundary(bytes: Buffer, limit: number): number {
  let cut = limit;
  // Continuation bytes look like 10xxxxxx; back off to the start of the character they belong to.
  while (cut > 0 && ((bytes[cut] ?? 0) & 0b1100_0000) === 0b1000_0000) cut--;
  return cut;
}
