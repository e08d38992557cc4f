import { describeRequest } from '../kube/describe.js';
import { formatDuration } from '../lib/duration.js';
import { includesRequestBody, includesResponseBody } from './capture.js';
import {
  decisionText,
  foldDiscovery,
  formatBody,
  formatOffset,
  formatTime,
  outcomeText,
  requestLine,
  sessionDurationMs,
  verdictOf,
  verdictText,
} from './describe.js';
import { kubectlEquivalent } from './kubectl.js';
import type { RecordedEvent, SessionSummary } from './types.js';

/** Plain-text renderings for the terminal and for transcripts; pure functions of stored data. */

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

function indent(text: string, prefix = '  '): string {
  return text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}

function humanDuration(ms: number): string {
  return formatDuration(ms / 1000);
}

export function renderSessionList(sessions: readonly SessionSummary[]): string {
  if (sessions.length === 0) return 'No sessions match.\n';
  return table(
    [
      'SESSION',
      'AGENT',
      'OWNER',
      'CLUSTER',
      'STARTED',
      'DURATION',
      'EVENTS',
      'ALLOWED',
      'REVIEWED',
      'DENIED',
      'FAILED',
    ],
    sessions.map((s) => [
      s.id,
      s.agent,
      s.owner ?? '-',
      s.cluster,
      formatTime(s.startedAt),
      humanDuration(sessionDurationMs(s)),
      String(s.events),
      String(s.counts.allowed),
      String(s.counts.reviewed),
      String(s.counts.denied),
      String(s.counts.failed),
    ]),
  );
}

/** The session header and one line per step (time offset, verb and target, decision, status). */
export function renderSessionSummary(session: SessionSummary, events: readonly RecordedEvent[]): string {
  const { counts } = session;
  const header = [
    `Session ${session.id}${session.label ? ` "${session.label}"` : ''}`,
    `  agent:    ${session.agent}${session.owner ? ` (owner ${session.owner})` : ''}`,
    `  cluster:  ${session.cluster}`,
    `  token:    ${session.tokenId}`,
    `  active:   ${formatTime(session.startedAt)} → ${formatTime(session.lastActivity)} (${humanDuration(sessionDurationMs(session))})`,
    `  events:   ${session.events} (allowed ${counts.allowed}, reviewed ${counts.reviewed}, denied ${counts.denied}, failed ${counts.failed})`,
  ];
  if (events.length === 0)
    return [...header, '', 'No events stored (they may have been pruned).', ''].join('\n');
  const offset = (e: RecordedEvent) => formatOffset(e.time.getTime() - session.startedAt.getTime());
  const status = (e: RecordedEvent) => (e.status === undefined ? '-' : String(e.status));
  const indexed = events.map((event, index) => ({ event, index }));
  const steps = table(
    ['#', 'OFFSET', 'REQUEST', 'DECISION', 'STATUS'],
    foldDiscovery(indexed, (s) => s.event).map((entry) => {
      if (entry.kind === 'step') {
        const { event: e, index } = entry.step;
        const verdict = verdictOf(e);
        return [
          String(index + 1),
          offset(e),
          describeRequest(e),
          `${e.decision} (${e.rule})${verdict ? ` · ${verdictText(verdict)}` : ''}`,
          status(e),
        ];
      }
      const [first, ...rest] = entry.steps;
      const last = rest.at(-1);
      return [
        `${first!.index + 1}${last ? `-${last.index + 1}` : ''}`,
        offset(first!.event),
        `kubectl discovery ×${entry.steps.length}`,
        'allowed',
        [...new Set(entry.steps.map((s) => status(s.event)))].join(','),
      ];
    }),
  );
  return [...header, '', steps].join('\n');
}

function bodySection(title: string, body: string | undefined, included: boolean, level: string): string[] {
  if (body !== undefined) return [`${title}:`, indent(formatBody(body))];
  return [`${title}: ${included ? 'none' : `not recorded at level ${level}`}`];
}

/** One step of a replay: where it sits in time, what was asked, what Airlock decided and what came back. */
export function renderReplayStep(
  event: RecordedEvent,
  index: number,
  total: number,
  sessionStart: Date,
): string {
  const kubectl = kubectlEquivalent(event);
  const level = event.recordingLevel;
  const lines = [
    `── step ${index + 1}/${total} · ${formatOffset(event.time.getTime() - sessionStart.getTime())} · ${formatTime(event.time)} ──`,
    requestLine(event),
    `decision: ${decisionText(event)}${event.dryRun ? ' · dry run' : ''}`,
    `status:   ${outcomeText(event)}`,
    ...(kubectl ? [`kubectl:  ${kubectl}`] : []),
    ...(event.summary ? [`summary:  ${JSON.stringify(event.summary)}`] : []),
    ...bodySection('request body', event.requestBody, includesRequestBody(level), level),
    ...bodySection('response body', event.responseBody, includesResponseBody(level), level),
  ];
  return lines.join('\n') + '\n';
}
