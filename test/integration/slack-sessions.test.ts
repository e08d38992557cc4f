/**
 * `/agent-sessions` through signed requests to the real receiver (the Slack adapter's Bolt app), sessions recorded
 * through the real recorder into SQLite, a real review engine, and the Web API and response_urls answered by nock.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWebApp } from '../../src/web/app.js';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { type Database, openDatabase } from '../../src/db/database.js';
import { createLogger } from '../../src/lib/logger.js';
import { createMasker, defaultMaskingConfig, MASKED_BASE64, MASKED_TEXT } from '../../src/masking/index.js';
import { namedSessionId } from '../../src/recording/draft.js';
import { createRecorder } from '../../src/recording/recorder.js';
import type { RecordInput } from '../../src/recording/types.js';
import { createReviewEngine, type ReviewEngine } from '../../src/reviews/engine.js';
import { createSlackAdapter, type SlackAdapter } from '../../src/slack/adapter.js';
import { blockKitViolations } from '../support/slack/block-kit-limits.js';
import {
  type FakeSlack,
  SLACK_API_URL,
  SLACK_BASE,
  startFakeSlack,
  TEAM,
} from '../support/slack/fake-slack.js';
import { blockAction, type Clicker, signature, SIGNING_SECRET } from '../support/slack/signed.js';
import {
  ALICE,
  CHANNEL,
  DIRECTORY,
  EVE,
  eventually,
  MALLORY,
  parkInput,
} from '../support/slack/slack-env.js';
import { agent, decision, request } from '../unit/recording/fixtures.js';

/** Must never reach Slack: it is only ever in the Secret the agent read. */
const CANARY = 'canary-7f3e9b1c-do-not-leak';
const HOOKS = 'https://hooks.slack.test';
const AUDITOR: Clicker = { id: 'U0ONCALL1' };
const NOW = Date.now();
const minutesAgo = (m: number, plusMs = 0) => new Date(NOW - m * 60_000 + plusMs);

interface Response {
  url: string;
  body: { replace_original?: boolean; response_type?: string; text?: string; blocks?: Block[] };
}
interface Block {
  type: string;
  block_id?: string;
  text?: { text: string };
  accessory?: Element;
  elements?: Element[];
}
interface Element {
  type: string;
  confirm?: unknown;
  action_id?: string;
  value?: string;
  text?: { text: string };
  options?: { value: string; text: { text: string } }[];
}

let dir: string;
let db: Database;
let engine: ReviewEngine;
let adapter: SlackAdapter;
let slack: FakeSlack;
let server: Server;
let url: string;
const responses: Response[] = [];
const uploads: string[] = [];
let responseSeq = 0;

const incident = {
  agent: agent({ name: 'ci-bot', owner: 'dave@example.com', tokenId: 'tok-incident' }),
  cluster: 'prod-eu',
  hint: 'incident-42',
};
const incidentId = namedSessionId(incident.agent, incident.cluster, incident.hint);
const bigId = namedSessionId(agent({ name: 'chatty-bot' }), 'prod-eu', 'big');
const oldId = namedSessionId(agent({ name: 'deploy-bot' }), 'staging', 'old');
const failedId = namedSessionId(agent({ name: 'ci-bot' }), 'staging', 'nightly');
const waitingId = namedSessionId(agent({ name: 'review-bot', subject: 'review-bot' }), 'prod-eu', 'waiting');
let reviewedDeleteId: string;

function event(overrides: Partial<RecordInput> & Pick<RecordInput, 'time'>): RecordInput {
  return {
    requestId: `req-${Math.random().toString(36).slice(2)}`,
    agent: agent(),
    cluster: 'prod-eu',
    request: request({ name: 'web', namespace: 'prod' }),
    decision: decision(),
    status: 200,
    latencyMs: 5,
    bytesIn: 0,
    bytesOut: 100,
    ...overrides,
  };
}

