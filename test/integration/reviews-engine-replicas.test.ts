import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createReviewEngine } from '../../src/reviews/engine.js';
import { ReviewStore } from '../../src/reviews/store.js';
import type { ReviewEvent } from '../../src/reviews/model.js';
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
    // Both holds end undecided: each agent's departure is recorded too.
    expect([...a.events, ...b.events].map((e) => e.type).sort()).toEqual([
      'attached',
      'created',
      'released',
      'released',
    ]);
  });

  describe('an execution whose process stopped (issue 11)', () => {
    const LEASE = 30;

    /** Replica A claims the approved request and dies before reporting: no heartbeat, no outcome. */
    async function abandonedExecution() {
      const a = harness(await database.connect(), clock, { executionLeaseSeconds: LEASE });
      const parked = a.engine.park(parkInput(), never());
      const { review } = await a.nextEvent('created');
      await a.engine.decide(review.id, approver('alice'), { decision: 'approve' });
      expect(await parked).toMatchObject({ kind: 'execute' });
      await a.engine.stop();
      return review.id;
    }

    it('is resolved by another replica once the lease lapses: failed, outcome unknown, the object checked', async () => {
      const id = await abandonedExecution();
      const inspected: string[] = [];
      const events: ReviewEvent[] = [];
      const bEngine = createReviewEngine(
        await database.connect(),
        {
          notify: (event) => events.push(event),
          now: () => clock.now(),
          inspect: async (review) => {
            inspected.push(review.id);
            return 'deployments "web" does not exist';
          },
        },
        { executionLeaseSeconds: LEASE },
      );
      clock.advance(LEASE - 1);
      expect(await bEngine.resolveAbandonedExecutions()).toBe(0);
      clock.advance(1);
      expect(await bEngine.resolveAbandonedExecutions()).toBe(1);
      expect(inspected).toEqual([id]);
      expect(await bEngine.get(id)).toMatchObject({
        state: 'failed',
        outcome: {
          status: 0,
          unknown: true,
          message: expect.stringContaining('Now: deployments "web" does not exist.'),
        },
      });
      expect(events.map((e) => e.type)).toEqual(['failed']);
      // Resolved once: a second sweep (or replica) finds nothing.
      expect(await bEngine.resolveAbandonedExecutions()).toBe(0);
    });

    it('is kept alive by its heartbeat', async () => {
      const id = await abandonedExecution();
      const b = harness(await database.connect(), clock, { executionLeaseSeconds: LEASE });
      clock.advance(LEASE - 1);
      expect(await b.engine.renewLease(id)).toBe(true);
      clock.advance(LEASE - 1);
      expect(await b.engine.resolveAbandonedExecutions()).toBe(0);
      clock.advance(1);
      expect(await b.engine.resolveAbandonedExecutions()).toBe(1);
      expect(await b.engine.renewLease(id)).toBe(false);
    });

    it('lets a re-run re-attach while it executes, then learn the outcome; after it, a re-run opens a fresh review', async () => {
      const id = await abandonedExecution();
      const b = harness(await database.connect(), clock, { executionLeaseSeconds: LEASE });
      const rerun = b.engine.park(parkInput({ settings: reviewSettings({ holdSeconds: 5 }) }), never());
      await b.nextEvent('attached', id);
      clock.advance(LEASE);
      expect(await b.engine.resolveAbandonedExecutions()).toBe(1);
      expect(await rerun).toMatchObject({ kind: 'closed', review: { id, state: 'failed' } });

      const fresh = await b.engine.park(
        parkInput({ settings: reviewSettings({ holdSeconds: 0.05 }) }),
        never(),
      );
      expect(fresh).toMatchObject({ kind: 'pending' });
      expect(fresh.review.id).not.toBe(id);
    });

    it('is resolved by the background sweep without anyone asking', async () => {
      const id = await abandonedExecution();
      const b = harness(await database.connect(), clock, { executionLeaseSeconds: LEASE });
      clock.advance(LEASE);
      b.engine.start();
      try {
        await b.nextEvent('failed', id);
      } finally {
        await b.engine.stop();
      }
      expect((await b.engine.get(id))?.state).toBe('failed');
    });
  });
});

describe.runIf(DIALECTS.includes('postgres'))(
  'review engine replicas on postgres: wake-ups and event order',
  () => {
    let database: TestDatabase;

    beforeEach(async () => {
      database = await createTestDatabase('postgres');
    });

    afterEach(() => database.close());

    it('a decision on replica B wakes the request parked on replica A long before A would poll', async () => {
      // A poll interval far beyond the test's timeout: only the notification can release the request in time.
      const clock = testClock();
      const a = harness(await database.connect(), clock, { pollMs: 600_000 });
      const b = harness(await database.connect(), clock, { pollMs: 600_000 });
      a.engine.start();
      b.engine.start();
      try {
        const parked = a.engine.park(parkInput(), never());
        const { review } = await a.nextEvent('created');
        await b.engine.decide(review.id, approver('alice', { via: 'slack' }), { decision: 'approve' });
        expect(await parked).toMatchObject({
          kind: 'execute',
          review: { id: review.id, state: 'executing' },
        });
      } finally {
        await Promise.all([a.engine.stop(), b.engine.stop()]);
      }
    }, 5_000);

    it('a transition does not wait for another writer of review_events (a prune in progress)', async () => {
      const other = await database.connect();
      const a = harness(await database.connect(), testClock());
      const prune = await other.transaction();
      try {
        // Holds ROW EXCLUSIVE on review_events until rollback, as a retention batch does; the old
        // `LOCK TABLE review_events IN EXCLUSIVE MODE` in every transition would queue behind it.
        await prune('review_events').where('seq', '<', 0).delete();
        const parked = await Promise.race([
          a.engine.park(parkInput({ settings: reviewSettings({ holdSeconds: 0.05 }) }), never()),
          new Promise<'blocked'>((resolve) => setTimeout(() => resolve('blocked'), 2_000)),
        ]);
        expect(parked).toMatchObject({ kind: 'pending' });
      } finally {
        await prune.rollback();
        await a.engine.stop();
      }
    });

    it('event writers still commit in seq order: a second writer waits for the first to commit', async () => {
      const first = new ReviewStore(await database.connect());
      const second = new ReviewStore(await database.connect());
      const a = harness(await database.connect(), testClock());
      const { review } = await a.engine.park(
        parkInput({ settings: reviewSettings({ holdSeconds: 0.05 }) }),
        never(),
      );
      const at = new Date();
      let releaseFirst: () => void = () => undefined;
      const firstHolds = new Promise<void>((resolve) => (releaseFirst = resolve));
      let firstInserted: () => void = () => undefined;
      const inserted = new Promise<void>((resolve) => (firstInserted = resolve));
      const firstTx = first.transaction(async (tx) => {
        await tx.insertEvents([{ type: 'attached', review, actor: { kind: 'system', name: 'first' }, at }]);
        firstInserted();
        await firstHolds;
      });
      await inserted;
      let secondDone = false;
      const secondTx = second
        .transaction((tx) =>
          tx.insertEvents([{ type: 'attached', review, actor: { kind: 'system', name: 'second' }, at }]),
        )
        .then(() => (secondDone = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(secondDone).toBe(false);
      releaseFirst();
      await Promise.all([firstTx, secondTx]);
      const events = await first.eventsAfter(0, 100);
      expect(events.slice(-2).map((e) => e.actor)).toEqual([
        { kind: 'system', name: 'first' },
        { kind: 'system', name: 'second' },
      ]);
    });
  },
);
