import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DIALECTS,
  type TestClock,
  type TestDatabase,
  approver,
  createTestDatabase,
  harness,
  never,
  parkInput,
  reviewSettings,
  testClock,
} from './reviews-engine.fixtures.js';

describe.each(DIALECTS)('review engine replicas on %s', (dialect) => {
  let database: TestDatabase;
  let clock: TestClock;

  beforeEach(async () => {
    database = await createTestDatabase(dialect);
    clock = testClock();
  });

  afterEach(() => database.close());

  it('a decision stored by replica B releases the request parked on replica A', async () => {
    const a = harness(await database.connect(), clock, { pollMs: 50 });
    const b = harness(await database.connect(), clock, { pollMs: 50 });
    a.engine.start();
    b.engine.start();
    try {
      const parked = a.engine.park(parkInput(), never());
      const { review } = await a.nextEvent('created');

      const decidedAt = Date.now();
      expect(
        await b.engine.decide(review.id, approver('alice', { via: 'slack' }), { decision: 'approve' }),
      ).toMatchObject({ ok: true });
      const result = await parked;
      const releaseMs = Date.now() - decidedAt;

      expect(result).toMatchObject({ kind: 'execute', review: { id: review.id, state: 'executing' } });
      expect(releaseMs).toBeLessThan(1000);
      // Each replica reports only the transitions it made itself.
      expect(a.events.map((e) => e.type)).toEqual(['created', 'executing']);
      expect(b.events.map((e) => e.type)).toEqual(['approved']);
    } finally {
      await Promise.all([a.engine.stop(), b.engine.stop()]);
    }
  });

  it('keeps pending reviews across a restart; the re-run re-attaches and executes once', async () => {
    const before = harness(await database.connect(), clock);
    const first = await before.engine.park(
      parkInput({ settings: reviewSettings({ holdSeconds: 0.05 }) }),
      never(),
    );
    expect(first.kind).toBe('pending');
    await before.engine.stop();

    const after = harness(await database.connect(), clock);
    expect((await after.engine.list({ states: ['pending'] })).map((r) => r.id)).toEqual([first.review.id]);
    const rerun = after.engine.park(parkInput(), never());
    await after.nextEvent('attached');
    await after.engine.decide(first.review.id, approver('bob'), { decision: 'approve' });

    expect(await rerun).toMatchObject({ kind: 'execute', review: { id: first.review.id } });
    expect(after.events.map((e) => e.type)).toEqual(['attached', 'approved', 'executing']);
  });

  it('two replicas parking the same request at once share one review', async () => {
    const a = harness(await database.connect(), clock);
    const b = harness(await database.connect(), clock);
    const settings = reviewSettings({ holdSeconds: 0.05 });
    const [onA, onB] = await Promise.all([
      a.engine.park(parkInput({ settings }), never()),
      b.engine.park(parkInput({ settings }), never()),
    ]);
    expect(onA.review.id).toBe(onB.review.id);
    expect([...a.events, ...b.events].map((e) => e.type).sort()).toEqual(['attached', 'created']);
  });
});