/** The incident: a masked secret read, a reviewed (and approved) delete, a denied exec. */
async function seedIncident(record: (i: RecordInput) => void): Promise<void> {
  const masker = createMasker(defaultMaskingConfig());
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db-credentials', namespace: 'prod' },
    data: { password: Buffer.from(CANARY).toString('base64') },
    stringData: { token: CANARY },
  };
  const base = { agent: incident.agent, cluster: incident.cluster, sessionHint: incident.hint };
  record(
    event({
      ...base,
      time: minutesAgo(10),
      request: request({ resource: 'secrets', name: 'db-credentials', namespace: 'prod' }),
      responseBody: masker.maskDocument(secret),
    }),
  );

  const parked = engine.park(
    parkInput({
      agent: incident.agent,
      cluster: incident.cluster,
      // Reviews carry the recorded session's id (what the gateway passes to park).
      sessionId: namedSessionId(incident.agent, incident.cluster, incident.hint),
      request: request({
        method: 'DELETE',
        verb: 'delete',
        group: 'apps',
        resource: 'deployments',
        name: 'web',
        namespace: 'prod',
      }),
      contentType: '',
      body: Buffer.alloc(0),
      redactedBody: '',
      rule: 'prod-deletes',
    }),
    new AbortController().signal,
  );
  const review = await eventually(async () => (await engine.list({}))[0], 'the review to be created');
  reviewedDeleteId = review.id;
  await eventually(async () => (await engine.get(review.id))?.notification?.ts, 'the approval card');
  const decided = await engine.decide(
    review.id,
    { id: ALICE.id, name: 'Alice', identifiers: [ALICE.id], groups: [], via: 'slack', verified: true },
    { decision: 'approve', reason: 'Approved for the incident' },
  );
  expect(decided.ok).toBe(true);
  expect((await parked).kind).toBe('execute');
  await engine.completeExecution(review.id, { status: 200 });
  record(
    event({
      ...base,
      time: minutesAgo(9),
      request: request({
        method: 'DELETE',
        verb: 'delete',
        group: 'apps',
        resource: 'deployments',
        name: 'web',
        namespace: 'prod',
      }),
      decision: decision('review', 'request-response', 'prod-deletes'),
      reviewId: review.id,
      // What was true when it ran; the review may be decided again later (a grant, a re-run).
      verdict: { state: 'approved', by: ['Alice'] },
      responseBody: { kind: 'Status', status: 'Success' },
    }),
  );

  record(
    event({
      ...base,
      time: minutesAgo(8),
      request: request({
        method: 'POST',
        verb: 'create',
        resource: 'pods',
        subresource: 'exec',
        name: 'web',
        namespace: 'prod',
        query: 'command=cat&command=%2Fetc%2Fsecret&stdout=true',
      }),
      decision: decision('deny', 'metadata', 'no-exec-in-prod'),
      status: 403,
    }),
  );
}

