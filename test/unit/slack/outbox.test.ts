import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../../src/db/database.js';
import { MASKED_TEXT } from '../../../src/masking/index.js';
import type { ReviewEvent } from '../../../src/reviews/model.js';
import { backoffMs, classifyFailure } from '../../../src/slack/outbox/failures.js';
import { outboxMessagesFor, REATTACH_REPLY_QUIET_MS } from '../../../src/slack/outbox/messages.js';
import { OutboxStore } from '../../../src/slack/outbox/store.js';
import { hugeDiff, scaleToZero, storedReview } from '../../support/slack/reviews.js';

const at = new Date('2026-11-28T10:01:00Z');
const event = (type: ReviewEvent['type'], overrides: Partial<ReviewEvent> = {}): ReviewEvent => ({
  type,
  review: storedReview({ preview: scaleToZero }),
  actor: { kind: 'person', name: 'Alice', via: 'slack' },
  at,
  ...overrides,
});

describe('outbox messages for review events', () => {
  it('posts a card for a new review, and uploads the diff only when the card cannot show all of it', () => {
    expect(outboxMessagesFor(event('created'))).toEqual([{ kind: 'post-card' }]);
    expect(outboxMessagesFor(event('created', { review: storedReview({ preview: hugeDiff }) }))).toEqual([
      { kind: 'post-card' },
      { kind: 'upload-diff' },
    ]);
  });

  it('tells the thread, updates the card and DMs the owner on a denial', () => {
    const denied = storedReview({
      state: 'denied',
      decisions: [
        {
          approver: { id: 'U1', name: 'Bob', via: 'slack', verified: true },
          decision: 'deny',
          reason: 'not now',
          breakGlass: false,
          at,
        },
      ],
    });
    const messages = outboxMessagesFor(event('denied', { review: denied, decision: denied.decisions[0]! }));
    expect(messages.map((m) => m.kind)).toEqual(['thread-reply', 'update-card', 'dm-owner']);
    expect(messages[0]).toMatchObject({ text: expect.stringContaining('*Bob* denied') });
    expect(messages[2]).toMatchObject({ text: expect.stringContaining('not now') });
  });

  it('re-renders the card when the agent comes or goes, and never DMs an agent without owner', () => {
    expect(outboxMessagesFor(event('attached')).map((m) => m.kind)).toEqual(['thread-reply', 'update-card']);
    expect(outboxMessagesFor(event('released')).map((m) => m.kind)).toEqual(['update-card']);
    const ownerless = storedReview({ owner: undefined, state: 'expired' });
    expect(outboxMessagesFor(event('expired', { review: ownerless })).map((m) => m.kind)).toEqual([
      'thread-reply',
      'update-card',
    ]);
  });
});

describe('what the thread says after an approval', () => {
  const approval = {
    approver: { id: 'U1', name: 'Bob', via: 'slack' as const, verified: true },
    decision: 'approve' as const,
    breakGlass: false,
    at,
  };
  const replyTo = (type: ReviewEvent['type'], overrides: Parameters<typeof storedReview>[0]) =>
    outboxMessagesFor(event(type, { review: storedReview(overrides), decision: approval })).find(
      (m) => m.kind === 'thread-reply',
    );

  it('promises no run: the request runs only if the agent picks it up or re-runs in time', () => {
    const reply = replyTo('approved', {
      state: 'approved',
      decisions: [approval],
      decidedAt: at,
      expiresAt: new Date('2026-11-28T10:06:00Z'),
    });
    expect(reply).toMatchObject({ text: expect.stringContaining('otherwise it expires unused') });
    expect(reply).not.toMatchObject({ text: expect.stringMatching(/request runs exactly as reviewed\./) });
  });

  it('says an approval that expired was never run, not that nobody decided', () => {
    const reply = replyTo('expired', {
      state: 'expired',
      decisions: [approval],
      decidedAt: at,
      expiresAt: new Date('2026-11-28T10:06:00Z'),
    });
    expect(reply).toMatchObject({
      text: '⌛ Approved, but the agent did not re-run within 5 min: expired unused. Nothing ran; the agent must ask again.',
    });
  });

  it('tells the thread an execution’s outcome is unknown, with what the cluster shows, not a made-up HTTP status', () => {
    const reply = replyTo('failed', {
      state: 'failed',
      decisions: [approval],
      decidedAt: at,
      outcome: { status: 0, unknown: true, message: 'Now: deployments "web" does not exist.' },
    });
    expect(reply).toMatchObject({
      text: expect.stringContaining('Approved and sent, but the outcome is unknown: check the object.'),
    });
    expect(reply).toMatchObject({ text: expect.stringContaining('deployments "web" does not exist') });
    expect(reply).not.toMatchObject({ text: expect.stringContaining('HTTP 0') });
  });

  it('offers Revoke under a grant', () => {
    const review = storedReview();
    const { verb, apiGroup, resource, subresource, namespace, name } = review.classification;
    const grant = {
      id: 'gr-1',
      reviewId: review.id,
      agent: review.agent,
      cluster: review.cluster,
      rule: review.rule,
      verb,
      apiGroup,
      resource,
      subresource,
      namespace,
      name,
      grantedBy: ['Bob'],
      approvals: 1,
      createdAt: at,
      expiresAt: new Date('2026-11-28T10:16:00Z'),
    };
    expect(outboxMessagesFor(event('grant-created', { grant }))).toEqual([
      {
        kind: 'thread-reply',
        text: expect.stringContaining('`patch deployments.apps "web" in prod` by agent `ci-bot`'),
        revokeGrantId: 'gr-1',
      },
    ]);
  });

  it("names a grant's object as the card does: a token-shaped name masked", () => {
    const token = 'xoxb-1234567890-leaked-name';
    const review = storedReview({
      classification: { ...storedReview().classification, name: token },
      redactedRequest: `PATCH /apis/apps/v1/namespaces/prod/deployments/${MASKED_TEXT}`,
    });
    const { verb, apiGroup, resource, subresource, namespace } = review.classification;
    const grant = {
      id: 'gr-2',
      reviewId: review.id,
      agent: review.agent,
      cluster: review.cluster,
      rule: review.rule,
      ...{ verb, apiGroup, resource, subresource, namespace, name: token },
      grantedBy: ['Bob'],
      approvals: 1,
      createdAt: at,
      expiresAt: new Date('2026-11-28T10:16:00Z'),
    };
    const [reply] = outboxMessagesFor(event('grant-created', { grant, review }));
    expect(reply).toMatchObject({ text: expect.stringContaining(`deployments.apps "${MASKED_TEXT}"`) });
    expect(JSON.stringify(reply)).not.toContain(token);
  });
});

