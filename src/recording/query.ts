import type { Database } from '../db/database.js';
import { readEventRow, toRecordedEvent, toSessionSummary } from './rows.js';
import type { RecordedEvent, SessionSummary } from './types.js';

export type SessionStatus = 'denied' | 'reviewed' | 'pending' | 'failed';
export const SESSION_STATUSES: readonly SessionStatus[] = ['denied', 'reviewed', 'pending', 'failed'];

/** The filters the terminal and `/agent-sessions` both offer. */
export interface SessionFilter {
  agent?: string;
  owner?: string;
  cluster?: string;
  /** Sessions with at least one event in this namespace. */
  namespace?: string;
  status?: SessionStatus;
  /** Sessions active since then. */
  since?: Date;
  limit: number;
  offset: number;
}

/**
 * Parked requests are recorded only once decided, so which sessions wait on a review is known to the
 * review engine, not to the event log; it answers through this port.
 */
export interface PendingReviewLookup {
  sessionIdsWithPendingReviews(): Promise<readonly string[]>;
}

export interface SessionPage {
  sessions: SessionSummary[];
  /** Another page follows (for Next buttons). */
  hasMore: boolean;
}

export interface EventPage {
  events: RecordedEvent[];
  /** Events of the session still stored (pruned ones are gone). */
  total: number;
}

export class SessionQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SessionQueryError';
  }
}

/** Sessions matching `filter`, newest first. */
export async function querySessions(
  db: Database,
  filter: SessionFilter,
  pending?: PendingReviewLookup,
): Promise<SessionPage> {
  let pendingIds: readonly string[] | undefined;
  if (filter.status === 'pending') {
    if (!pending) {
      throw new SessionQueryError(
        'pending reviews are not available here: the review engine is not connected to this query',
      );
    }
    pendingIds = await pending.sessionIdsWithPendingReviews();
  }
  const rows: Record<string, unknown>[] = await db('sessions')
    .modify((q) => {
      if (filter.agent !== undefined) q.where('agent_name', filter.agent);
      if (filter.owner !== undefined) q.where('owner', filter.owner);
      if (filter.cluster !== undefined) q.where('cluster', filter.cluster);
      if (filter.since !== undefined) q.where('last_activity', '>=', filter.since);
      if (pendingIds !== undefined) q.whereIn('id', pendingIds);
      // The status names are also the names of the session's counter columns.
      else if (filter.status !== undefined) q.where(filter.status, '>', 0);
      if (filter.namespace !== undefined) {
        const namespace = filter.namespace;
        q.whereExists((sub) =>
          sub
            .select(db.raw('1'))
            .from('events')
            .whereRaw('events.session_id = sessions.id')
            .andWhere('events.namespace', namespace),
        );
      }
    })
    .orderBy([
      { column: 'started_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(filter.limit + 1)
    .offset(filter.offset);
  return { sessions: rows.slice(0, filter.limit).map(toSessionSummary), hasMore: rows.length > filter.limit };
}

export async function getSession(db: Database, id: string): Promise<SessionSummary | undefined> {
  const row: Record<string, unknown> | undefined = await db('sessions').where({ id }).first();
  return row ? toSessionSummary(row) : undefined;
}

/**
 * A session's events in the order they started (the chain records them as they finish: a long request started
 * first is stored after the short ones it overlapped).
 */
export async function listSessionEvents(
  db: Database,
  sessionId: string,
  page: { offset: number; limit: number },
): Promise<EventPage> {
  const [rows, counted] = await Promise.all([
    db('events')
      .where({ session_id: sessionId })
      .orderBy([{ column: 'time' }, { column: 'seq' }])
      .offset(page.offset)
      .limit(page.limit),
    db('events').where({ session_id: sessionId }).count({ n: '*' }).first(),
  ]);
  return {
    events: (rows as Record<string, unknown>[]).map((row) => toRecordedEvent(readEventRow(row))),
    total: Number(counted?.n ?? 0),
  };
}

/** Every stored event of a session from step `from` (0-based) on, fetched a page at a time. */
export async function* iterateSessionEvents(
  db: Database,
  sessionId: string,
  opts: { from?: number; pageSize?: number } = {},
): AsyncGenerator<{ event: RecordedEvent; index: number; total: number }> {
  const pageSize = opts.pageSize ?? 200;
  for (let offset = opts.from ?? 0; ; offset += pageSize) {
    const { events, total } = await listSessionEvents(db, sessionId, { offset, limit: pageSize });
    for (const [i, event] of events.entries()) yield { event, index: offset + i, total };
    if (events.length < pageSize) return;
  }
}
