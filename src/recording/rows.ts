import type { Action, RecordingLevel } from '../policy/decision.js';
import type { RecordedEvent, SessionSummary } from './types.js';

/** The `events` columns Airlock writes; every one of them except `hash` is covered by the hash. */
export interface EventColumns {
  id: string;
  session_id: string;
  time: Date;
  agent_name: string;
  owner: string | null;
  cluster: string;
  request_id: string;
  method: string;
  path: string;
  query: string;
  verb: string;
  api_group: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  dry_run: boolean;
  rule: string;
  decision: Action;
  review_id: string | null;
  grant_id: string | null;
  status: number | null;
  latency_ms: number | null;
  bytes_in: number;
  bytes_out: number;
  recording_level: RecordingLevel;
  request_body: string | null;
  response_body: string | null;
  /** JSON text. */
  summary: string | null;
  prev_hash: string;
  hash: string;
}

export type EventContent = Omit<EventColumns, 'prev_hash' | 'hash'>;

export type StoredEventRow = EventColumns & { seq: number };

/** A stored row that does not have the shape Airlock wrote: itself evidence of tampering. */
export class MalformedRowError extends Error {
  constructor(column: string, value: unknown) {
    super(`column ${column} holds ${JSON.stringify(value) ?? String(value)}, which Airlock never writes`);
    this.name = 'MalformedRowError';
  }
}

// Drivers differ: Postgres returns bigint columns as strings and timestamps as Dates, SQLite returns
// booleans as 0/1 and timestamps as epoch milliseconds. Rows are normalised here, once, before hashing or display.
function str(row: Record<string, unknown>, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new MalformedRowError(column, value);
  return value;
}

function optStr(row: Record<string, unknown>, column: string): string | null {
  return row[column] === null || row[column] === undefined ? null : str(row, column);
}

function num(row: Record<string, unknown>, column: string): number {
  const value = row[column];
  const parsed = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof parsed !== 'number' || !Number.isFinite(parsed)) throw new MalformedRowError(column, value);
  return parsed;
}

function optNum(row: Record<string, unknown>, column: string): number | null {
  return row[column] === null || row[column] === undefined ? null : num(row, column);
}

function bool(row: Record<string, unknown>, column: string): boolean {
  const value = row[column];
  if (typeof value === 'boolean') return value;
  if (value === 0 || value === 1) return value === 1;
  throw new MalformedRowError(column, value);
}

function date(row: Record<string, unknown>, column: string): Date {
  const value = row[column];
  const parsed = value instanceof Date ? value : typeof value === 'number' ? new Date(value) : undefined;
  if (!parsed || Number.isNaN(parsed.getTime())) throw new MalformedRowError(column, value);
  return parsed;
}

function oneOf<T extends string>(row: Record<string, unknown>, column: string, allowed: readonly T[]): T {
  const value = str(row, column);
  if (!(allowed as readonly string[]).includes(value)) throw new MalformedRowError(column, value);
  return value as T;
}

const ACTIONS: readonly Action[] = ['allow', 'deny', 'review'];
const LEVELS: readonly RecordingLevel[] = ['none', 'metadata', 'request', 'request-response'];

export function readEventRow(row: Record<string, unknown>): StoredEventRow {
  return {
    seq: num(row, 'seq'),
    id: str(row, 'id'),
    session_id: str(row, 'session_id'),
    time: date(row, 'time'),
    agent_name: str(row, 'agent_name'),
    owner: optStr(row, 'owner'),
    cluster: str(row, 'cluster'),
    request_id: str(row, 'request_id'),
    method: str(row, 'method'),
    path: str(row, 'path'),
    query: str(row, 'query'),
    verb: str(row, 'verb'),
    api_group: str(row, 'api_group'),
    resource: str(row, 'resource'),
    subresource: str(row, 'subresource'),
    namespace: str(row, 'namespace'),
    name: str(row, 'name'),
    dry_run: bool(row, 'dry_run'),
    rule: str(row, 'rule'),
    decision: oneOf(row, 'decision', ACTIONS),
    review_id: optStr(row, 'review_id'),
    grant_id: optStr(row, 'grant_id'),
    status: optNum(row, 'status'),
    latency_ms: optNum(row, 'latency_ms'),
    bytes_in: num(row, 'bytes_in'),
    bytes_out: num(row, 'bytes_out'),
    recording_level: oneOf(row, 'recording_level', LEVELS),
    request_body: optStr(row, 'request_body'),
    response_body: optStr(row, 'response_body'),
    summary: optStr(row, 'summary'),
    prev_hash: str(row, 'prev_hash'),
    hash: str(row, 'hash'),
  };
}

function parseSummary(text: string | null): Record<string, unknown> | undefined {
  if (text === null) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : { value: parsed };
  } catch {
    return { text };
  }
}

export function toRecordedEvent(row: StoredEventRow): RecordedEvent {
  return {
    seq: row.seq,
    id: row.id,
    sessionId: row.session_id,
    time: row.time,
    agent: row.agent_name,
    ...(row.owner !== null && { owner: row.owner }),
    cluster: row.cluster,
    requestId: row.request_id,
    method: row.method,
    path: row.path,
    query: row.query,
    verb: row.verb,
    apiGroup: row.api_group,
    resource: row.resource,
    subresource: row.subresource,
    namespace: row.namespace,
    name: row.name,
    dryRun: row.dry_run,
    rule: row.rule,
    decision: row.decision,
    ...(row.review_id !== null && { reviewId: row.review_id }),
    ...(row.grant_id !== null && { grantId: row.grant_id }),
    ...(row.status !== null && { status: row.status }),
    ...(row.latency_ms !== null && { latencyMs: row.latency_ms }),
    bytesIn: row.bytes_in,
    bytesOut: row.bytes_out,
    recordingLevel: row.recording_level,
    ...(row.request_body !== null && { requestBody: row.request_body }),
    ...(row.response_body !== null && { responseBody: row.response_body }),
    ...(row.summary !== null && { summary: parseSummary(row.summary) }),
  };
}

export function toSessionSummary(row: Record<string, unknown>): SessionSummary {
  const label = optStr(row, 'label');
  const owner = optStr(row, 'owner');
  return {
    id: str(row, 'id'),
    ...(label !== null && { label }),
    agent: str(row, 'agent_name'),
    ...(owner !== null && { owner }),
    tokenId: str(row, 'token_id'),
    cluster: str(row, 'cluster'),
    startedAt: date(row, 'started_at'),
    lastActivity: date(row, 'last_activity'),
    counts: {
      allowed: num(row, 'allowed'),
      reviewed: num(row, 'reviewed'),
      denied: num(row, 'denied'),
      failed: num(row, 'failed'),
    },
    events: num(row, 'event_count'),
  };
}