function seedOthers(record: (i: RecordInput) => void): void {
  record(
    event({
      agent: agent({ name: 'deploy-bot', owner: 'erin@example.com' }),
      cluster: 'staging',
      sessionHint: 'old',
      time: minutesAgo(3 * 24 * 60),
      request: request({ namespace: 'web', name: 'site' }),
    }),
  );
  record(
    event({
      agent: agent({ name: 'ci-bot' }),
      cluster: 'staging',
      sessionHint: 'nightly',
      time: minutesAgo(60),
      request: request({ namespace: 'batch', name: 'job' }),
      status: 500,
    }),
  );
  record(
    event({
      agent: agent({ name: 'review-bot', subject: 'review-bot' }),
      cluster: 'prod-eu',
      sessionHint: 'waiting',
      time: minutesAgo(5),
      request: request({ namespace: 'payments', name: 'api' }),
    }),
  );
  // 65 sessions of one agent: seven pages of ten.
  for (let i = 0; i < 65; i++) {
    record(
      event({
        agent: agent({ name: 'bulk-bot', tokenId: `bulk-${i}` }),
        time: minutesAgo(200 - i),
        request: request({ namespace: 'bulk' }),
      }),
    );
  }
  // One session of 1,000 steps with bodies, to page through.
  for (let i = 0; i < 1000; i++) {
    record(
      event({
        agent: agent({ name: 'chatty-bot' }),
        sessionHint: 'big',
        time: minutesAgo(30, i * 100),
        request: request({ name: `pod-${i}`, namespace: 'chatty' }),
        responseBody: { kind: 'Pod', metadata: { name: `pod-${i}` }, spec: { note: 'x'.repeat(4000) } },
      }),
    );
  }
}

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  nock(HOOKS)
    .persist()
    .post(/.*/)
    .reply((uri, body) => {
      responses.push({
        url: `${HOOKS}${uri}`,
        body: (typeof body === 'string' ? JSON.parse(body) : body) as Response['body'],
      });
      return [200, 'ok'];
    });
  // Registered before the fake Slack's catch-all upload route, so this one sees the file's bytes.
  nock(SLACK_BASE)
    .persist()
    .post(/^\/upload\//)
    .reply((_uri, body) => {
      uploads.push(typeof body === 'string' ? body : JSON.stringify(body));
      return [200, 'OK'];
    });
  slack = startFakeSlack(DIRECTORY);
  dir = await mkdtemp(join(tmpdir(), 'airlock-slack-sessions-'));
  db = await openDatabase(`sqlite:${join(dir, 'airlock.db')}`);
  const logger = createLogger('silent');
  engine = createReviewEngine(
    db,
    { notify: () => undefined, now: () => new Date() },
    { pollMs: 25, sweepMs: 60_000 },
  );
  adapter = createSlackAdapter({
    config: configSchema.parse({
      slack: {
        botToken: { value: 'xoxb-test' },
        signingSecret: { value: SIGNING_SECRET },
        apiUrl: SLACK_API_URL,
        channel: CHANNEL,
        // Who may use /agent-sessions: a user and an on-call group (approvers), as the adapter reads them.
        approvers: [ALICE.id, 'S0ONCALL'],
        // May read sessions, not end them.
        auditors: [AUDITOR.id],
      },
    }).slack,
    db,
    reviews: () => engine,
    logger,
    tuning: {
      processBeforeResponse: true,
      outbox: { pollMs: 25, baseDelayMs: 50, maxDelayMs: 1_000 },
      events: { pollMs: 25 },
    },
  });
  engine.start();
  await adapter.start();
  // The web listener as `serve` composes it.
  server = await new Promise((resolve) => {
    const s = http
      .createServer(createWebApp({ slack: adapter.handler }))
      .listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const recorder = createRecorder(db, { batchMs: 5 });
  await seedIncident((i) => recorder.record(i));
  seedOthers((i) => recorder.record(i));
  await recorder.close();
  // A review still waiting for a decision, in the review-bot's named session.
  const reviewBot = {
    ...parkInput().agent,
    name: 'review-bot',
    subject: 'review-bot',
    issuer: agent().issuer,
  };
  engine.park(
    parkInput({ agent: reviewBot, sessionId: namedSessionId(reviewBot, parkInput().cluster, 'waiting') }),
    AbortSignal.timeout(50),
  );
  await eventually(
    async () => (await engine.list({ states: ['pending'] })).length === 1 || undefined,
    'the pending review',
  );
}, 60_000);

afterAll(async () => {
  await engine.stop();
  await adapter.stop();
  await new Promise((r) => server.close(r));
  server.closeAllConnections();
  await db.destroy();
  slack.close();
  nock.cleanAll();
  nock.enableNetConnect();
  await rm(dir, { recursive: true, force: true });
});

function sign(raw: string): Record<string, string> {
  const ts = Math.floor(Date.now() / 1000);
  return { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signature(SIGNING_SECRET, ts, raw) };
}

/** Sends the signed request and returns the one answer posted to its fresh response_url. */
async function send(
  kind: 'commands' | 'actions',
  form: Record<string, string>,
  responseUrl: string,
): Promise<Response> {
  const raw = new URLSearchParams(form).toString();
  const res = await fetch(`${url}/slack/events`, {
    method: 'POST',
    body: raw,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...sign(raw) },
  });
  expect(res.status, `${kind} request`).toBe(200);
  const answers = responses.filter((r) => r.url === responseUrl);
  expect(answers, `answers on ${responseUrl}`).toHaveLength(1);
  return answers[0]!;
}

function command(text: string, user: Clicker = ALICE): Promise<Response> {
  const responseUrl = `${HOOKS}/commands/${TEAM}/${++responseSeq}/c`;
  return send(
    'commands',
    {
      command: '/agent-sessions',
      text,
      user_id: user.id,
      user_name: user.id.toLowerCase(),
      team_id: user.teamId ?? TEAM,
      team_domain: 'home',
      channel_id: CHANNEL,
      channel_name: 'oncall',
      response_url: responseUrl,
      trigger_id: 't',
      api_app_id: 'A0AIRLOCK',
    },
    responseUrl,
  );
}

