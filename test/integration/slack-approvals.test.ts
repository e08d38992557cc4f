/**
 * The approval flow through signed HTTP requests to Bolt's real receiver, a real review engine on SQLite, and
 * the Web API mocked by nock.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ACTION_IDS,
  CALLBACK_IDS,
  DENY_INPUT,
  grantOptionValue,
  revokeGrantValue,
} from '../../src/slack/ids.js';
import type { GrantScope } from '../../src/reviews/model.js';
import { PeopleDirectory, terminalApprover } from '../../src/reviews/people.js';
import { blockKitViolations } from '../support/slack/block-kit-limits.js';
import {
  blockAction,
  type CardLocation,
  type Clicker,
  postInteraction,
  signature,
  SIGNING_SECRET,
  viewSubmission,
} from '../support/slack/signed.js';
import {
  ALICE,
  BOB,
  CHANNEL,
  DAVE,
  EVE,
  eventually,
  MALLORY,
  reviewSettings,
  type SlackEnv,
  startSlackEnv,
} from '../support/slack/slack-env.js';

let env: SlackEnv;
beforeEach(async () => {
  env = await startSlackEnv();
});
afterEach(async () => {
  await env.close();
});

type Blocks = { type: string; elements?: { action_id?: string }[] }[];
const lastCardUpdate = (env: SlackEnv) => env.slack.callsTo('chat.update').at(-1)?.args;
const ephemeralsFor = (env: SlackEnv, user: string) =>
  env.slack
    .callsTo('chat.postEphemeral')
    .filter((c) => c.args.user === user)
    .map((c) => String(c.args.text));
const threadReplies = (env: SlackEnv) =>
  env.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.thread_ts)
    .map((c) => String(c.args.text));

/** Picks an option of the card's "Approve for…" menu. */
const approveFor = (
  user: Clicker,
  card: CardLocation & { reviewId: string },
  seconds: number,
  scope: GrantScope,
) =>
  postInteraction(
    env.url,
    blockAction(user, card, {
      type: 'static_select',
      action_id: ACTION_IDS.approveFor,
      selected_option: { value: grantOptionValue(card.reviewId, seconds, scope) },
    }),
  );

