/**
 * Retention of what is not a recording: closed reviews (with their decisions and events), review events every
 * follower has passed, and Slack messages already delivered. Recordings' retention is in recording.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { pruneAll } from '../../src/db/retention.js';
import {
  DIALECTS,
  type TestDatabase,
  approver,
  createTestDatabase,
  harness,
  never,
  parkInput,
  reviewSettings,
  testClock,
} from './reviews-engine.fixtures.js';

describe.each(DIALECTS)('retention on %s', (dialect) => {
  let database: TestDatabase;
  let db: Database;
  const clock = testClock();
  const settings = reviewSettings({ holdSeconds: 0.05 });
  const aDayLater = (): Date => new Date(clock.now().getTime() + 86_400_000);

  beforeEach(async () => {
    database = await createTestDatabase(dialect);
    db = await database.connect();
  });

  afterEach(() => database.close());

  async function closedAndOpenReview(): Promise<{ closed: string; open: string }> {
    const h = harness(db, clock);
    const first = await h.engine.park(parkInput({ settings }), never());
    await h.engine.decide(first.review.id, approver('bob'), { decision: 'deny', reason: 'not today' });
    const second = await h.engine.park(parkInput({ settings }), never());
    await h.engine.stop();
    return { closed: first.review.id, open: second.review.id };
  }

  const ids = async (table: string, key: string): Promise<string[]> =>
    (await db(table).select(key).orderBy(key)).map((r: Record<string, unknown>) => String(r[key]));

  it('prunes closed reviews with their decisions and events, in batches; open reviews stay', async () => {
    const { closed, open } = await closedAndOpenReview();
    const result = await pruneAll(db, aDayLater(), new Date(), 1);

    // Every event before the cut-off: created, released (the hold ended) and denied of the closed review, created and
    // released of the open one.
    expect(result).toMatchObject({ reviews: 1, reviewEvents: 5 });
    expect(await ids('reviews', 'id')).toEqual([open]);
    expect(await db('review_decisions').where({ review_id: closed })).toEqual([]);
    expect(Number((await db('review_events').count({ n: '*' }).first())?.n)).toBe(0);
  });

  it('never drops an event a follower has not reached, nor the review it belongs to', async () => {
    const { closed } = await closedAndOpenReview();
    const [firstSeq] = (await ids('review_events', 'seq')).map(Number);
    await db('review_event_cursors').insert({ consumer: 'slack', seq: firstSeq });

    const result = await pruneAll(db, aDayLater(), new Date(), 1);

    expect(result).toMatchObject({ reviews: 0, reviewEvents: 1 });
    expect(await ids('reviews', 'id')).toContain(closed);
    expect((await ids('review_events', 'seq')).map(Number).every((seq) => seq > firstSeq!)).toBe(true);
  });

  it('prunes delivered and abandoned Slack messages, never pending ones', async () => {
    const old = clock.now().getTime();
    const row = (state: string, finished: number | null) => ({
      review_id: 'rev-1',
      kind: 'card',
      payload: '{}',
      state,
      attempts: 0,
      created_at: old,
      due_at: old,
      finished_at: finished,
    });
    await db('slack_outbox').insert([
      row('delivered', old),
      row('abandoned', old),
      row('delivered', old),
      row('pending', null),
      row('delivered', aDayLater().getTime() + 1),
    ]);

    const result = await pruneAll(db, aDayLater(), new Date(), 2);

    expect(result.outbox).toBe(3);
    expect(
      (await db('slack_outbox').select('state').orderBy('id')).map((r: { state: string }) => r.state),
    ).toEqual(['pending', 'delivered']);
  });
});