/** A click on a button of an `/agent-sessions` reply (ephemeral), or of a channel message such as a card. */
function click(
  element: Element,
  user: Clicker = ALICE,
  selected?: string,
  where: { ephemeral: boolean } = { ephemeral: true },
): Promise<Response> {
  const responseUrl = `${HOOKS}/actions/${TEAM}/${++responseSeq}/a`;
  const action = selected
    ? {
        type: 'static_select',
        action_id: element.action_id,
        selected_option: { value: selected, text: { type: 'plain_text', text: 'x' } },
      }
    : { type: 'button', action_id: element.action_id, value: element.value, text: element.text };
  const base = blockAction(user, { channel: CHANNEL, ts: '1700000000.000100' }, action);
  const payload = {
    ...base,
    container: { ...(base.container as object), is_ephemeral: where.ephemeral },
    response_url: responseUrl,
  };
  return send('actions', { payload: JSON.stringify(payload) }, responseUrl);
}

const allText = (r: Response) => JSON.stringify(r.body);
const elements = (r: Response) =>
  (r.body.blocks ?? []).flatMap((b) => [...(b.elements ?? []), ...(b.accessory ? [b.accessory] : [])]);
const element = (r: Response, suffix: string) => {
  const found = elements(r).find((e) => e.action_id?.endsWith(`.${suffix}`));
  if (!found) throw new Error(`no ${suffix} element in ${allText(r).slice(0, 300)}`);
  return found;
};
const listedIds = (r: Response) => [...allText(r).matchAll(/`([0-9a-f]{24})`/g)].map((m) => m[1]);

function expectWithinLimits(r: Response): void {
  expect(r.body.response_type).toBe('ephemeral');
  expect(blockKitViolations(r.body.blocks ?? [])).toEqual([]);
}

describe('/agent-sessions list', () => {
  it('without arguments shows the most recent sessions and a help line', async () => {
    const r = await command('');
    expectWithinLimits(r);
    expect(r.body.blocks?.[0]?.text?.text).toBe('Recent agent sessions');
    expect(listedIds(r)).toHaveLength(10);
    expect(listedIds(r)[0]).toBe(waitingId); // newest first
    expect(allText(r)).toContain('/agent-sessions help');
  });

  it.each([
    ['agent:deploy-bot', [oldId]],
    ['owner:<mailto:erin@example.com|erin@example.com>', [oldId]],
    ['cluster:staging', [failedId, oldId]],
    ['ns:payments', [waitingId]],
    ['status:denied', [incidentId]],
    ['status:reviewed', [incidentId]],
    ['status:failed', [failedId]],
    ['status:pending', [waitingId]],
    ['since:1d cluster:staging', [failedId]],
    ['agent:ci-bot ns:prod', [incidentId]],
  ])('filters with %s', async (filter, expected) => {
    const r = await command(`list ${filter}`);
    expectWithinLimits(r);
    expect(listedIds(r)).toEqual(expected);
  });

  it('shows each session with agent, owner, start, duration, counts and a Show button', async () => {
    const r = await command('list agent:ci-bot ns:prod');
    const text = allText(r);
    expect(text).toContain('*ci-bot* for dave@example.com');
    expect(text).toContain('✅ 1 allowed · 👀 1 reviewed · ⛔ 1 denied · ❌ 0 failed');
    expect(text).toContain('· 2m ·');
    expect(JSON.parse(element(r, 'show.0').value!)).toEqual({
      view: 'steps',
      sessionId: incidentId,
      offset: 0,
    });
  });

  it('pages forward and back past five pages, each click answered on its own response_url', async () => {
    let page = await command('list agent:bulk-bot');
    const forward = [listedIds(page)];
    for (let i = 0; i < 6; i++) {
      page = await click(element(page, 'next'));
      expect(page.body.replace_original).toBe(true);
      expectWithinLimits(page);
      forward.push(listedIds(page));
    }
    expect(forward.map((p) => p.length)).toEqual([10, 10, 10, 10, 10, 10, 5]);
    expect(new Set(forward.flat()).size).toBe(65);
    expect(elements(page).some((e) => e.action_id?.endsWith('.next'))).toBe(false);
    const back = [listedIds(page)];
    for (let i = 0; i < 6; i++) {
      page = await click(element(page, 'prev'));
      back.unshift(listedIds(page));
    }
    expect(back).toEqual(forward);
    expect(elements(page).some((e) => e.action_id?.endsWith('.prev'))).toBe(false);
  });
});

