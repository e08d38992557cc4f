/**
 * Nothing decided is lost: Slack follows the review events stored in SQL, so a decision taken by another process
 * (the terminal CLI, whose engine notifies nobody; a replica without Slack) still reaches the card, and replicas
 * sharing a database queue each event exactly once.
 */
import { testPostgresUrl } from '../support/postgres.js';
import { randomBytes } from 'node:crypto';
import knex from 'knex';
import { afterEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/database.js';
import { createLogger } from '../../src/lib/logger.js';
import { createReviewEngine, type ReviewEngine } from '../../src/reviews/engine.js';
import { createSlackAdapter, type SlackAdapter } from '../../src/slack/adapter.js';
import {
  breakGlassTerminal,
  eventually,
  type SlackEnv,
  slackTestConfig,
  startSlackEnv,
} from '../support/slack/slack-env.js';

let env: SlackEnv | undefined;
const cleanups: (() => Promise<void>)[] = [];
/** Throwaway Postgres schemas, dropped once every connection to them is closed. */
const schemaDrops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await env?.close();
  env = undefined;
  for (const drop of schemaDrops.splice(0)) await drop();
});

const replies = (e: SlackEnv) =>
  e.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.thread_ts)
    .map((c) => String(c.args.text));

/** Another process on the same database file: its own connection and an engine that notifies nobody. */
async function otherProcess(e: SlackEnv): Promise<{ db: Database; engine: ReviewEngine }> {
  const db = await openDatabase(e.dbUrl);
  cleanups.push(() => db.destroy());
  return { db, engine: createReviewEngine(db, { notify: () => undefined, now: () => new Date() }) };
}

/** SQLite always; Postgres too when CI provides one (each run in a throwaway schema), as replicas would scale out. */
const POSTGRES_URL = testPostgresUrl();
const DIALECTS = ['sqlite', ...(POSTGRES_URL ? ['postgres'] : [])] as const;

async function databaseFor(dialect: (typeof DIALECTS)[number]): Promise<string | undefined> {
  if (dialect === 'sqlite') return undefined;
  const url = POSTGRES_URL!;
  const schema = `airlock_slack_${randomBytes(4).toString('hex')}`;
  const admin = knex({ client: 'pg', connection: url });
  await admin.raw('create schema ??', [schema]);
  schemaDrops.push(async () => {
    await admin.raw('drop schema ?? cascade', [schema]);
    await admin.destroy();
  });
  const withSchema = new URL(url);
  withSchema.searchParams.set('options', `-c search_path=${schema}`);
  return withSchema.href;
}

