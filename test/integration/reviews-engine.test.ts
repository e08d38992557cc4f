import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { ReviewStateError, createReviewEngine } from '../../src/reviews/engine.js';
import {
  DIALECTS,
  type Harness,
  type TestClock,
  type TestDatabase,
  approver,
  createTestDatabase,
  deleteDeployment,
  harness,
  never,
  parkInput,
  reviewSettings,
  testClock,
} from './reviews-engine.fixtures.js';

describe.each(DIALECTS)('review engine on %s', (dialect) => {
  let database: TestDatabase;
  let db: Database;
  let clock: TestClock;
  let h: Harness;

  beforeEach(async () => {
    database = await createTestDatabase(dialect);
    db = await database.connect();
    clock = testClock();
    h = harness(db, clock);
  });

  afterEach(async () => {
    await h.engine.stop();
    await database.close();
  });

  const shortHold = (overrides = {}) => reviewSettings({ holdSeconds: 0.05, ...overrides });

  it('creates one review and re-attaches identical requests to it', async () => {
    const first = await h.engine.park(parkInput({ settings: shortHold() }), never());
    const second = await h.engine.park(parkInput({ settings: shortHold() }), never());

    expect(first.kind).toBe('pending');
    expect(second.kind).toBe('pending');
    expect(second.review.id).toBe(first.review.id);
    expect(await h.engine.list()).toHaveLength(1);
    // Each hold ended undecided: the agent left, which the card shows.
    expect(h.events.map((e) => e.type)).toEqual(['created', 'released', 'attached', 'released']);
    expect(await h.engine.agentPresence(first.review.id)).toMatchObject({ waiting: false });
    expect(first.review).toMatchObject({
      state: 'pending',
      agent: { name: 'ci-bot' },
      owner: 'dave@example.com',
      cluster: 'main',
      rule: 'prod-deletes',
      classification: { verb: 'delete', resource: 'deployments', namespace: 'prod', name: 'web' },
      redactedRequest:
        'DELETE /apis/apps/v1/namespaces/prod/deployments/web\nContent-Type: application/json\n\n{"propagationPolicy":"Background"}',
    });
  });

  it('makes a new review for a changed body or another agent', async () => {
    const original = await h.engine.park(parkInput({ settings: shortHold() }), never());
    const changed = await h.engine.park(
      parkInput({ settings: shortHold(), body: Buffer.from('{"propagationPolicy":"Foreground"}') }),
      never(),
    );
    const otherAgent = await h.engine.park(
      parkInput({ settings: shortHold(), agent: { ...parkInput().agent, subject: 'agent-other' } }),
      never(),
    );
    expect(new Set([original.review.id, changed.review.id, otherAgent.review.id]).size).toBe(3);
  });

  it('never stores the original body when no redacted copy is given', async () => {
    const secretBody = Buffer.from('{"data":{"password":"hunter2-canary"}}');
    const result = await h.engine.park(
      parkInput({ settings: shortHold(), body: secretBody, redactedBody: undefined }),
      never(),
    );
    const rows: unknown[] = await db('reviews').select();
    expect(JSON.stringify(rows)).not.toContain('hunter2-canary');
    expect(result.review.redactedRequest).toContain('38-byte body not recorded');
  });

  it('releases the parked request when approved, with the body to forward', async () => {
    const parked = h.engine.park(parkInput(), never());
    const created = await h.nextEvent('created');

    const decided = await h.engine.decide(created.review.id, approver('alice'), { decision: 'approve' });
    const result = await parked;

    expect(decided.ok).toBe(true);
    expect(result.kind).toBe('execute');
    if (result.kind !== 'execute') return;
    expect(result.request.body.toString()).toBe('{"propagationPolicy":"Background"}');
    expect(result.review.state).toBe('executing');
    const done = await h.engine.completeExecution(result.review.id, { status: 200 });
    expect(done).toMatchObject({ state: 'executed', outcome: { status: 200 } });
    expect(h.events.map((e) => e.type)).toEqual(['created', 'approved', 'executing', 'executed']);
  });

  it('executes exactly once: the request after execution makes a new review', async () => {
    const first = await h.engine.park(parkInput({ settings: shortHold() }), never());
    await h.engine.decide(first.review.id, approver('alice'), { decision: 'approve' });

    const rerun = await h.engine.park(parkInput({ settings: shortHold() }), never());
    expect(rerun).toMatchObject({ kind: 'execute', review: { id: first.review.id } });
    await h.engine.completeExecution(first.review.id, { status: 200 });

    const third = await h.engine.park(parkInput({ settings: shortHold() }), never());
    expect(third.kind).toBe('pending');
    expect(third.review.id).not.toBe(first.review.id);
  });

  it('lets only one of two identical parked requests execute; the other waits to hear how it ended', async () => {
    const a = h.engine.park(parkInput(), never());
    const b = h.engine.park(parkInput(), never());
    const created = await h.nextEvent('created');
    await h.nextEvent('attached');
    await h.engine.decide(created.review.id, approver('alice'), { decision: 'approve' });

    const first = await Promise.race([a, b]);
    expect(first.kind).toBe('execute');
    await h.engine.completeExecution(first.review.id, { status: 200 });
    const results = await Promise.all([a, b]);
    expect(results.map((r) => r.kind).sort()).toEqual(['closed', 'execute']);
    expect(results.find((r) => r.kind === 'closed')?.review.state).toBe('executed');
  });

  it('requires a reason to deny and hands it to the parked request', async () => {
    const parked = h.engine.park(parkInput(), never());
    const { review } = await h.nextEvent('created');

    const withoutReason = await h.engine.decide(review.id, approver('alice'), {
      decision: 'deny',
      reason: '  ',
    });
    expect(withoutReason).toMatchObject({ ok: false, refusal: { code: 'reason-required' } });

    await h.engine.decide(review.id, approver('bob'), { decision: 'deny', reason: 'scale to zero instead' });
    const result = await parked;
    expect(result.kind).toBe('denied');
    expect(result.review.decisions).toMatchObject([
      { approver: { name: 'bob', via: 'terminal' }, decision: 'deny', reason: 'scale to zero instead' },
    ]);
  });

  it('needs two distinct people when the rule asks for two approvals', async () => {
    const settings = reviewSettings({ approvals: 2 });
    const parked = h.engine.park(parkInput({ settings }), never());
    const { review } = await h.nextEvent('created');

    expect(await h.engine.decide(review.id, approver('alice'), { decision: 'approve' })).toMatchObject({
      ok: true,
      review: { state: 'pending' },
    });
    const again = await h.engine.decide(review.id, approver('ALICE', { via: 'slack' }), {
      decision: 'approve',
    });
    expect(again).toMatchObject({ ok: false, refusal: { code: 'already-voted' } });
    expect((await h.engine.get(review.id))?.state).toBe('pending');

    await h.engine.decide(review.id, approver('bob'), { decision: 'approve' });
    expect((await parked).kind).toBe('execute');
    expect(h.events.map((e) => e.type)).toEqual(['created', 'approval-added', 'approved', 'executing']);
  });

  it("refuses the owner's approval, even with break-glass, and non-approvers", async () => {
    const result = await h.engine.park(parkInput({ settings: shortHold() }), never());
    const id = result.review.id;
    const owner = approver('dave', {
      id: 'U0DAVE',
      identifiers: ['U0DAVE', 'Dave@Example.com'],
      groups: ['sre'],
    });

    expect(await h.engine.decide(id, owner, { decision: 'approve' })).toMatchObject({
      ok: false,
      refusal: { code: 'owner-self-approval' },
    });
    expect(await h.engine.decide(id, owner, { decision: 'approve', breakGlass: true })).toMatchObject({
      ok: false,
      refusal: { code: 'owner-self-approval' },
    });
    expect(await h.engine.decide(id, approver('mallory'), { decision: 'approve' })).toMatchObject({
      ok: false,
      refusal: { code: 'not-eligible' },
    });
    expect(
      await h.engine.decide(id, approver('mallory', { via: 'slack' }), {
        decision: 'approve',
        breakGlass: true,
      }),
    ).toMatchObject({ ok: false, refusal: { code: 'not-eligible' } });
    expect((await h.engine.get(id))?.decisions).toEqual([]);
  });

  it('accepts eligibility by group and records terminal break-glass', async () => {
    const one = await h.engine.park(parkInput({ settings: shortHold() }), never());
    const byGroup = await h.engine.decide(one.review.id, approver('erin', { groups: ['SRE'] }), {
      decision: 'approve',
    });
    expect(byGroup).toMatchObject({ ok: true, review: { state: 'approved' } });

    const two = await h.engine.park(
      parkInput({ settings: shortHold(), request: deleteDeployment('api') }),
      never(),
    );
    const breakGlass = await h.engine.decide(two.review.id, approver('oncall-lead'), {
      decision: 'approve',
      breakGlass: true,
      reason: 'Slack is down',
    });
    expect(breakGlass).toMatchObject({
      ok: true,
      review: { state: 'approved', decisions: [{ breakGlass: true, reason: 'Slack is down' }] },
    });
  });

  it('refuses decisions on decided reviews and unknown ids', async () => {
    const result = await h.engine.park(parkInput({ settings: shortHold() }), never());
    await h.engine.decide(result.review.id, approver('alice'), { decision: 'deny', reason: 'no' });

    expect(await h.engine.decide(result.review.id, approver('bob'), { decision: 'approve' })).toMatchObject({
      ok: false,
      refusal: { code: 'already-decided' },
    });
    expect(await h.engine.decide('rv-missing', approver('bob'), { decision: 'approve' })).toMatchObject({
      ok: false,
      refusal: { code: 'not-found' },
    });
  });

  it('20 concurrent approve/deny calls from two replicas produce exactly one outcome', async () => {
    const other = harness(await database.connect(), clock);
    const people = Array.from({ length: 20 }, (_, i) => approver(`person-${i}`, { groups: ['sre'] }));
    const { review } = await h.engine.park(parkInput({ settings: shortHold() }), never());

    const results = await Promise.all(
      people.map((person, i) =>
        (i % 2 === 0 ? h : other).engine.decide(
          review.id,
          person,
          i % 3 === 0 ? { decision: 'deny', reason: `no from ${person.name}` } : { decision: 'approve' },
        ),
      ),
    );

    const accepted = results.filter((r) => r.ok);
    expect(accepted).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.refusal.code === 'already-decided')).toHaveLength(19);
    const stored = await h.engine.get(review.id);
    expect(stored?.decisions).toHaveLength(1);
    expect(stored?.state).toBe(stored?.decisions[0]?.decision === 'deny' ? 'denied' : 'approved');
    const outcomes = [...h.events, ...other.events].filter(
      (e) => e.type === 'approved' || e.type === 'denied',
    );
    expect(outcomes).toHaveLength(1);
    await other.engine.stop();
  });

  it('records one decision for 20 concurrent clicks by the same person', async () => {
    const { review } = await h.engine.park(parkInput({ settings: shortHold({ approvals: 2 }) }), never());
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        h.engine.decide(review.id, approver('alice'), { decision: 'approve' }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect((await h.engine.get(review.id))?.decisions).toHaveLength(1);
    expect(h.events.filter((e) => e.type === 'approval-added')).toHaveLength(1);
  });

  describe('grants', () => {
    const scope = {
      agent: parkInput().agent,
      cluster: 'main',
      rule: 'prod-deletes',
      settings: reviewSettings(),
      verb: 'delete',
      apiGroup: 'apps',
      resource: 'deployments',
      subresource: '',
      namespace: 'prod',
      name: 'web',
    };

    it('are refused beyond the rule cap and when the rule disables them', async () => {
      const capped = await h.engine.park(
        parkInput({ settings: shortHold({ maxGrantSeconds: 900 }) }),
        never(),
      );
      expect(
        await h.engine.decide(capped.review.id, approver('alice'), {
          decision: 'approve',
          grantSeconds: 901,
        }),
      ).toMatchObject({ ok: false, refusal: { code: 'grant-too-long' } });

      const disabled = await h.engine.park(
        parkInput({ settings: shortHold({ maxGrantSeconds: 0 }), request: deleteDeployment('api') }),
        never(),
      );
      expect(
        await h.engine.decide(disabled.review.id, approver('alice'), {
          decision: 'approve',
          grantSeconds: 60,
        }),
      ).toMatchObject({
        ok: false,
        refusal: { code: 'grant-too-long', message: expect.stringContaining('does not allow') },
      });
    });

    it('cover the same rule, agent, cluster, verb, resource, namespace and object name until they expire', async () => {
      const { review } = await h.engine.park(parkInput({ settings: shortHold() }), never());
      const decided = await h.engine.decide(review.id, approver('alice'), {
        decision: 'approve',
        grantSeconds: 900,
      });
      expect(decided.ok && decided.grant).toMatchObject({ grantedBy: ['alice'], namespace: 'prod' });

      const same = await h.engine.findGrant(scope);
      expect(same?.reviewId).toBe(review.id);
      const others = await Promise.all([
        h.engine.findGrant({ ...scope, namespace: 'staging' }),
        h.engine.findGrant({ ...scope, verb: 'deletecollection' }),
        h.engine.findGrant({ ...scope, agent: { ...scope.agent, subject: 'agent-other' } }),
        h.engine.findGrant({ ...scope, cluster: 'other' }),
        // Another object: the card offered this object only.
        h.engine.findGrant({ ...scope, name: 'api' }),
        // A request another rule governs never rides on this rule's grant.
        h.engine.findGrant({ ...scope, rule: 'critical-deletes' }),
        // The same rule, now stricter: more approvals, or shorter (or no) grants.
        h.engine.findGrant({ ...scope, settings: reviewSettings({ approvals: 2 }) }),
        h.engine.findGrant({ ...scope, settings: reviewSettings({ maxGrantSeconds: 600 }) }),
        h.engine.findGrant({ ...scope, settings: reviewSettings({ maxGrantSeconds: 0 }) }),
      ]);
      expect(others).toEqual(others.map(() => undefined));
      expect(h.events.filter((e) => e.type === 'grant-created')).toHaveLength(1);

      clock.advance(899);
      expect(await h.engine.findGrant(scope)).toBeDefined();
      clock.advance(1);
      expect(await h.engine.findGrant(scope)).toBeUndefined();
      expect(await h.engine.listGrants({ active: true })).toEqual([]);
      expect(await h.engine.listGrants()).toHaveLength(1);
    });

    it('cover any name only when the approver chose it', async () => {
      const { review } = await h.engine.park(parkInput({ settings: shortHold() }), never());
      const decided = await h.engine.decide(review.id, approver('alice'), {
        decision: 'approve',
        grantSeconds: 900,
        grantScope: 'any-name',
      });
      expect(decided.ok && decided.grant).toMatchObject({ rule: 'prod-deletes', approvals: 1 });
      expect(decided.ok && decided.grant?.name).toBeUndefined();
      expect((await h.engine.findGrant({ ...scope, name: 'api' }))?.reviewId).toBe(review.id);
      expect(await h.engine.findGrant({ ...scope, name: 'api', rule: 'other' })).toBeUndefined();
    });

    it('cover one name when any approver of several chose that', async () => {
      const settings = shortHold({ approvals: 2 });
      const { review } = await h.engine.park(parkInput({ settings }), never());
      await h.engine.decide(review.id, approver('alice'), {
        decision: 'approve',
        grantSeconds: 600,
        grantScope: 'any-name',
      });
      const decided = await h.engine.decide(review.id, approver('bob'), {
        decision: 'approve',
        grantSeconds: 600,
        grantScope: 'name',
      });
      expect(decided.ok && decided.grant).toMatchObject({ name: 'web', approvals: 2 });
      expect(await h.engine.findGrant({ ...scope, settings, name: 'api' })).toBeUndefined();
      expect(await h.engine.findGrant({ ...scope, settings })).toBeDefined();
    });

    it('need every approver to ask for one and last the shortest asked window', async () => {
      const settings = shortHold({ approvals: 2 });
      const partial = await h.engine.park(parkInput({ settings }), never());
      await h.engine.decide(partial.review.id, approver('alice'), { decision: 'approve', grantSeconds: 600 });
      await h.engine.decide(partial.review.id, approver('bob'), { decision: 'approve' });
      expect(await h.engine.listGrants()).toEqual([]);

      const both = await h.engine.park(parkInput({ settings, request: deleteDeployment('api') }), never());
      await h.engine.decide(both.review.id, approver('alice'), { decision: 'approve', grantSeconds: 600 });
      const decided = await h.engine.decide(both.review.id, approver('bob'), {
        decision: 'approve',
        grantSeconds: 300,
      });
      expect(decided.ok && decided.grant?.expiresAt.getTime()).toBe(clock.now().getTime() + 300_000);
    });

    it('can be revoked once', async () => {
      const { review } = await h.engine.park(parkInput({ settings: shortHold() }), never());
      const decided = await h.engine.decide(review.id, approver('alice'), {
        decision: 'approve',
        grantSeconds: 900,
      });
      const grantId = decided.ok ? (decided.grant?.id ?? '') : '';

      expect(await h.engine.revokeGrant(grantId, 'bob')).toBe(true);
      expect(await h.engine.revokeGrant(grantId, 'bob')).toBe(false);
      expect(await h.engine.findGrant(scope)).toBeUndefined();
      expect(h.events.filter((e) => e.type === 'grant-revoked')).toMatchObject([
        { actor: { name: 'bob' }, grant: { id: grantId, revokedBy: 'bob' } },
      ]);
    });
  });

  describe('expiry', () => {
    it('closes pending reviews after the rule timeout; they are never executed', async () => {
      const { review } = await h.engine.park(
        parkInput({ settings: shortHold({ timeoutSeconds: 60 }) }),
        never(),
      );
      clock.advance(60);
      expect(await h.engine.expireOverdue()).toBe(1);
      expect(await h.engine.expireOverdue()).toBe(0);

      expect(await h.engine.decide(review.id, approver('alice'), { decision: 'approve' })).toMatchObject({
        ok: false,
        refusal: { code: 'already-decided' },
      });
      const rerun = await h.engine.park(parkInput({ settings: shortHold() }), never());
      expect(rerun.kind).toBe('pending');
      expect(rerun.review.id).not.toBe(review.id);
      expect((await h.engine.get(review.id))?.state).toBe('expired');
    });

    it('expires overdue reviews lazily on decide, even without the sweep', async () => {
      const { review } = await h.engine.park(
        parkInput({ settings: shortHold({ timeoutSeconds: 60 }) }),
        never(),
      );
      clock.advance(61);
      const result = await h.engine.decide(review.id, approver('alice'), { decision: 'approve' });
      expect(result).toMatchObject({ ok: false, refusal: { code: 'already-decided' } });
      expect(h.events.map((e) => e.type)).toEqual(['created', 'released', 'expired']);
    });

    it('closes approved reviews whose request is not re-run within the execution window', async () => {
      const engine = harness(db, clock, { approvedExecutionWindowSeconds: 120 });
      const { review } = await engine.engine.park(parkInput({ settings: shortHold() }), never());
      await engine.engine.decide(review.id, approver('alice'), { decision: 'approve' });
      clock.advance(120);

      const rerun = await engine.engine.park(parkInput({ settings: shortHold() }), never());
      expect(rerun.kind).toBe('pending');
      expect(rerun.review.id).not.toBe(review.id);
      expect((await engine.engine.get(review.id))?.state).toBe('expired');
      expect(engine.events.some((e) => e.type === 'executing')).toBe(false);
    });

    it('tells a parked request that its review expired (background sweep)', async () => {
      h.engine.start();
      const parked = h.engine.park(parkInput({ settings: reviewSettings({ timeoutSeconds: 30 }) }), never());
      await h.nextEvent('created');
      clock.advance(30);
      expect(await parked).toMatchObject({ kind: 'closed', review: { state: 'expired' } });
    });
  });

  it('detaches a disconnected agent; the review stays pending and a re-run can still execute', async () => {
    const controller = new AbortController();
    const parked = h.engine.park(parkInput(), controller.signal);
    const { review } = await h.nextEvent('created');
    controller.abort();
    expect((await parked).kind).toBe('pending');
    expect((await h.engine.get(review.id))?.state).toBe('pending');

    await h.engine.decide(review.id, approver('alice'), { decision: 'approve' });
    expect(await h.engine.park(parkInput(), never())).toMatchObject({
      kind: 'execute',
      review: { id: review.id },
    });
  });

  it('cancels open reviews and releases their parked requests as closed', async () => {
    const parked = h.engine.park(parkInput(), never());
    const { review } = await h.nextEvent('created');
    expect(await h.engine.cancel(review.id, { kind: 'person', name: 'alice' })).toBe(true);
    expect(await parked).toMatchObject({ kind: 'closed', review: { state: 'cancelled' } });
    expect(await h.engine.cancel(review.id, { kind: 'person', name: 'alice' })).toBe(false);
  });

  it('keeps the preview and its pin with the review and records a conflict', async () => {
    const withPreview = createReviewEngine(db, {
      notify: () => undefined,
      now: () => clock.now(),
      preview: async () => ({
        preview: { changes: ['deployment web deleted'] },
        pin: { uid: 'u-1', resourceVersion: '42' },
      }),
    });
    const first = await withPreview.park(parkInput({ settings: shortHold() }), never());
    expect(first.review).toMatchObject({
      preview: { changes: ['deployment web deleted'] },
      pin: { resourceVersion: '42' },
    });
    await withPreview.decide(first.review.id, approver('alice'), { decision: 'approve' });

    const result = await withPreview.park(parkInput({ settings: shortHold() }), never());
    expect(result.kind).toBe('execute');
    if (result.kind !== 'execute') return;
    // The request comes back exactly as the agent sent it; the gateway applies `review.pin` when forwarding.
    expect(result.request).toEqual({
      contentType: 'application/json',
      body: Buffer.from('{"propagationPolicy":"Background"}'),
    });
    expect(result.review.pin).toEqual({ uid: 'u-1', resourceVersion: '42' });
    const done = await withPreview.completeExecution(result.review.id, {
      status: 409,
      conflict: true,
      message: 'the object has been modified',
    });
    expect(done).toMatchObject({
      state: 'conflicted',
      outcome: { status: 409, message: 'the object has been modified' },
    });
  });

  it('refuses to complete a review that is not executing', async () => {
    const { review } = await h.engine.park(parkInput({ settings: shortHold() }), never());
    await expect(h.engine.completeExecution(review.id, { status: 200 })).rejects.toBeInstanceOf(
      ReviewStateError,
    );
  });

  it('stores where the Slack card is', async () => {
    const { review } = await h.engine.park(parkInput({ settings: shortHold() }), never());
    await h.engine.setNotification(review.id, { channel: 'C123', ts: '1700000000.000100' });
    expect((await h.engine.get(review.id))?.notification).toEqual({
      channel: 'C123',
      ts: '1700000000.000100',
    });
  });

  it('notifies each transition of a full life cycle exactly once, in order, after commit', async () => {
    const settings = reviewSettings({ approvals: 2 });
    const parked = h.engine.park(parkInput({ settings }), never());
    const { review } = await h.nextEvent('created');
    await h.engine.park(parkInput({ settings: shortHold({ approvals: 2 }) }), never());
    await h.engine.decide(review.id, approver('alice'), { decision: 'approve', grantSeconds: 60 });
    await h.engine.decide(review.id, approver('bob'), { decision: 'approve', grantSeconds: 60 });
    const result = await parked;
    await h.engine.completeExecution(result.review.id, { status: 200, resourceVersion: '43' });

    expect(h.events.map((e) => [e.type, e.actor.name])).toEqual([
      ['created', 'ci-bot'],
      ['attached', 'ci-bot'],
      ['released', 'ci-bot'], // the second park's short hold ended
      ['approval-added', 'alice'],
      ['approved', 'bob'],
      ['grant-created', 'bob'],
      ['executing', 'ci-bot'],
      ['executed', 'airlock'],
    ]);
    // Each event carries the review as committed by that transition.
    expect(h.events.map((e) => e.review.version)).toEqual([1, 1, 1, 2, 3, 3, 4, 5]);
  });
});
