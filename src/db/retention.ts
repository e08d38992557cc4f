/**
 * Retention of everything Airlock stores: recordings (keeping the audit chain verifiable), review events every
 * follower has passed, closed reviews, and Slack messages already delivered or given up. Each table is pruned in
 * small batches, each its own short transaction, so a first prune after months never holds one long transaction
 * (or the chain heads) while the gateway starts serving.
 */
import { pruneEvents } from '../recording/retention.js';
import { ReviewStore } from '../reviews/store.js';
import { OutboxStore } from '../slack/outbox/store.js';
import { DEFAULT_PRUNE_BATCH } from './batches.js';
import type { Database } from './database.js';
import { startHousekeeping } from './housekeeping.js';

export interface PruneResult {
  /** Recorded events and the sessions they emptied. */
  events: number;
  sessions: number;
  reviewEvents: number;
  reviews: number;
  outbox: number;
}

/** Prunes every table of what is older than `olderThan`. */
export async function pruneAll(
  db: Database,
  olderThan: Date,
  now = new Date(),
  batch = DEFAULT_PRUNE_BATCH,
): Promise<PruneResult> {
  const recordings = await pruneEvents(db, olderThan, now, batch);
  const outbox = await new OutboxStore(db).prune(olderThan, batch);
  const reviews = await new ReviewStore(db).prune(olderThan, batch);
  return { ...recordings, ...reviews, outbox };
}

export interface RetentionSchedule {
  olderThanSeconds: number;
  everySeconds: number;
  onPruned?: (result: PruneResult) => void;
  onError?: (err: Error) => void;
}

/** Prunes on a schedule (see `startHousekeeping`); failures are reported and retried on the next run. */
export function startRetentionSchedule(db: Database, schedule: RetentionSchedule): () => Promise<void> {
  return startHousekeeping(schedule.everySeconds, () =>
    pruneAll(db, new Date(Date.now() - schedule.olderThanSeconds * 1000)).then(
      schedule.onPruned,
      (err: unknown) => schedule.onError?.(err instanceof Error ? err : new Error(String(err))),
    ),
  );
}