describe('delivery failures', () => {
  it('retries rate limits after Retry-After, Slack outages with back-off, and gives up on requests Slack rejects', () => {
    expect(
      classifyFailure({ code: 'slack_webapi_rate_limited_error', retryAfter: 7, message: 'rl' }),
    ).toEqual({ retry: true, afterMs: 7000, reason: 'rl' });
    expect(classifyFailure({ code: 'slack_webapi_http_error', statusCode: 503, message: 'x' })).toMatchObject(
      { retry: true },
    );
    expect(classifyFailure({ code: 'slack_webapi_http_error', statusCode: 400, message: 'x' })).toMatchObject(
      { retry: false },
    );
    expect(
      classifyFailure({
        code: 'slack_webapi_platform_error',
        data: { error: 'channel_not_found' },
        message: 'x',
      }),
    ).toMatchObject({ retry: false });
    expect(
      classifyFailure({
        code: 'slack_webapi_platform_error',
        data: { error: 'internal_error' },
        message: 'x',
      }),
    ).toMatchObject({ retry: true });
    expect(classifyFailure(new Error('ECONNRESET'))).toMatchObject({ retry: true, reason: 'ECONNRESET' });
  });

  it('doubles the delay per attempt up to the cap, jittered between half and all of it', () => {
    const delays = (random: number) => [0, 1, 2, 3, 30].map((n) => backoffMs(n, 1000, 5000, () => random));
    expect(delays(0.999999)).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(delays(0)).toEqual([500, 1000, 2000, 2500, 2500]);
    const spread = new Set(Array.from({ length: 50 }, () => backoffMs(3, 1000, 60_000)));
    expect(spread.size).toBeGreaterThan(1);
    for (const delay of spread) expect(delay).toBeGreaterThanOrEqual(4000);
  });
});

describe('outbox store', () => {
  let dir: string;
  let db: Database;
  let store: OutboxStore;
  const now = new Date('2026-11-28T10:00:00Z');
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-outbox-'));
    db = await openDatabase(`sqlite:${join(dir, 'a.db')}`);
    store = new OutboxStore(db);
  });
  afterEach(async () => {
    await db.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('hands out one message per review at a time, in order, and not while another replica holds it', async () => {
    await store.enqueue('rv-a', [{ kind: 'post-card' }, { kind: 'thread-reply', text: 'one' }], now);
    await store.enqueue('rv-b', [{ kind: 'post-card' }], now);
    const first = await store.nextDue(now, 10);
    expect(first.map((e) => [e.reviewId, e.message.kind])).toEqual([
      ['rv-a', 'post-card'],
      ['rv-b', 'post-card'],
    ]);
    expect(await store.lease(first[0]!.id, now, 60_000)).toBe(true);
    expect(await store.lease(first[0]!.id, now, 60_000)).toBe(false);
    expect((await store.nextDue(now, 10)).map((e) => e.reviewId)).toEqual(['rv-b']);
    await store.markDelivered(first[0]!, now);
    expect((await store.nextDue(now, 10)).map((e) => e.message)).toEqual([
      { kind: 'thread-reply', text: 'one' },
      { kind: 'post-card' },
    ]);
  });

  it('posts a reply with a quiet window once per window and thread (an agent re-running in a loop)', async () => {
    const [reattach] = outboxMessagesFor(event('attached'));
    expect(reattach).toMatchObject({ kind: 'thread-reply', quietMs: REATTACH_REPLY_QUIET_MS });
    const later = (ms: number) => new Date(now.getTime() + ms);
    for (let i = 0; i < 50; i++)
      await store.enqueue('rv-a', [reattach!, { kind: 'update-card' }], later(i * 1000));
    await store.enqueue('rv-b', [reattach!], later(1000));
    await store.enqueue('rv-a', [reattach!], later(REATTACH_REPLY_QUIET_MS + 1000));
    const replies = (await db('slack_outbox').where({ kind: 'thread-reply' })) as { review_id: string }[];
    expect(replies.map((r) => r.review_id)).toEqual(['rv-a', 'rv-b', 'rv-a']);
    expect(await db('slack_outbox').where({ review_id: 'rv-a', kind: 'update-card' })).toHaveLength(50);
  });

  it('holds a rescheduled message (and the review’s later ones) until it is due', async () => {
    await store.enqueue('rv-a', [{ kind: 'update-card' }, { kind: 'thread-reply', text: 'later' }], now);
    const [head] = await store.nextDue(now, 10);
    await store.lease(head!.id, now, 60_000);
    await store.reschedule(head!.id, new Date(now.getTime() + 5000), 'HTTP 503');
    expect(await store.nextDue(now, 10)).toEqual([]);
    const [retry] = await store.nextDue(new Date(now.getTime() + 5000), 10);
    expect(retry).toMatchObject({ id: head!.id, attempts: 1 });
  });
});