describe('Slack approvals', () => {
  it('posts a card that mentions on-call, within Block Kit limits, and saves where it is', async () => {
    const parked = env.park();
    const card = await env.card();
    const post = env.slack.callsTo('chat.postMessage')[0]!.args;
    expect(post.channel).toBe(CHANNEL);
    expect(blockKitViolations(post.blocks as unknown[])).toEqual([]);
    expect(JSON.stringify(post.blocks)).toContain('<!subteam^S0ONCALL>');
    // The owner (dave@example.com) as Slack knows them.
    expect(JSON.stringify(post.blocks)).toContain('<@U0DAVE> `dave@example.com`');
    expect((await env.engine.get(card.reviewId))?.notification).toEqual({ channel: CHANNEL, ts: card.ts });
    parked.detach();
  });

  it('approves from a click: the agent proceeds, the card loses its buttons, the thread tells who', async () => {
    const parked = env.park();
    const card = await env.card();
    const res = await env.click(ALICE, card.reviewId, 'approve', card);
    expect(res.status).toBe(200);
    expect((await parked.result).kind).toBe('execute');
    const update = await eventually(() => lastCardUpdate(env), 'the card update');
    expect(update).toMatchObject({ channel: CHANNEL, ts: card.ts });
    await eventually(
      () => threadReplies(env).find((t) => t.includes('*Alice* approved')),
      'the approval reply',
    );
    const final = await eventually(
      () =>
        env.slack
          .callsTo('chat.update')
          .find((c) => !(c.args.blocks as Blocks).some((b) => b.type === 'actions')),
      'a card update without buttons',
    );
    expect(String(final.args.text)).toMatch(/^Approved/);
  });

  it('denies through the modal: the reason reaches the agent, the owner gets a DM', async () => {
    const parked = env.park();
    const card = await env.card();
    await env.click(BOB, card.reviewId, 'deny', card);
    const opened = env.slack.callsTo('views.open')[0]!.args.view as {
      callback_id: string;
      private_metadata: string;
    };
    expect(opened).toMatchObject({ callback_id: CALLBACK_IDS.denyReason, private_metadata: card.reviewId });

    const submit = (values: Record<string, Record<string, unknown>>) =>
      postInteraction(
        env.url,
        viewSubmission(BOB, { callbackId: CALLBACK_IDS.denyReason, privateMetadata: card.reviewId, values }),
      );
    const empty = await submit({
      [DENY_INPUT.reasonBlock]: { [DENY_INPUT.reasonAction]: { type: 'plain_text_input', value: '  ' } },
    });
    expect(await empty.json()).toMatchObject({ response_action: 'errors' });
    expect((await env.engine.get(card.reviewId))?.state).toBe('pending');

    await submit({
      [DENY_INPUT.presetBlock]: {
        [DENY_INPUT.presetAction]: {
          type: 'static_select',
          selected_option: { value: 'Too broad: narrow the change to what the task needs.' },
        },
      },
      [DENY_INPUT.reasonBlock]: {
        [DENY_INPUT.reasonAction]: { type: 'plain_text_input', value: 'Scale to 1, not 0.' },
      },
    });
    const result = await parked.result;
    expect(result.kind).toBe('denied');
    expect(result.review.decisions[0]).toMatchObject({
      approver: { id: 'U0BOB', name: 'Bob', via: 'slack' },
      reason: 'Too broad: narrow the change to what the task needs. Scale to 1, not 0.',
    });
    await eventually(
      () => env.slack.callsTo('chat.postMessage').find((c) => c.args.channel === 'U0DAVE'),
      'the DM to the owner',
    );
    await eventually(
      () => threadReplies(env).find((t) => t.includes('*Bob* denied') && t.includes('Scale to 1, not 0.')),
      'the denial reply',
    );
  });

  it('needs two distinct approvers when the rule says two', async () => {
    const parked = env.park({ settings: reviewSettings({ approvals: 2 }) });
    const card = await env.card();
    await env.click(ALICE, card.reviewId, 'approve', card);
    await eventually(() => threadReplies(env).find((t) => t.includes('1/2 approvals')), 'the 1/2 reply');
    expect((await env.engine.get(card.reviewId))?.state).toBe('pending');
    await env.click(BOB, card.reviewId, 'approve', card);
    expect((await parked.result).kind).toBe('execute');
  });

  it('approves for a time window from the menu: the grant covers what the card said, and the thread can revoke it', async () => {
    const parked = env.park({ settings: reviewSettings({ confirm: false }) });
    const card = await env.card();
    // The menu groups its options by scope, each group labelled with what it covers, and the card says so.
    const posted = JSON.stringify(env.slack.callsTo('chat.postMessage')[0]!.args.blocks);
    expect(posted).toContain('patch deployments.apps \\"web\\" in prod');
    expect(posted).toContain('patch any deployments.apps in prod');
    expect(posted).toContain('only where rule `scale-to-zero` applies');
    await approveFor(ALICE, card, 900, 'name');
    expect((await parked.result).kind).toBe('execute');
    const [grant] = await env.engine.listGrants({ active: true });
    expect(grant).toMatchObject({ rule: 'scale-to-zero', name: 'web', namespace: 'prod' });

    const reply = await eventually(
      () => env.slack.callsTo('chat.postMessage').find((c) => String(c.args.text).includes('⏱️ Grant')),
      'the grant reply',
    );
    expect(String(reply.args.text)).toContain('patch deployments.apps "web" in prod');
    const button = JSON.stringify(reply.args.blocks);
    expect(button).toContain(ACTION_IDS.revokeGrant);
    expect(blockKitViolations(reply.args.blocks as unknown[])).toEqual([]);
    await postInteraction(
      env.url,
      blockAction(BOB, card, {
        type: 'button',
        action_id: ACTION_IDS.revokeGrant,
        value: revokeGrantValue(card.reviewId, grant!.id),
      }),
    );
    expect(await env.engine.listGrants({ active: true })).toEqual([]);
    await eventually(
      () => threadReplies(env).find((t) => t.includes(`${grant!.id}\` revoked by *U0BOB*`)),
      'the revocation reply',
    );
  });

  it('widens a grant to any name only when the approver picked that option', async () => {
    const parked = env.park({ settings: reviewSettings({ confirm: false }) });
    const card = await env.card();
    await approveFor(ALICE, card, 900, 'any-name');
    expect((await parked.result).kind).toBe('execute');
    const [grant] = await env.engine.listGrants({ active: true });
    expect(grant?.name).toBeUndefined();
    await eventually(
      () => threadReplies(env).find((t) => t.includes('patch any deployments.apps in prod')),
      'the grant reply naming its scope',
    );
  });

  it.each([
    ['an approver’s user id', 'U0MIMIC1'],
    ['an approver’s email', 'U0MIMIC2'],
  ])('refuses a member who renamed themselves to %s', async (_what, id) => {
    const settings = reviewSettings({ approvers: { users: ['U0ONCALL1', 'bob@example.com'], groups: [] } });
    const parked = env.park({ settings });
    const card = await env.card();
    await env.click({ id }, card.reviewId, 'approve', card);
    const [note] = await eventually(
      () => (ephemeralsFor(env, id).length > 0 ? ephemeralsFor(env, id) : undefined),
      'the ephemeral',
    );
    expect(note).toMatch(/not an approver/);
    expect((await env.engine.get(card.reviewId))?.decisions).toEqual([]);
    // The people they imitate are approvers: by user id, and by the email Slack reports for them.
    await env.click({ id: 'U0ONCALL1' }, card.reviewId, 'approve', card);
    expect((await parked.result).kind).toBe('execute');
  });

  it('accepts an approver named by the email Slack reports for them', async () => {
    const settings = reviewSettings({ approvers: { users: ['bob@example.com'], groups: [] } });
    const parked = env.park({ settings });
    const card = await env.card();
    await env.click(BOB, card.reviewId, 'approve', card);
    expect((await parked.result).kind).toBe('execute');
  });

  it.each([
    ['the agent’s owner', DAVE, /owns agent ci-bot/],
    ['someone who is not an approver', EVE, /not an approver/],
    ['a user from another organisation', MALLORY, /other organisations/],
  ])('refuses %s privately and changes nothing', async (_who, user, explanation) => {
    const parked = env.park();
    const card = await env.card();
    expect((await env.click(user, card.reviewId, 'approve', card)).status).toBe(200);
    const [note] = await eventually(
      () => (ephemeralsFor(env, user.id).length > 0 ? ephemeralsFor(env, user.id) : undefined),
      'the ephemeral',
    );
    expect(note).toMatch(explanation);
    const review = await env.engine.get(card.reviewId);
    expect(review?.state).toBe('pending');
    expect(review?.decisions).toEqual([]);
    parked.detach();
  });

  it('gives one decision per person for double and concurrent clicks', async () => {
    const parked = env.park({ settings: reviewSettings({ approvals: 3 }) });
    const card = await env.card();
    const clicks = [ALICE, ALICE, ALICE, BOB, BOB].map((u) => env.click(u, card.reviewId, 'approve', card));
    expect((await Promise.all(clicks)).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const review = await env.engine.get(card.reviewId);
    expect(review?.decisions.map((d) => d.approver.id).sort()).toEqual(['U0ALICE', 'U0BOB']);
    expect(ephemeralsFor(env, 'U0ALICE').filter((t) => /already decided/.test(t))).toHaveLength(2);
    expect(ephemeralsFor(env, 'U0BOB').filter((t) => /already decided/.test(t))).toHaveLength(1);
    parked.detach();
  });

  it('answers a click on a decided card with a note, and does not re-send a card Slack already shows', async () => {
    const parked = env.park();
    const card = await env.card();
    await env.click(ALICE, card.reviewId, 'approve', card);
    await parked.result;
    const pendingOutbox = async () =>
      (await env.db('slack_outbox').where({ review_id: card.reviewId, state: 'pending' })).length;
    await eventually(() => lastCardUpdate(env), 'the card update');
    await eventually(async () => (await pendingOutbox()) === 0 || undefined, 'the outbox to drain');
    await new Promise((r) => setTimeout(r, 200));
    await eventually(async () => (await pendingOutbox()) === 0 || undefined, 'the outbox to drain');
    const updates = env.slack.callsTo('chat.update').length;
    expect(updates).toBeGreaterThan(0);
    await env.click(BOB, card.reviewId, 'approve', card);
    expect(ephemeralsFor(env, 'U0BOB')[0]).toMatch(/already (approved|executing)/);
    // The click queued a refresh; delivering it found the card in Slack already current.
    const refreshes = () =>
      env.db('slack_outbox').where({ review_id: card.reviewId, kind: 'update-card', state: 'delivered' });
    const before = (await refreshes()).length;
    await eventually(async () => (await refreshes()).length > before || undefined, 'the refresh');
    expect(env.slack.callsTo('chat.update')).toHaveLength(updates);
  });

  it('refuses replayed and badly signed requests with 401 and changes nothing', async () => {
    const parked = env.park();
    const card = await env.card();
    const payload = blockAction(ALICE, card, {
      type: 'button',
      action_id: ACTION_IDS.approve,
      value: card.reviewId,
    });
    const now = Math.floor(Date.now() / 1000);
    expect((await postInteraction(env.url, payload, { timestamp: now - 6 * 60 })).status).toBe(401);
    expect((await postInteraction(env.url, payload, { timestamp: now + 6 * 60 })).status).toBe(401);
    expect((await postInteraction(env.url, payload, { secret: 'not-the-secret' })).status).toBe(401);
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const tampered = await fetch(`${env.url}/slack/events`, {
      method: 'POST',
      body: body.replace('U0ALICE', 'U0BOB'),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(now),
        'x-slack-signature': signature(SIGNING_SECRET, now, body),
      },
    });
    expect(tampered.status).toBe(401);
    expect((await env.engine.get(card.reviewId))?.decisions).toEqual([]);
    parked.detach();
  });

  it('opens the full diff in a modal', async () => {
    const parked = env.park();
    const card = await env.card();
    await env.click(EVE, card.reviewId, 'view_diff', card);
    const view = env.slack.callsTo('views.open')[0]!.args.view as { callback_id: string; blocks: unknown[] };
    expect(view.callback_id).toBe(CALLBACK_IDS.fullDiff);
    expect(JSON.stringify(view.blocks)).toContain('replicas');
    parked.detach();
  });
});

