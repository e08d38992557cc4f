/**
 * What each `/agent-sessions` view shows, read through the recording core the terminal uses (same filters, same
 * queries, same redacted store) plus the reviews the events point to. No Slack here.
 */
import type { Database } from '../../db/database.js';
import {
  getSession,
  iterateSessionEvents,
  listSessionEvents,
  type PendingReviewLookup,
  querySessions,
  type SessionPage,
} from '../../recording/query.js';
import type { RecordedEvent, SessionSummary } from '../../recording/types.js';
import type { ReviewEngine } from '../../reviews/engine.js';
import type { Review } from '../../reviews/model.js';
import type { ListFilter } from './command.js';

export type ReviewsReader = Pick<ReviewEngine, 'get' | 'list'>;

export const PAGE_SIZE = { sessions: 10, steps: 20 } as const;
/** Open reviews shown by `pending` (each is one block; the message holds 50). */
export const PENDING_LIMIT = 40;

/** One step of a session as Slack shows it: the recorded event and, when it was reviewed, its review. */
export interface SessionStep {
  /** 0-based position in the session. */
  index: number;
  event: RecordedEvent;
  review?: Review;
}

export interface SessionListView extends SessionPage {
  filter: ListFilter;
  offset: number;
}

export interface StepsView {
  session: SessionSummary;
  steps: SessionStep[];
  offset: number;
  total: number;
}

export interface ReplayView {
  session: SessionSummary;
  step: SessionStep;
  total: number;
}

/** Something the user asked for that does not exist; the message says what does. */
export class SessionLookupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SessionLookupError';
  }
}

/** Pending reviews name the session only when the agent named it; those map onto recorded sessions. */
export function pendingSessionsOf(reviews: ReviewsReader): PendingReviewLookup {
  return {
    async sessionIdsWithPendingReviews() {
      const pending = await reviews.list({ states: ['pending'] });
      return pending.flatMap((r) => (r.sessionId ? [r.sessionId] : []));
    },
  };
}

export async function loadSessionList(
  db: Database,
  reviews: ReviewsReader | undefined,
  filter: ListFilter,
  offset: number,
): Promise<SessionListView> {
  const { sinceMs, ...rest } = filter;
  const page = await querySessions(
    db,
    {
      ...rest,
      ...(sinceMs !== undefined ? { since: new Date(sinceMs) } : {}),
      limit: PAGE_SIZE.sessions,
      offset,
    },
    reviews && pendingSessionsOf(reviews),
  );
  return { ...page, filter, offset };
}

async function requireSession(db: Database, sessionId: string): Promise<SessionSummary> {
  const session = await getSession(db, sessionId);
  if (!session)
    throw new SessionLookupError(
      `There is no session \`${sessionId}\` (it may have been pruned): \`/agent-sessions list\` shows the stored ones.`,
    );
  return session;
}

/** Each distinct review once, looked up concurrently; a review pruned since is simply absent. */
async function withReviews(
  reviews: ReviewsReader | undefined,
  events: readonly RecordedEvent[],
  offset: number,
): Promise<SessionStep[]> {
  const ids = [...new Set(events.flatMap((e) => (e.reviewId ? [e.reviewId] : [])))];
  const found = new Map<string, Review>();
  if (reviews) {
    for (const review of await Promise.all(ids.map((id) => reviews.get(id)))) {
      if (review) found.set(review.id, review);
    }
  }
  return events.map((event, i) => {
    const review = event.reviewId ? found.get(event.reviewId) : undefined;
    return { index: offset + i, event, ...(review ? { review } : {}) };
  });
}

export async function loadSteps(
  db: Database,
  reviews: ReviewsReader | undefined,
  sessionId: string,
  offset: number,
): Promise<StepsView> {
  const session = await requireSession(db, sessionId);
  const { events, total } = await listSessionEvents(db, sessionId, { offset, limit: PAGE_SIZE.steps });
  return { session, steps: await withReviews(reviews, events, offset), offset, total };
}

export async function loadReplayStep(
  db: Database,
  reviews: ReviewsReader | undefined,
  sessionId: string,
  index: number,
): Promise<ReplayView> {
  const session = await requireSession(db, sessionId);
  const { events, total } = await listSessionEvents(db, sessionId, { offset: index, limit: 1 });
  const [step] = await withReviews(reviews, events, index);
  if (!step) {
    throw new SessionLookupError(
      total === 0
        ? `Session \`${sessionId}\` has no stored steps (they may have been pruned).`
        : `Session \`${sessionId}\` has ${total} step${total === 1 ? '' : 's'}: start from 1 to ${total}.`,
    );
  }
  return { session, step, total };
}

export async function loadPendingReviews(reviews: ReviewsReader | undefined): Promise<Review[]> {
  if (!reviews)
    throw new SessionLookupError('Reviews are not available here: the review engine is not connected.');
  return reviews.list({ states: ['pending'], limit: PENDING_LIMIT });
}

/** The whole session for a transcript: every stored event, in order. */
export async function loadTranscriptEvents(
  db: Database,
  sessionId: string,
): Promise<{ session: SessionSummary; events: RecordedEvent[] }> {
  const session = await requireSession(db, sessionId);
  const events: RecordedEvent[] = [];
  for await (const { event } of iterateSessionEvents(db, sessionId)) events.push(event);
  return { session, events };
}
