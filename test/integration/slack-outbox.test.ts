/**
 * Nothing decided is lost: Slack failures (500, 429 with Retry-After, a full outage) delay messages but never
 * drop or duplicate them, and the cards catch up with what happened meanwhile.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { blockKitViolations, blockText, outsideCode } from '../support/slack/block-kit-limits.js';
import { hugeDiff, HOSTILE_TEXT } from '../support/slack/reviews.js';
import {
  breakGlassTerminal,
  eventually,
  parkInput,
  reviewSettings,
  type SlackEnv,
  startSlackEnv,
} from '../support/slack/slack-env.js';

let env: SlackEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const cardPosts = (e: SlackEnv) =>
  e.slack
    .callsTo('chat.postMessage')
    .filter((c) => !c.args.thread_ts && String(c.args.channel).startsWith('C'));
const replies = (e: SlackEnv) =>
  e.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.thread_ts)
    .map((c) => String(c.args.text));
const hasNoButtons = (blocks: unknown) => !(blocks as { type: string }[]).some((b) => b.type === 'actions');

describe('Slack outbox', () => {
  it('retries a 500 and a 429 (after Retry-After) and posts the card once', async () => {
    env = await startSlackEnv();
    env.slack.failNext('chat.postMessage', { status: 500 }, { status: 429, headers: { 'retry-after': '1' } });
    const parked = env.park();
    const started = Date.now();
    const card = await env.card();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(cardPosts(env)).toHaveLength(3);
    const stored = await env
      .db('slack_outbox')
      .where({ review_id: card.reviewId, kind: 'post-card' })
      .first();
    expect(stored).toMatchObject({ state: 'delivered', attempts: 2 });
    parked.detach();
  });

  it('keeps reviews working while Slack is down; the card and thread catch up in order, without duplicates', async () => {
    env = await startSlackEnv({ outboxBaseDelayMs: 100 });
    const outage = Array.from({ length: 4 }, () => ({ status: 503 }));
    env.slack.failNext('chat.postMessage', ...outage);
    const parked = env.park();
    const [review] = await eventually(async () => {
      const all = await env!.engine.list({});
      return all.length > 0 ? all : undefined;
    }, 'the review');
    // Slack is down: the terminal adapter decides (break-glass) and the agent proceeds.
    const decided = await env.engine.decide(review!.id, breakGlassTerminal('root'), {
      decision: 'approve',
      breakGlass: true,
    });
    expect(decided.ok).toBe(true);
    const result = await parked.result;
    expect(result.kind).toBe('execute');
    await env.engine.completeExecution(review!.id, { status: 200, resourceVersion: '4712' });

    const card = await env.card(review!.id);
    await eventually(() => replies(env!).find((t) => t.includes('HTTP 200')), 'the execution reply');
    // The card was first posted after the outage, already showing the decision; later renders (if any) agree.
    const renders = () =>
      env!.slack.calls.filter(
        (c) =>
          (c.method === 'chat.postMessage' && c.args.channel === card.channel && !c.args.thread_ts) ||
          c.method === 'chat.update',
      );
    const latest = await eventually(() => {
      const last = renders().at(-1);
      return last && String(last.args.text).startsWith('Approved and applied') ? last : undefined;
    }, 'the final card');
    expect(hasNoButtons(latest.args.blocks)).toBe(true);
    expect(cardPosts(env)).toHaveLength(5); // 4 refused during the outage, 1 accepted
    const thread = replies(env);
    expect(thread.findIndex((t) => t.includes('*root* approved'))).toBeLessThan(
      thread.findIndex((t) => t.includes('HTTP 200')),
    );
    expect(new Set(thread).size).toBe(thread.length);
    expect(thread.find((t) => t.includes('HTTP 200'))).toContain('resourceVersion `4712`');
    // Card updates queued during the outage were folded into the re-render: no storm of chat.update calls.
    expect(env.slack.callsTo('chat.update').length).toBeLessThanOrEqual(1);
  });

  it('after a 500/429 outage, delivers the cards in creation order as soon as Slack answers: one probe, then all', async () => {
    env = await startSlackEnv({ outboxBaseDelayMs: 100 });
    env.slack.down({ status: 500 });
    const names = ['web-a', 'web-b', 'web-c'];
    const parked = [];
    for (const name of names) {
      const path = `/apis/apps/v1/namespaces/prod/deployments/${name}`;
      const base = parkInput().request;
      parked.push(env.park({ request: { ...base, path, info: { ...base.info, name } } }));
      // Each review is created (and its card queued) before the next.
      await eventually(async () => (await env!.engine.list({})).length === parked.length || undefined, name);
    }
    const probes = () => env!.slack.callsTo('auth.test').length;
    await eventually(() => probes() > 0 || undefined, 'a probe while Slack answers 500', 10_000);
    env.slack.down({ status: 429, headers: { 'retry-after': '1' } });
    const before429 = probes();
    await eventually(() => probes() > before429 || undefined, 'a probe while Slack answers 429', 10_000);
    // While Slack was away, one card was tried; the others waited for a probe to say Slack is back.
    const during = env.slack.calls.length;
    expect(env.slack.callsTo('chat.postMessage').filter((c) => c.status !== 200)).toHaveLength(1);

    const upAt = Date.now();
    env.slack.up();
    const posted = await eventually(() => {
      const ok = cardPosts(env!).filter((c) => c.status === 200);
      return ok.length === names.length ? ok : undefined;
    }, 'the three cards');
    expect(posted.map((c) => String(c.args.text).match(/web-[abc]/)?.[0])).toEqual(names);
    const afterOutage = env.slack.calls.slice(during);
    const firstAnswer = afterOutage.find((c) => c.status === 200)!;
    // The first call Slack answered is the probe, and the whole backlog follows it at once.
    expect(firstAnswer.method).toBe('auth.test');
    expect(afterOutage.filter((c) => c.method === 'auth.test' && c.status === 200)).toHaveLength(1);
    // Everything held back goes out right after that probe: no failed call and no other probe in between.
    const drain = afterOutage.filter((c) => c.at >= firstAnswer.at && c.at <= posted.at(-1)!.at);
    expect(drain.filter((c) => c.status !== 200)).toEqual([]);
    expect(drain.filter((c) => c.method === 'auth.test')).toHaveLength(1);
    // Slack's Retry-After (1 s) or the back-off cap (1 s here), plus a poll: never each card's own schedule. The bound
    // is loose on purpose (a loaded CI machine); the order above is what proves the drain.
    expect(firstAnswer.at - upAt).toBeLessThan(5_000);
    console.info(
      `outage drain: first answer ${firstAnswer.at - upAt} ms after Slack returned, backlog out ${posted.at(-1)!.at - firstAnswer.at} ms later`,
    );
    parked.forEach((p) => p.detach());
  });

  it('says on the card whether the agent still waits: waiting, gone when its hold ends, waiting again on a re-run', async () => {
    env = await startSlackEnv();
    const statusOf = (args: Record<string, unknown>) =>
      JSON.stringify(args.blocks).match(/agent (waiting|gone) since [^"]*?(?= · |")/)?.[0];
    const parked = env.park({ settings: reviewSettings({ holdSeconds: 0.5 }) });
    await env.card();
    expect(statusOf(cardPosts(env)[0]!.args)).toMatch(/^agent waiting since/);
    expect((await parked.result).kind).toBe('pending');
    const gone = await eventually(
      () => env!.slack.callsTo('chat.update').find((c) => statusOf(c.args)?.startsWith('agent gone')),
      'the card saying the agent is gone',
    );
    expect(JSON.stringify(gone.args.blocks)).toContain('will run when it re-runs the command');
    const rerun = env.park({ settings: reviewSettings({ holdSeconds: 5 }) });
    await eventually(
      () =>
        env!.slack
          .callsTo('chat.update')
          .filter((c) => c.at > gone.at)
          .find((c) => statusOf(c.args)?.startsWith('agent waiting')),
      'the card saying the agent waits again',
    );
    rerun.detach();
  });

  it('updates the card and the thread when a review expires', async () => {
    env = await startSlackEnv();
    const parked = env.park({ settings: reviewSettings({ timeoutSeconds: 1, holdSeconds: 5 }) });
    const card = await env.card();
    await new Promise((r) => setTimeout(r, 1100));
    expect(await env.engine.expireOverdue()).toBe(1);
    expect((await parked.result).kind).toBe('closed');
    const update = await eventually(
      () => env!.slack.callsTo('chat.update').find((c) => String(c.args.text).startsWith('Expired')),
      'the expired card',
    );
    expect(update.args).toMatchObject({ channel: card.channel, ts: card.ts });
    expect(hasNoButtons(update.args.blocks)).toBe(true);
    await eventually(() => replies(env!).find((t) => t.startsWith('⌛ Expired')), 'the expiry reply');
  });

  it('uploads a long diff into the thread with the files.uploadV2 flow', async () => {
    env = await startSlackEnv({ preview: async () => ({ preview: hugeDiff }) });
    const parked = env.park();
    const card = await env.card();
    const complete = await eventually(
      () => env!.slack.callsTo('files.completeUploadExternal')[0],
      'the completed upload',
    );
    expect(complete.args).toMatchObject({ channel_id: card.channel, thread_ts: card.ts });
    const requested = env.slack.callsTo('files.getUploadURLExternal')[0]!.args;
    expect(Number(requested.length)).toBe(Buffer.byteLength(hugeDiff.fullDiff!));
    expect(requested.snippet_type).toBe('diff');
    expect(env.slack.callsTo('upload')).toHaveLength(1);
    expect(blockKitViolations(cardPosts(env)[0]!.args.blocks as unknown[])).toEqual([]);
    parked.detach();
  });

  it('renders agent text inert in the posted card', async () => {
    env = await startSlackEnv();
    const parked = env.park({ reason: HOSTILE_TEXT });
    await env.card();
    const posted = cardPosts(env)[0]!.args;
    for (const text of [...blockText(posted.blocks as unknown[]), String(posted.text)]) {
      expect(text).not.toContain('<!channel>');
      expect(text).not.toContain('<https://evil');
      expect(outsideCode(text)).not.toContain('*bold*');
    }
    parked.detach();
  });
});
