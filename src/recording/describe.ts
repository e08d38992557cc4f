import type { RecordedEvent, SessionSummary } from './types.js';

/** Pieces of an event or session as people read them; the terminal and Slack renderers both build on these. */

/** `+1:04.250` (minutes) or `+2:01:04.250` (hours) after the session start. */
export function formatOffset(ms: number): string {
  const clamped = Math.max(0, Math.round(ms));
  const millis = String(clamped % 1000).padStart(3, '0');
  const totalSeconds = Math.floor(clamped / 1000);
  const seconds = String(totalSeconds % 60).padStart(2, '0');
  const minutes = Math.floor(totalSeconds / 60) % 60;
  const hours = Math.floor(totalSeconds / 3600);
  return hours > 0
    ? `+${hours}:${String(minutes).padStart(2, '0')}:${seconds}.${millis}`
    : `+${minutes}:${seconds}.${millis}`;
}

export function formatTime(time: Date): string {
  return time
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** The HTTP request line as sent upstream: `DELETE /apis/apps/v1/namespaces/prod/deployments/web`. */
export function requestLine(event: Pick<RecordedEvent, 'method' | 'path' | 'query'>): string {
  return `${event.method} ${event.path}${event.query ? `?${event.query}` : ''}`;
}

const DECISION_WORDS = { allow: 'allowed', deny: 'denied', review: 'reviewed' } as const;

/** `reviewed by rule "prod-deletes" (review r-1, grant g-2)`. */
export function decisionText(
  event: Pick<RecordedEvent, 'decision' | 'rule' | 'reviewId' | 'grantId'>,
): string {
  const refs = [
    event.reviewId && `review ${event.reviewId}`,
    event.grantId && `grant ${event.grantId}`,
  ].filter(Boolean);
  return `${DECISION_WORDS[event.decision]} by rule "${event.rule}"${refs.length > 0 ? ` (${refs.join(', ')})` : ''}`;
}

/** `200 in 84 ms, 120 B in / 1.2 KiB out`. */
export function outcomeText(
  event: Pick<RecordedEvent, 'status' | 'latencyMs' | 'bytesIn' | 'bytesOut'>,
): string {
  const status = event.status === undefined ? 'no status' : String(event.status);
  const latency = event.latencyMs === undefined ? '' : ` in ${event.latencyMs} ms`;
  return `${status}${latency}, ${formatBytes(event.bytesIn)} in / ${formatBytes(event.bytesOut)} out`;
}

/** A stored body for display: JSON pretty-printed, anything else (text, truncated JSON) as stored. */
export function formatBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

export function sessionDurationMs(session: Pick<SessionSummary, 'startedAt' | 'lastActivity'>): number {
  return session.lastActivity.getTime() - session.startedAt.getTime();
}
