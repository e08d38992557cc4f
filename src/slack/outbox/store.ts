/**
 * The outbox table: messages owed to Slack, delivered in order per review, and the outbox's position in the review
 * event feed. The only Slack module that speaks SQL.
 */
import { deleteInBatches } from '../../db/batches.js';
import type { Database } from '../../db/database.js';
import type { OutboxKind, OutboxMessage } from './messages.js';

export interface OutboxEntry {
  id: number;
  reviewId: string;
  message: OutboxMessage;
  /** Failed delivery attempts so far. */
  attempts: number;
}

interface OutboxRow {
  id: number;
  review_id: string;
  kind: OutboxKind;
  payload: string;
  attempts: number | string;
}

const TABLE = 'slack_outbox';
const CURSORS = 'review_event_cursors';

function toEntry(row: OutboxRow): OutboxEntry {
  return {
    id: Number(row.id),
    reviewId: row.review_id,
    message: JSON.parse(row.payload) as OutboxMessage,
    attempts: Number(row.attempts),
  };
}

export class OutboxStore {
  constructor(private readonly db: Database) {}

  /** Runs `work` in one SQL transaction; throwing rolls everything back. */
  transaction<T>(work: (tx: OutboxStore) => Promise<T>): Promise<T> {
    return this.db.transaction((trx) => work(new OutboxStore(trx)));
  }

  /** The last review event `consumer` has queued messages for; a new consumer starts at `start()`. */
  async eventCursor(consumer: string, start: () => Promise<number>): Promise<number> {
    const existing = await this.readCursor(consumer);
    if (existing !== undefined) return existing;
    // Two replicas starting at once both try; the first insert wins and both read it back.
    await this.db(CURSORS)
      .insert({ consumer, seq: await start() })
      .onConflict('consumer')
      .ignore();
    const created = await this.readCursor(consumer);
    if (created === undefined) throw new Error(`the ${consumer} event cursor vanished after being created`);
    return created;
  }

  /** Retention: deletes messages delivered or abandoned before `olderThan`, `batch` per statement; pending ones stay. */
  prune(olderThan: Date, batch: number): Promise<number> {
    return deleteInBatches(this.db, TABLE, 'id', batch, (q) =>
      q.whereIn('state', ['delivered', 'abandoned']).andWhere('finished_at', '<', olderThan.getTime()),
    );
  }

  /** Compare-and-set from `from` to `to`: false when another replica moved the cursor first. */
  async advanceEventCursor(consumer: string, from: number, to: number): Promise<boolean> {
    const updated = await this.db(CURSORS).where({ consumer, seq: from }).update({ seq: to });
    return updated === 1;
  }

  async enqueue(reviewId: string, messages: readonly OutboxMessage[], now: Date): Promise<void> {
    const at = now.getTime();
    const wanted: OutboxMessage[] = [];
    for (const m of messages) if (!(await this.postedLately(reviewId, m, at))) wanted.push(m);
    if (wanted.length === 0) return;
    await this.db(TABLE).insert(
      wanted.map((m) => ({
        review_id: reviewId,
        kind: m.kind,
        payload: JSON.stringify(m),
        state: 'pending',
        attempts: 0,
        created_at: at,
        due_at: at,
      })),
    );
  }

  /** A reply with a quiet window that the same thread already got (queued or sent) within that window. */
  private async postedLately(reviewId: string, m: OutboxMessage, at: number): Promise<boolean> {
    if (m.kind !== 'thread-reply' || m.quietMs === undefined) return false;
    const row: unknown = await this.db(TABLE)
      .where({ review_id: reviewId, kind: 'thread-reply', payload: JSON.stringify(m) })
      .andWhere('created_at', '>', at - m.quietMs)
      .first('id');
    return row !== undefined;
  }

  /**
   * The oldest pending message of each review, if it is due and nobody holds it: a review's messages go out in
   * order (the card before its replies), while a review whose message keeps failing does not hold up the others.
   */
  async nextDue(now: Date, limit: number): Promise<OutboxEntry[]> {
    const at = now.getTime();
    const heads = this.db(TABLE).min('id').where('state', 'pending').groupBy('review_id');
    const rows: OutboxRow[] = await this.db(TABLE)
      .select('id', 'review_id', 'kind', 'payload', 'attempts')
      .whereIn('id', heads)
      .andWhere('due_at', '<=', at)
      .andWhere((q) => q.whereNull('leased_until').orWhere('leased_until', '<', at))
      .orderBy('id')
      .limit(limit);
    return rows.map(toEntry);
  }

  /** Claims a message for one delivery attempt; false when another replica holds it or it is done. */
  async lease(id: number, now: Date, leaseMs: number): Promise<boolean> {
    const at = now.getTime();
    const updated = await this.db(TABLE)
      .where({ id, state: 'pending' })
      .andWhere((q) => q.whereNull('leased_until').orWhere('leased_until', '<', at))
      .update({ leased_until: at + leaseMs });
    return updated === 1;
  }

  /** The newest queued card update of a review: one update rendered after it was queued makes all up to it redundant. */
  async lastQueuedCardUpdate(reviewId: string): Promise<number | undefined> {
    const row = (await this.db(TABLE)
      .max({ id: 'id' })
      .where({ review_id: reviewId, kind: 'update-card', state: 'pending' })
      .first()) as { id: number | string | null } | undefined;
    return row?.id == null ? undefined : Number(row.id);
  }

  async markDelivered(entry: OutboxEntry, now: Date, alsoCardUpdatesUpTo?: number): Promise<void> {
    const done = { state: 'delivered', finished_at: now.getTime(), leased_until: null };
    await this.db(TABLE).where({ id: entry.id }).update(done);
    if (alsoCardUpdatesUpTo !== undefined) {
      await this.db(TABLE)
        .where({ review_id: entry.reviewId, kind: 'update-card', state: 'pending' })
        .andWhere('id', '<=', alsoCardUpdatesUpTo)
        .update(done);
    }
  }

  async reschedule(id: number, dueAt: Date, error: string): Promise<void> {
    await this.db(TABLE)
      .where({ id })
      .update({
        due_at: dueAt.getTime(),
        leased_until: null,
        last_error: error,
        attempts: this.db.raw('attempts + 1'),
      });
  }

  /** Makes messages held back by back-off due now (Slack answers again): they go out in order with the rest. */
  async release(ids: readonly number[], now: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.db(TABLE).whereIn('id', ids).andWhere('state', 'pending').update({ due_at: now.getTime() });
  }

  /** Gives up on a message Slack will never accept (e.g. `channel_not_found`), so the review's queue moves on. */
  async abandon(id: number, now: Date, error: string): Promise<void> {
    await this.db(TABLE)
      .where({ id })
      .update({ state: 'abandoned', finished_at: now.getTime(), leased_until: null, last_error: error });
  }

  private async readCursor(consumer: string): Promise<number | undefined> {
    const row = (await this.db(CURSORS).select('seq').where({ consumer }).first()) as
      { seq: number | string } | undefined;
    return row === undefined ? undefined : Number(row.seq);
  }
}