describe('/agent-sessions show and replay', () => {
  it('shows the summary and steps with offset, target, decision, reviewer and status', async () => {
    const r = await command(`show ${incidentId}`);
    expectWithinLimits(r);
    const text = allText(r);
    expect(text).toContain('`#1` +0:00.000');
    expect(text).toContain('`get secrets prod/db-credentials`');
    expect(text).toContain('`delete deployments.apps prod/web`');
    expect(text).toContain('review (prod-deletes) · approved by Alice · 200');
    expect(text).toContain('deny (no-exec-in-prod) · 403');
  });

  it('replays a masked secret read, a reviewed delete and a denied exec; transcripts go to the channel and the card thread; the canary never reaches Slack', async () => {
    const first = await command(`replay ${incidentId}`);
    expectWithinLimits(first);
    // A masked value reads as the placeholder, not as base64 that looks like a credential.
    expect(allText(first)).toContain(MASKED_TEXT);
    expect(allText(first)).not.toContain(MASKED_BASE64);
    expect(allText(first)).toContain('kubectl get secret db-credentials -n prod');

    const second = await click(element(first, 'next'));
    expectWithinLimits(second);
    const card = (await engine.get(reviewedDeleteId))!.notification!;
    const permalink = `https://home.slack.com/archives/${card.channel}/p${card.ts!.replace('.', '')}`;
    expect(allText(second)).toContain(`<${permalink}|approval card>`);
    expect(allText(second)).toContain('*Alice* ✅ approved');
    expect(allText(second)).toContain('Approved for the incident');
    expect(allText(second)).toContain('kubectl delete deployment web -n prod');

    const third = await click(element(second, 'next'));
    expectWithinLimits(third);
    expect(allText(third)).toContain('denied by rule \\"no-exec-in-prod\\"');
    expect(allText(third)).toContain('kubectl exec web -n prod -- cat /etc/secret');
    expect(allText(third)).toContain('not recorded at level metadata');

    const posted = await click(element(second, 'channel'));
    expect(posted.body.replace_original).toBe(false);
    expect(allText(posted)).toContain('Posted the redacted transcript');
    const toThread = await click(element(second, 'thread'));
    expect(allText(toThread)).toContain('in the approval thread');
    const completes = slack.callsTo('files.completeUploadExternal').map((c) => c.args);
    expect(completes.at(-2)).toMatchObject({ channel_id: CHANNEL });
    expect(completes.at(-2)?.thread_ts).toBeUndefined();
    expect(completes.at(-1)).toMatchObject({ channel_id: card.channel, thread_ts: card.ts });
    expect(uploads.at(-1)).toContain('delete deployments');
    expect(uploads.at(-1)).toContain(MASKED_TEXT);
    expect(uploads.at(-1)).not.toContain(MASKED_BASE64);

    const everything = [
      ...responses.map(allText),
      ...slack.calls.map((c) => JSON.stringify(c.args)),
      ...uploads,
    ];
    const encoded = Buffer.from(CANARY).toString('base64');
    expect(everything.filter((p) => p.includes(CANARY) || p.includes(encoded))).toEqual([]);
  });

  it("opens the session from the approval card's View session button, privately and beside the card", async () => {
    const card = (await engine.get(reviewedDeleteId))!.notification!;
    const posted = slack
      .callsTo('chat.postMessage')
      .find((c) => c.args.channel === card.channel && !c.args.thread_ts && Array.isArray(c.args.blocks))!;
    const button = (posted.args.blocks as Block[])
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.text?.text === 'View session')!;
    const r = await click(button, ALICE, undefined, { ephemeral: false });
    expectWithinLimits(r);
    // The card stays; the session arrives as a private reply.
    expect(r.body.replace_original).toBe(false);
    expect(r.body.blocks?.[0]?.text?.text).toBe('Session of ci-bot');
    expect(allText(r)).toContain('`delete deployments.apps prod/web`');
    // Reading sessions needs the same access as the command.
    expect((await click(button, EVE, undefined, { ephemeral: false })).body.text).toMatch(/^🚫 /);
  });

  it('pages a 1,000-step session within Block Kit limits and answers within the ack window', async () => {
    const timed = async <T>(f: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      const result = await f();
      expect(performance.now() - started).toBeLessThan(3_000);
      return result;
    };
    let steps = await timed(() => command(`show ${bigId}`));
    expectWithinLimits(steps);
    expect(allText(steps)).toContain('steps 1–20 of 1000');
    for (let i = 0; i < 6; i++) steps = await timed(() => click(element(steps, 'next')));
    expect(allText(steps)).toContain('steps 121–140 of 1000');

    let replay = await timed(() => command(`replay ${bigId} from:999`));
    expectWithinLimits(replay);
    expect(replay.body.blocks?.[0]?.text?.text).toBe('Step 999/1000 · chatty-bot');
    const jump = element(replay, 'jump');
    expect(jump.options).toHaveLength(100);
    expect(jump.options?.at(-1)?.text.text).toBe('Step 1000');
    replay = await timed(() => click(jump, ALICE, jump.options![50]!.value));
    expect(replay.body.blocks?.[0]?.text?.text).toBe('Step 506/1000 · chatty-bot');
    replay = await timed(() => click(element(replay, 'next')));
    expectWithinLimits(replay);
    expect(replay.body.blocks?.[0]?.text?.text).toBe('Step 507/1000 · chatty-bot');
    expect(allText(replay)).toContain('more lines: the transcript has all of it');
  });
});