/** Replaces the file's default environment (one fake Slack at a time: nock answers the first one registered). */
async function restartEnv(opts: Parameters<typeof startSlackEnv>[0]): Promise<void> {
  await env.close();
  env = await startSlackEnv(opts);
}

describe('Slack approvals with a people directory', () => {
  const PEOPLE = [
    { id: 'alice', email: 'alice@example.com', slack: 'U0ALICE', groups: [] },
    { id: 'erin', slack: 'U0EVE', groups: ['oncall'] },
  ];
  beforeEach(async () => {
    await restartEnv({ people: PEOPLE });
  });

  it('counts a person once across Slack and the terminal, and takes groups from the directory', async () => {
    const settings = reviewSettings({ approvals: 2, approvers: { users: ['alice'], groups: ['oncall'] } });
    const parked = env.park({ settings });
    const card = await env.card();
    await env.click(ALICE, card.reviewId, 'approve', card);
    expect((await env.engine.get(card.reviewId))?.decisions).toMatchObject([
      { approver: { id: 'alice', name: 'alice', via: 'slack', verified: true } },
    ]);
    const people = new PeopleDirectory(PEOPLE);
    for (const as of ['alice', 'alice@example.com', 'U0ALICE']) {
      expect(
        await env.engine.decide(card.reviewId, terminalApprover(people, as), { decision: 'approve' }),
      ).toMatchObject({ ok: false, refusal: { code: 'already-voted' } });
    }
    // U0EVE is erin, an approver through the directory's group.
    await env.click(EVE, card.reviewId, 'approve', card);
    expect((await parked.result).kind).toBe('execute');
  });
});

