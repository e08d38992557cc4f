/**
 * The Slack adapter for real, minus Slack: a real review engine on a temp SQLite database, Bolt's receiver on the
 * web listener at 127.0.0.1:0, and the Web API answered by nock (see fake-slack.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWebApp } from '../../../src/web/app.js';
import nock from 'nock';
import { configSchema } from '../../../src/config/schema.js';
import { type Database, openDatabase } from '../../../src/db/database.js';
import { createLogger } from '../../../src/lib/logger.js';
import { createMasker, defaultMaskingConfig } from '../../../src/masking/index.js';
import type { ReviewSettings } from '../../../src/policy/decision.js';
import type { Approver } from '../../../src/reviews/model.js';
import {
  createReviewEngine,
  type ParkInput,
  type ParkResult,
  type ReviewEngine,
  type ReviewEngineOptions,
  type ReviewPorts,
} from '../../../src/reviews/engine.js';
import { PeopleDirectory, type Person } from '../../../src/reviews/people.js';
import { createSlackAdapter, type SlackAdapter } from '../../../src/slack/adapter.js';
import type { SlackSettings } from '../../../src/slack/settings.js';
import {
  type FakeSlack,
  type FakeSlackDirectory,
  SLACK_API_URL,
  startFakeSlack,
  TEAM,
} from './fake-slack.js';
import { blockAction, type CardLocation, type Clicker, postInteraction, SIGNING_SECRET } from './signed.js';

export const CHANNEL = 'C0ONCALL';
export const ALICE: Clicker = { id: 'U0ALICE' };
export const BOB: Clicker = { id: 'U0BOB' };
/** Owns the agent (dave@example.com) and is in the on-call group. */
export const DAVE: Clicker = { id: 'U0DAVE' };
export const EVE: Clicker = { id: 'U0EVE' };
/** In the on-call group, but from another organisation in a shared channel. */
export const MALLORY: Clicker = { id: 'U0MALLORY', teamId: 'T0OTHER' };

export const DIRECTORY: FakeSlackDirectory = {
  users: [
    { id: 'U0ALICE', name: 'Alice', email: 'alice@example.com' },
    { id: 'U0BOB', name: 'Bob', email: 'bob@example.com' },
    { id: 'U0DAVE', name: 'Dave', email: 'dave@example.com' },
    { id: 'U0EVE', name: 'Eve', email: 'eve@example.com' },
    { id: 'U0MALLORY', name: 'Mallory', email: 'mallory@other.example', teamId: 'T0OTHER' },
    // Members who renamed themselves after approvers; Slack reports no email for them.
    { id: 'U0MIMIC1', name: 'U0ONCALL1' },
    { id: 'U0MIMIC2', name: 'bob@example.com' },
    { id: 'U0ONCALL1', name: 'On-call One' },
  ],
  groups: { S0ONCALL: ['U0BOB', 'U0DAVE', 'U0MALLORY'] },
};

/** Someone deciding from the terminal while Slack is down, under a name `people` does not know. */
export function breakGlassTerminal(name: string): Approver {
  return { id: name, name, identifiers: [name], groups: [], via: 'terminal', verified: false };
}

export function reviewSettings(overrides: Partial<ReviewSettings> = {}): ReviewSettings {
  return {
    approvers: { users: ['U0ALICE'], groups: ['S0ONCALL'] },
    approvals: 1,
    holdSeconds: 20,
    timeoutSeconds: 600,
    maxGrantSeconds: 3600,
    mention: 'S0ONCALL',
    confirm: true,
    ...overrides,
  };
}

const masker = createMasker(defaultMaskingConfig());

/** What the review gate parks; `redacted` is the request masked as the gate masks it, unless given. */
export function parkInput(overrides: Partial<ParkInput> = {}): ParkInput {
  const body = '{"spec":{"replicas":0}}';
  const input: Omit<ParkInput, 'redacted'> = {
    agent: {
      name: 'ci-bot',
      subject: 'agent-ci-bot',
      issuer: 'https://issuer.test',
      groups: ['agents'],
      owner: 'dave@example.com',
      tokenId: 't1',
      expiresAt: new Date(Date.now() + 3600_000),
    },
    cluster: 'prod-eu',
    request: {
      method: 'PATCH',
      path: '/apis/apps/v1/namespaces/prod/deployments/web',
      query: new URLSearchParams(),
      info: {
        isResourceRequest: true,
        verb: 'patch',
        apiPrefix: 'apis',
        apiGroup: 'apps',
        apiVersion: 'v1',
        namespace: 'prod',
        resource: 'deployments',
        subresource: '',
        name: 'web',
        parts: ['deployments', 'web'],
      },
      dryRun: false,
    },
    contentType: 'application/merge-patch+json',
    body: Buffer.from(body),
    redactedBody: body,
    rule: 'scale-to-zero',
    settings: reviewSettings(),
    reason: 'Scaling down to save cost.',
    ...overrides,
  };
  return { ...input, redacted: overrides.redacted ?? masker.maskRequest(input.request) };
}