describe.each(DIALECTS)('Slack follows stored review events (%s)', (dialect) => {
  it('updates the card and the thread for a decision taken by the terminal CLI in another process', async () => {
    env = await startSlackEnv({ dbUrl: await databaseFor(dialect) });
    const parked = env.park();
    const card = await env.card();
    const cli = await otherProcess(env);

    const decided = await cli.engine.decide(card.reviewId, breakGlassTerminal('root'), {
      decision: 'approve',
      breakGlass: true,
    });
    expect(decided.ok).toBe(true);
    expect((await parked.result).kind).toBe('execute');
    await env.engine.completeExecution(card.reviewId, { status: 200, resourceVersion: '99' });

    await eventually(
      () => replies(env!).find((t) => t.includes('*root* approved')),
      'the CLI approval reply',
    );
    await eventually(() => replies(env!).find((t) => t.includes('HTTP 200')), 'the execution reply');
    const final = await eventually(
      () =>
        env!.slack.callsTo('chat.update').find((c) => String(c.args.text).startsWith('Approved and applied')),
      'the card showing the outcome',
    );
    expect(final.args).toMatchObject({ channel: card.channel, ts: card.ts });
  });

  it.runIf(dialect === 'postgres')(
    'wakes on Postgres notifications: a decision in another process reaches the card without waiting for a poll',
    async () => {
      // A minute between polls: only LISTEN/NOTIFY can bring the decision to the card within the test.
      env = await startSlackEnv({ dbUrl: await databaseFor(dialect), eventsPollMs: 60_000 });
      const parked = env.park();
      const card = await env.card();
      const cli = await otherProcess(env);
      const decidedAt = Date.now();
      const decided = await cli.engine.decide(card.reviewId, breakGlassTerminal('root'), {
        decision: 'deny',
        reason: 'not now',
        breakGlass: true,
      });
      expect(decided.ok).toBe(true);
      expect((await parked.result).kind).toBe('denied');
      const reply = await eventually(
        () =>
          env!.slack.callsTo('chat.postMessage').find((c) => String(c.args.text).includes('*root* denied')),
        'the denial in the thread',
      );
      console.info(`cross-process decision → Slack thread reply: ${reply.at - decidedAt} ms`);
      expect(reply.at - decidedAt).toBeLessThan(5_000);
    },
  );

  it('queues each event exactly once when two replicas follow the same database', async () => {
    env = await startSlackEnv({ dbUrl: await databaseFor(dialect) });
    const replica = await otherProcess(env);
    const second: SlackAdapter = createSlackAdapter({
      config: slackTestConfig(),
      db: replica.db,
      reviews: () => replica.engine,
      logger: createLogger('silent'),
      tuning: { outbox: { pollMs: 10, baseDelayMs: 50, maxDelayMs: 1_000 }, events: { pollMs: 10 } },
    });
    await second.start();
    cleanups.push(() => second.stop());

    // Four reviews created on the first replica, each denied from the terminal on the second.
    const parked = [1, 2, 3, 4].map((n) => {
      const body = `{"spec":{"replicas":${n}}}`;
      return env!.park({ body: Buffer.from(body), redactedBody: body });
    });
    const reviews = await eventually(async () => {
      const all = await env!.engine.list({});
      return all.length === 4 ? all : undefined;
    }, 'four reviews');
    for (const review of reviews) {
      const denied = await replica.engine.decide(review.id, breakGlassTerminal('root'), {
        decision: 'deny',
        breakGlass: true,
        reason: 'not now',
      });
      expect(denied.ok).toBe(true);
    }
    await Promise.all(parked.map((p) => p.result));

    // Each review: created → post-card; denied → thread-reply, update-card, dm-owner. Once each, not per replica.
    const last = await env.engine.lastEventSeq();
    await eventually(async () => {
      const cursor = await env!.db('review_event_cursors').first();
      return Number(cursor?.seq) === last ? cursor : undefined;
    }, 'both feeds to reach the last event');
    const queued = (await env
      .db('slack_outbox')
      .select('review_id', 'kind')
      .count({ n: '*' })
      .groupBy('review_id', 'kind')) as { review_id: string; kind: string; n: number | string }[];
    const expected = reviews.flatMap((r) =>
      ['dm-owner', 'post-card', 'thread-reply', 'update-card'].map((kind) => ({
        review_id: r.id,
        kind,
        n: 1,
      })),
    );
    const sort = (rows: { review_id: string; kind: string }[]) =>
      [...rows].sort((a, b) => `${a.review_id}${a.kind}`.localeCompare(`${b.review_id}${b.kind}`));
    expect(sort(queued.map((q) => ({ ...q, n: Number(q.n) })))).toEqual(sort(expected));
  });

  it('starts a new cursor at the newest event instead of replaying history to Slack', async () => {
    env = await startSlackEnv({ dbUrl: await databaseFor(dialect) });
    const parked = env.park();
    await env.card();
    parked.detach();
    await parked.result;
    // Forget the cursor, as on a database where Slack was never enabled, then start a replica's adapter.
    await env.adapter.stop();
    await env.db('review_event_cursors').delete();
    const queued = async () => Number((await env!.db('slack_outbox').count({ n: '*' }).first())?.n);
    const queuedBefore = await queued();
    const replica = await otherProcess(env);
    const late = createSlackAdapter({
      config: slackTestConfig(),
      db: replica.db,
      reviews: () => replica.engine,
      logger: createLogger('silent'),
      tuning: { events: { pollMs: 10 } },
    });
    await late.start();
    cleanups.push(() => late.stop());

    const cursor = await env.db('review_event_cursors').first();
    expect(Number(cursor?.seq)).toBe(await env.engine.lastEventSeq());
    expect(Number(cursor?.seq)).toBeGreaterThan(0);
    // start() settles after the first poll: had it replayed history, the messages would be queued by now.
    expect(await queued()).toBe(queuedBefore);
  });
});