describe('Slack approvals whose execution never happens or never reports', () => {
  beforeEach(async () => {
    await restartEnv({ engine: { approvedExecutionWindowSeconds: 1, executionLeaseSeconds: 1 } });
  });

  it('an approval the agent never re-runs expires and says it expired unused', async () => {
    const parked = env.park();
    const card = await env.card();
    parked.detach();
    await parked.result;
    await env.click(ALICE, card.reviewId, 'approve', card);
    expect((await env.engine.get(card.reviewId))?.state).toBe('approved');
    const approvedReply = await eventually(
      () => threadReplies(env).find((t) => t.includes('*Alice* approved')),
      'the approval reply',
    );
    expect(approvedReply).toContain('otherwise it expires unused');

    await new Promise((r) => setTimeout(r, 1_100));
    expect(await env.engine.expireOverdue()).toBe(1);
    await eventually(
      () =>
        threadReplies(env).find((t) =>
          t.includes('Approved, but the agent did not re-run within 1 s: expired unused'),
        ),
      'the expired-unused reply',
    );
    const updated = await eventually(
      () =>
        env.slack
          .callsTo('chat.update')
          .find((c) => String(c.args.text).startsWith('Approved, but the agent did not re-run')),
      'the expired-unused card',
    );
    expect(JSON.stringify(updated.args.blocks)).not.toContain('without a decision');
  });

  it('an execution that stops reporting is resolved after its lease, and the thread and card say the outcome is unknown', async () => {
    const parked = env.park();
    const card = await env.card();
    await env.click(ALICE, card.reviewId, 'approve', card);
    expect((await parked.result).kind).toBe('execute');
    // The process holding the execution is gone: nobody completes it or renews its lease.
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await env.engine.resolveAbandonedExecutions()).toBe(1);
    await eventually(
      () => threadReplies(env).find((t) => t.includes('the outcome is unknown')),
      'the unknown-outcome reply',
    );
    await eventually(
      () =>
        env.slack
          .callsTo('chat.update')
          .find((c) => String(c.args.text).startsWith('Approved and sent, but the outcome is unknown')),
      'the unknown-outcome card',
    );
  });
});