export interface SlackEnv {
  url: string;
  db: Database;
  /** Where `db` lives: another process (the CLI, a replica) opens it again from here. */
  dbUrl: string;
  engine: ReviewEngine;
  adapter: SlackAdapter;
  slack: FakeSlack;
  /** Parks a request as the gateway would; the agent waits until `result` settles. */
  park(overrides?: Partial<ParkInput>): { result: Promise<ParkResult>; detach(): void };
  /** Waits for the review's card to be posted and returns where it is. */
  card(reviewId?: string): Promise<CardLocation & { reviewId: string }>;
  click(
    user: Clicker,
    reviewId: string,
    action: 'approve' | 'deny' | 'view_diff',
    card: CardLocation,
  ): Promise<Response>;
  close(): Promise<void>;
}

/** Polls until `check` returns a value (bounded: tests fail instead of hanging). */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface SlackEnvOptions {
  outboxBaseDelayMs?: number;
  /** The database to use; a fresh SQLite file when absent. */
  dbUrl?: string;
  /** The review engine's preview port (what the preview module computes in production). */
  preview?: ReviewPorts['preview'];
  /** The configured people directory (configuration `people`). */
  people?: Person[];
  /** How often the event feed polls SQL (default 25 ms); long, only Postgres notifications wake it in time. */
  eventsPollMs?: number;
  /** Review engine timings (execution window, lease) for tests that let them run out. */
  engine?: Pick<ReviewEngineOptions, 'approvedExecutionWindowSeconds' | 'executionLeaseSeconds'>;
}

/** Slack settings pointing at the fake Slack, with the test signing secret. */
export function slackTestConfig(): SlackSettings {
  return configSchema.parse({
    slack: {
      botToken: { value: 'xoxb-test' },
      signingSecret: { value: SIGNING_SECRET },
      apiUrl: SLACK_API_URL,
      channel: CHANNEL,
    },
  }).slack;
}

export async function startSlackEnv(opts: SlackEnvOptions = {}): Promise<SlackEnv> {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  const dir = await mkdtemp(join(tmpdir(), 'airlock-slack-'));
  const dbUrl = opts.dbUrl ?? `sqlite:${join(dir, 'airlock.db')}`;
  const db = await openDatabase(dbUrl);
  const slack = startFakeSlack(DIRECTORY);
  const logger = createLogger('silent');
  const config = slackTestConfig();

  // The adapter follows the engine's stored events, not its notify port (a no-op, as in the terminal CLI).
  const engine: ReviewEngine = createReviewEngine(
    db,
    {
      notify: () => undefined,
      now: () => new Date(),
      ...(opts.preview ? { preview: opts.preview } : {}),
    },
    { pollMs: 25, sweepMs: 60_000, ...opts.engine },
  );
  const adapter = createSlackAdapter({
    config,
    db,
    reviews: () => engine,
    people: new PeopleDirectory(opts.people ?? []),
    logger,
    tuning: {
      processBeforeResponse: true,
      outbox: { pollMs: 25, baseDelayMs: opts.outboxBaseDelayMs ?? 50, maxDelayMs: 1_000 },
      events: { pollMs: opts.eventsPollMs ?? 25 },
    },
  });
  engine.start();
  await adapter.start();

  // The web listener as `serve` composes it.
  const server: Server = await new Promise((resolve) => {
    const s = http
      .createServer(createWebApp({ slack: adapter.handler }))
      .listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const detachers: (() => void)[] = [];

  return {
    url,
    db,
    dbUrl,
    engine,
    adapter,
    slack,
    park(overrides) {
      const controller = new AbortController();
      detachers.push(() => controller.abort());
      return {
        result: engine.park(parkInput(overrides), controller.signal),
        detach: () => controller.abort(),
      };
    },
    async card(reviewId) {
      return eventually(async () => {
        const reviews = reviewId ? [await engine.get(reviewId)] : await engine.list({});
        const r = reviews.find((x) => x?.notification?.ts);
        return r?.notification?.channel && r.notification.ts
          ? { channel: r.notification.channel, ts: r.notification.ts, reviewId: r.id }
          : undefined;
      }, 'the card to be posted');
    },
    click(user, reviewId, action, card) {
      return postInteraction(
        url,
        blockAction(user, card, {
          type: 'button',
          action_id: `airlock.review.${action}`,
          value: reviewId,
          text: { type: 'plain_text', text: action },
        }),
      );
    },
    async close() {
      detachers.forEach((d) => d());
      await engine.stop();
      await adapter.stop();
      await new Promise((r) => server.close(r));
      server.closeAllConnections();
      await db.destroy();
      slack.close();
      nock.enableNetConnect();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export { TEAM };
