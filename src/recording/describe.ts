import { MASKED_BASE64, MASKED_TEXT } from '../masking/placeholder.js';
import type { ReviewVerdict } from '../reviews/model.js';
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

/**
 * A stored body for display: JSON pretty-printed, anything else (text, truncated JSON) as stored. A masked Secret
 * value is stored as base64 of the placeholder (clients decode `data` values), which reads like a real credential:
 * people see the placeholder itself.
 */
export function formatBody(body: string): string {
  let text: string;
  try {
    text = JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    text = body;
  }
  return text.replaceAll(MASKED_BASE64, MASKED_TEXT);
}

/** The review's standing recorded with a step (`summary.review`), if it was reviewed. */
export function verdictOf(event: Pick<RecordedEvent, 'summary'>): ReviewVerdict | undefined {
  const review = event.summary?.review as { state?: unknown } | undefined;
  const state = review?.state;
  return state === 'approved' || state === 'denied' || state === 'waiting' || state === 'closed'
    ? (review as ReviewVerdict)
    : undefined;
}

/** `approved by alice, bob` · `denied by bob` · `waiting for a decision` · `review expired`: as it was at that step. */
export function verdictText(verdict: ReviewVerdict): string {
  switch (verdict.state) {
    case 'approved':
      return verdict.by.length > 0 ? `approved by ${verdict.by.join(', ')}` : 'approved';
    case 'denied':
      return `denied by ${verdict.by}`;
    case 'waiting':
      return 'waiting for a decision';
    case 'closed':
      return `review ${verdict.as}`;
  }
}

/**
 * kubectl's routine start: the version, API groups and OpenAPI documents it reads before each command (never a
 * resource; `resource` is empty for non-resource requests). Grouped in step lists; its 404s are not failures.
 */
export function isDiscovery(event: Pick<RecordedEvent, 'method' | 'path' | 'resource'>): boolean {
  return (
    event.resource === '' && event.method === 'GET' && /^\/(version|api|apis|openapi)(\/|$)/.test(event.path)
  );
}

/** A session's steps for a list: each step, with runs of discovery requests folded into one entry. */
export type StepEntry<T> = { kind: 'step'; step: T } | { kind: 'discovery'; steps: T[] };

export function foldDiscovery<T>(steps: readonly T[], eventOf: (step: T) => RecordedEvent): StepEntry<T>[] {
  const entries: StepEntry<T>[] = [];
  for (const step of steps) {
    const last = entries.at(-1);
    if (!isDiscovery(eventOf(step))) entries.push({ kind: 'step', step });
    else if (last?.kind === 'discovery') last.steps.push(step);
    else entries.push({ kind: 'discovery', steps: [step] });
  }
  return entries;
}

export function sessionDurationMs(session: Pick<SessionSummary, 'startedAt' | 'lastActivity'>): number {
  return session.lastActivity.getTime() - session.startedAt.getTime();
}
