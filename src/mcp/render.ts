/**
 * Pure renderings of Kubernetes answers for a model's context: tables as kubectl prints them, objects as YAML
 * without the bookkeeping a model does not need, and refusals with what to do next.
 */
import { stringify } from 'yaml';
import { statusMessage, type KubeResponse } from './kube-api.js';

export interface ToolResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
}

export const text = (body: string, extra: Omit<ToolResult, 'content'> = {}): ToolResult => ({
  content: [{ type: 'text', text: body }],
  ...extra,
});

interface TableDocument {
  columnDefinitions?: { name: string; priority?: number }[];
  rows?: { cells?: unknown[]; object?: { metadata?: { namespace?: string } } }[];
  metadata?: { continue?: string };
}

/** Aligned columns, as `kubectl get` prints (priority-0 columns only, like its default output). */
export function renderTable(table: TableDocument, opts: { namespaceColumn?: boolean } = {}): string {
  const columns = (table.columnDefinitions ?? [])
    .map((c, index) => ({ ...c, index }))
    .filter((c) => (c.priority ?? 0) === 0);
  const rows = (table.rows ?? []).map((row) => [
    ...(opts.namespaceColumn ? [row.object?.metadata?.namespace ?? ''] : []),
    ...columns.map((c) => cellText(row.cells?.[c.index])),
  ]);
  if (rows.length === 0) return 'No resources found.';
  const header = [
    ...(opts.namespaceColumn ? ['NAMESPACE'] : []),
    ...columns.map((c) => c.name.toUpperCase()),
  ];
  const out = alignColumns([header, ...rows]);
  const next = table.metadata?.continue;
  return next ? `${out}\n\n(more: call again with continue=${JSON.stringify(next)})` : out;
}

function cellText(cell: unknown): string {
  if (cell === undefined || cell === null) return '<none>';
  return typeof cell === 'object' ? JSON.stringify(cell) : String(cell);
}

export function alignColumns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]! + 3)))
        .join('')
        .trimEnd(),
    )
    .join('\n');
}

/** YAML without `managedFields`: field ownership is noise in a model's context and can be large. */
export function renderObject(document: unknown): string {
  const strip = (value: unknown): unknown => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
    const copy = { ...(value as Record<string, unknown>) };
    const metadata = copy['metadata'];
    if (metadata && typeof metadata === 'object') {
      const { managedFields: _dropped, ...rest } = metadata as Record<string, unknown>;
      copy['metadata'] = rest;
    }
    if (Array.isArray(copy['items'])) copy['items'] = copy['items'].map(strip);
    return copy;
  };
  return stringify(strip(document)).trimEnd();
}

interface EventDocument {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  metadata?: { creationTimestamp?: string; namespace?: string };
  involvedObject?: { kind?: string; name?: string };
}

/** Events oldest first, as `kubectl events` prints them, newest last where a reader looks. */
export function renderEvents(list: { items?: EventDocument[] }): string {
  const when = (e: EventDocument) => e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? '';
  const items = [...(list.items ?? [])].sort((a, b) => when(a).localeCompare(when(b)));
  if (items.length === 0) return 'No events found.';
  return alignColumns([
    ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
    ...items.map((e) => [
      when(e) || '<unknown>',
      e.type ?? '',
      e.reason ?? '',
      `${(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name ?? ''}`,
      `${(e.message ?? '').replace(/\s+/g, ' ')}${e.count && e.count > 1 ? ` (x${e.count})` : ''}`,
    ]),
  ]);
}

export interface RetryHint {
  tool: string;
  arguments: Record<string, unknown>;
}

/**
 * A refusal or failure as a tool result the model can act on. A parked request names its review and how to keep
 * waiting (the same call re-attaches to the same review); a denial names the reviewer and reason in the message.
 */
export function refusal(res: KubeResponse, retry: RetryHint): ToolResult {
  const message = statusMessage(res);
  const review = res.review;
  if (review?.state === 'waiting') {
    return text(
      `${message}\n\nThe request is parked, not failed. To keep waiting, call ${retry.tool} again with exactly these ` +
        `arguments: ${JSON.stringify(retry.arguments)} — it re-attaches to review ${review.id} and runs once approved ` +
        `(any change makes a new review). To check without waiting, call review_status with review_id "${review.id}".`,
      { structuredContent: { review: { id: review.id, state: 'waiting' }, retry } },
    );
  }
  return text(`HTTP ${res.status}: ${message}`, {
    isError: true,
    ...(review ? { structuredContent: { review: { id: review.id, state: review.state } } } : {}),
  });
}