describe('/agent-sessions show: Revoke session', () => {
  it('asks for confirmation, refuses auditors, and records the approver by Slack user id', async () => {
    const revocations = () => db('session_revocations').select('token_id', 'revoked_by', 'reason');
    const button = element(await command(`show ${incidentId}`), 'revoke');
    expect(button).toMatchObject({ value: incidentId, confirm: { confirm: { text: 'Revoke' } } });

    const refused = await click(button, AUDITOR);
    expect(refused.body.text).toMatch(/^🚫 Only approvers may revoke a session/);
    expect(await revocations()).toEqual([]);

    const revoked = await click(button, ALICE);
    expect(revoked.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(revoked.body.text).toContain(`Session \`${incidentId}\` revoked by <@U0ALICE> at `);
    expect(await revocations()).toEqual([
      {
        token_id: 'tok-incident',
        revoked_by: 'slack:U0ALICE',
        reason: 'revoked from Slack (/agent-sessions)',
      },
    ]);
  });
});

describe('/agent-sessions pending, help, refusals and mistakes', () => {
  it('lists open reviews with links to their cards', async () => {
    const r = await command('pending');
    expectWithinLimits(r);
    expect(r.body.blocks?.[0]?.text?.text).toBe('Open reviews (1)');
    expect(allText(r)).toContain('review-bot');
    expect(allText(r)).toMatch(
      /<https:\/\/home\.slack\.com\/archives\/C0ONCALL\/p\d+\|Open the approval card>|no card posted yet/,
    );
  });

  it('refuses people who are not approvers or auditors, and members of other workspaces, before reading anything', async () => {
    for (const user of [EVE, MALLORY]) {
      const r = await command('list', user);
      expect(r.body.response_type).toBe('ephemeral');
      expect(r.body.text).toMatch(/^🚫 /);
      expect(listedIds(r)).toEqual([]);
    }
    const page = await command('list agent:bulk-bot');
    const refused = await click(element(page, 'next'), EVE);
    expect(refused.body.replace_original).toBe(false);
    expect(refused.body.text).toMatch(/not allowed to read agent sessions/);
    expect(listedIds(refused)).toEqual([]);
  });

  it.each([
    ['frobnicate', /`frobnicate` is not a subcommand/],
    ['list colour:blue', /`colour:blue` is not a filter/],
    ['list status:happy', /`status:happy` is not a status/],
    ['list since:yesterday', /`since:yesterday` is not a duration/],
    ['show nothex', /`nothex` is not a session id/],
    ['show', /needs a session id/],
    [`replay ${incidentId} from:0`, /from:N/],
    [`show ${'0'.repeat(24)}`, /There is no session `0{24}`/],
    [`replay ${incidentId} from:9`, /has 3 steps: start from 1 to 3/],
    ['list <!channel>', /`&lt;!channel&gt;` is not a filter/],
  ])('explains %s', async (text, message) => {
    const r = await command(text);
    expect(r.body.response_type).toBe('ephemeral');
    expect(allText(r)).toMatch(message);
  });

  it('answers help with the usage, and a forged button value with a notice instead of data', async () => {
    expect(allText(await command('help'))).toContain('/agent-sessions replay ID [from:N]');
    const forged = await click({
      type: 'button',
      action_id: 'airlock.sessions.view.next',
      value: '{"view":"steps","sessionId":"../../etc","offset":0}',
    });
    expect(forged.body.replace_original).toBe(false);
    expect(forged.body.text).toMatch(/not one Airlock made/);
  });
});
