import { testPostgresUrl } from '../support/postgres.js';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrationSource } from '../../migrations/index.js';
import { createDatabase, migrate, type Database } from '../../src/db/database.js';
import { sessionIdFor } from '../../src/recording/draft.js';
import {
  getSession,
  listSessionEvents,
  querySessions,
  SessionQueryError,
} from '../../src/recording/query.js';
import { RefusedEventError, createRecorder } from '../../src/recording/recorder.js';
import { startRetentionSchedule } from '../../src/db/retention.js';
import { pruneEvents } from '../../src/recording/retention.js';
import type { RecordInput } from '../../src/recording/types.js';
import { verifyAuditChain } from '../../src/recording/verify.js';
import { agent, decision, recordInput, request } from '../unit/recording/fixtures.js';

/** A fresh, migrated database per test; `connect()` opens a second pool on it, as a second replica would. */
interface TestDatabase {
  db: Database;
  connect(): Database;
  destroy(): Promise<void>;
}

async function sqliteDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-recording-'));
  const file = join(dir, 'airlock.db');
  const db = createDatabase(file);
  await migrate(db);
  const others: Database[] = [];
  return {
    db,
    connect: () => {
      const other = createDatabase(file);
      others.push(other);
      return other;
    },
    async destroy() {
      for (const other of others) await other.destroy();
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresDatabase(url: string): Promise<TestDatabase> {
  const schema = `airlock_rec_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = knex({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
  await admin.raw('CREATE SCHEMA ??', [schema]);
  const open = () => knex({ client: 'pg', connection: url, searchPath: [schema], pool: { min: 0, max: 4 } });
  const db = open();
  await migrate(db);
  const others: Database[] = [];
  return {
    db,
    connect: () => {
      const other = open();
      others.push(other);
      return other;
    },
    async destroy() {
      for (const other of others) await other.destroy();
      await db.destroy();
      await admin.raw('DROP SCHEMA ?? CASCADE', [schema]);
      await admin.destroy();
    },
  };
}

const postgresUrl = testPostgresUrl();
const dialects: [string, () => Promise<TestDatabase>][] = [
  ['sqlite', sqliteDatabase],
  ...(postgresUrl
    ? [['postgres', () => postgresDatabase(postgresUrl)] as [string, () => Promise<TestDatabase>]]
    : []),
];

const at = (second: number) => new Date(Date.UTC(2026, 10, 28, 10, 0, second));

async function recordAll(
  db: Database,
  inputs: RecordInput[],
  opts: { maxBodyBytes?: number } = {},
): Promise<void> {
  const recorder = createRecorder(db, { batchMs: 5, ...opts });
  for (const input of inputs) recorder.record(input);
  await recorder.close();
}

/** Six events over two clusters, interleaved, so each chain has gaps in seq filled by the other. */
function mixedInputs(): RecordInput[] {
  return Array.from({ length: 6 }, (_, i) =>
    recordInput({ requestId: `req-${i}`, time: at(i), cluster: i % 3 === 2 ? 'staging' : 'prod' }),
  );
}

async function seqOf(db: Database, requestId: string): Promise<number> {
  const row: { seq: unknown } | undefined = await db('events').where({ request_id: requestId }).first('seq');
  return Number(row?.seq);
}

describe.each(dialects)('recording on %s', (dialect, open) => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await open();
  });
  afterEach(async () => {
    await t.destroy();
  });

  describe('batching', () => {
    it('stores many records in few transactions', async () => {
      const transactions = new Set<string>();
      t.db.on('query', (q: { __knexTxId?: string }) => {
        if (q.__knexTxId) transactions.add(q.__knexTxId);
      });
      const recorder = createRecorder(t.db, { batchMs: 50 });
      for (let i = 0; i < 200; i++) recorder.record(recordInput({ requestId: `req-${i}`, time: at(i % 60) }));
      await recorder.flush();
      expect(transactions.size).toBe(1);
      expect(Number((await t.db('events').count({ n: '*' }).first())?.n)).toBe(200);
      await recorder.close();
    });

    it('close() stores everything still queued, however long the batch window', async () => {
      const recorder = createRecorder(t.db, { batchMs: 60_000 });
      for (let i = 0; i < 25; i++) recorder.record(recordInput({ requestId: `req-${i}` }));
      await recorder.close();
      const session = await getSession(t.db, sessionIdFor(recordInput()));
      expect(session?.events).toBe(25);
      expect(Number((await t.db('events').count({ n: '*' }).first())?.n)).toBe(25);
    });

    it('a failing store flips available() and recovers without losing or misordering events', async () => {
      const errors: Error[] = [];
      const recorder = createRecorder(t.db, { batchMs: 5, maxRetryMs: 20, onError: (e) => errors.push(e) });
      recorder.record(recordInput({ requestId: 'before' }));
      await recorder.flush();
      await t.db.schema.renameTable('events', 'events_away');

      recorder.record(recordInput({ requestId: 'during-1' }));
      await expect(recorder.flush()).rejects.toThrow();
      expect(recorder.available()).toBe(false);
      recorder.record(recordInput({ requestId: 'during-2' }));

      await t.db.schema.renameTable('events_away', 'events');
      await expect.poll(() => recorder.available(), { timeout: 5000 }).toBe(true);
      await recorder.close();

      const { events } = await listSessionEvents(t.db, sessionIdFor(recordInput()), { offset: 0, limit: 10 });
      expect(events.map((e) => e.requestId)).toEqual(['before', 'during-1', 'during-2']);
      expect(errors.length).toBeGreaterThan(0);
      expect(await verifyAuditChain(t.db)).toEqual({ ok: true, events: 3 });
    });

    it('two replicas appending at once keep one unforked chain per cluster', async () => {
      const other = t.connect();
      const inputs = (prefix: string) =>
        mixedInputs().map((input) => ({ ...input, requestId: `${prefix}-${input.requestId}` }));
      await Promise.all([
        recordAll(t.db, inputs('a')),
        recordAll(other, inputs('b')),
        recordAll(t.db, inputs('c')),
      ]);
      expect(await verifyAuditChain(t.db)).toEqual({ ok: true, events: 18 });
    });
    it('stores every value as given, whether bound or written into the statement (NULLs, integers)', async () => {
      const inputs = [
        recordInput({ requestId: 'plain', time: at(0), bytesOut: 5_000_000_000, latencyMs: 0 }),
        recordInput({
          requestId: 'reviewed',
          time: at(1),
          reviewId: 'rv-1',
          grantId: 'gr-1',
          status: 599,
          bytesIn: 17,
          requestBody: { kind: 'ConfigMap', data: { a: '1' } },
          summary: { note: 'x' },
        }),
        recordInput({ requestId: 'plain-again', time: at(2), status: 0, latencyMs: 86_400_000 }),
      ];
      await recordAll(t.db, inputs);
      const rows: Record<string, unknown>[] = await t.db('events').orderBy('seq');
      // Postgres returns bigint columns as text; a NULL must stay NULL, not become 0.
      const num = (value: unknown) => (value === null ? null : Number(value));
      const pick = (row: Record<string, unknown>) => ({
        request_id: row.request_id,
        review_id: row.review_id,
        grant_id: row.grant_id,
        status: num(row.status),
        latency_ms: num(row.latency_ms),
        bytes_in: num(row.bytes_in),
        bytes_out: num(row.bytes_out),
        has_request_body: row.request_body !== null,
        summary: row.summary,
      });
      expect(rows.map(pick)).toEqual([
        {
          request_id: 'plain',
          review_id: null,
          grant_id: null,
          status: 200,
          latency_ms: 0,
          bytes_in: 0,
          bytes_out: 5_000_000_000,
          has_request_body: false,
          summary: null,
        },
        {
          request_id: 'reviewed',
          review_id: 'rv-1',
          grant_id: 'gr-1',
          status: 599,
          latency_ms: 12,
          bytes_in: 17,
          bytes_out: 345,
          has_request_body: true,
          summary: expect.stringContaining('"note":"x"'),
        },
        {
          request_id: 'plain-again',
          review_id: null,
          grant_id: null,
          status: 0,
          latency_ms: 86_400_000,
          bytes_in: 0,
          bytes_out: 345,
          has_request_body: false,
          summary: null,
        },
      ]);
      expect(await verifyAuditChain(t.db)).toEqual({ ok: true, events: 3 });
    });
  });

  describe('a row the database refuses', () => {
    it('never blocks recording: the events around it are stored and the chain verifies', async () => {
      // Postgres refuses a NUL byte in a text column (SQLite takes it): a JWT name claim can carry one.
      const errors: Error[] = [];
      const recorder = createRecorder(t.db, { batchMs: 5, maxRetryMs: 20, onError: (e) => errors.push(e) });
      recorder.record(recordInput({ requestId: 'before' }));
      recorder.record(recordInput({ requestId: 'poison', agent: agent({ name: 'bot\u0000' }) }));
      recorder.record(recordInput({ requestId: 'after' }));
      await expect
        .poll(
          async () => (await t.db('events').orderBy('seq').select('request_id')).map((r) => r.request_id),
          {
            timeout: 5000,
          },
        )
        .toEqual(['before', 'poison', 'after']);
      expect(recorder.available()).toBe(true);
      await recorder.close();
      expect(await verifyAuditChain(t.db)).toEqual({ ok: true, events: 3 });
      const refused = errors.filter((e) => e instanceof RefusedEventError).map((e) => e.message);
      expect(refused).toEqual(dialect === 'postgres' ? [expect.stringMatching(/request poison/)] : []);
    });
  });

  describe('hash chain', () => {
    beforeEach(async () => {
      await recordAll(t.db, mixedInputs());
    });

    it('verifies an untouched log', async () => {
      expect(await verifyAuditChain(t.db)).toEqual({ ok: true, events: 6 });
    });

    it('names a modified event', async () => {
      const seq = await seqOf(t.db, 'req-3');
      await t
        .db('events')
        .where({ seq })
        .update({ response_body: '{"kind":"Pod","metadata":{"name":"forged"}}' });
      const result = await verifyAuditChain(t.db);
      expect(result).toMatchObject({
        ok: false,
        brokenAt: { seq, reason: expect.stringMatching(/modified/) },
      });
    });

    it('names the event after a deleted one', async () => {
      const deleted = await seqOf(t.db, 'req-1');
      const next = await seqOf(t.db, 'req-3'); // the next prod event (req-2 is on staging)
      await t.db('events').where({ seq: deleted }).delete();
      const result = await verifyAuditChain(t.db);
      expect(result).toMatchObject({
        ok: false,
        brokenAt: { seq: next, reason: expect.stringMatching(/deleted/) },
      });
    });

    it('notices events deleted from the end of a chain', async () => {
      const last = await seqOf(t.db, 'req-4');
      await t.db('events').where({ request_id: 'req-4' }).delete();
      const result = await verifyAuditChain(t.db);
      expect(result).toMatchObject({
        ok: false,
        brokenAt: { seq: last, reason: expect.stringMatching(/end were deleted/) },
      });
    });

    it('names the first event of a reordered pair', async () => {
      const a = await seqOf(t.db, 'req-0');
      const b = await seqOf(t.db, 'req-1');
      await t.db('events').where({ seq: a }).update({ seq: -1 });
      await t.db('events').where({ seq: b }).update({ seq: a });
      await t.db('events').where({ seq: -1 }).update({ seq: b });
      const result = await verifyAuditChain(t.db);
      expect(result).toMatchObject({
        ok: false,
        brokenAt: { seq: a, id: expect.any(String), reason: expect.stringMatching(/reordered/) },
      });
    });

    it('notices an event inserted with a forged place in the chain', async () => {
      const row: Record<string, unknown> = await t.db('events').where({ request_id: 'req-5' }).first();
      await t.db('events').insert({ ...row, seq: undefined, id: 'forged', request_id: 'forged' });
      const result = await verifyAuditChain(t.db);
      expect(result).toMatchObject({ ok: false, brokenAt: { id: 'forged' } });
    });
  });

  describe('retention', () => {
    it('prunes old events and emptied sessions, and the rest still verifies', async () => {
      const old = (i: number) =>
        recordInput({
          requestId: `old-${i}`,
          time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
          agent: agent({ tokenId: 'old-token' }),
        });
      await recordAll(t.db, [old(0), old(1), ...mixedInputs(), old(2)]);

      const result = await pruneEvents(t.db, new Date(Date.UTC(2026, 5, 1)));
      // old-2 was stored after younger events: pruning keeps a chain suffix, so it (and its session) stays.
      expect(result).toEqual({ events: 2, sessions: 0 });
      expect(await verifyAuditChain(t.db)).toEqual({ ok: true, events: 7 });

      const rest = await pruneEvents(t.db, new Date(Date.UTC(2027, 0, 1)));
      // The old token's session, and tok-1's sessions on prod and on staging.
      expect(rest).toEqual({ events: 7, sessions: 3 });
      expect(await verifyAuditChain(t.db)).toEqual({ ok: true, events: 0 });

      // Recording continues from the anchor, and tampering is still caught after pruning.
      await recordAll(t.db, [recordInput({ requestId: 'after' }), recordInput({ requestId: 'after-2' })]);
      expect(await verifyAuditChain(t.db)).toEqual({ ok: true, events: 2 });
      await t.db('events').where({ request_id: 'after' }).delete();
      expect(await verifyAuditChain(t.db)).toMatchObject({ ok: false });
    });

    it('prunes in batches, each leaving a verifiable chain', async () => {
      await recordAll(
        t.db,
        [1, 2, 3, 4, 5].map((day) =>
          recordInput({ requestId: `old-${day}`, time: new Date(Date.UTC(2020, 0, day)) }),
        ),
      );
      await recordAll(t.db, [recordInput({ requestId: 'young', time: new Date(Date.UTC(2030, 0, 1)) })]);
      const result = await pruneEvents(t.db, new Date(Date.UTC(2021, 0, 1)), new Date(), 2);
      expect(result.events).toBe(5);
      expect(await verifyAuditChain(t.db)).toEqual({ ok: true, events: 1 });
    });

    it('runs on a schedule until stopped', async () => {
      await recordAll(t.db, [recordInput({ requestId: 'ancient', time: new Date(Date.UTC(2020, 0, 1)) })]);
      const pruned: number[] = [];
      const stop = startRetentionSchedule(t.db, {
        olderThanSeconds: 3600,
        everySeconds: 3600,
        onPruned: (r) => pruned.push(r.events),
      });
      await expect.poll(() => pruned.length, { timeout: 5000 }).toBe(1);
      await stop();
      expect(pruned).toEqual([1]);
      expect(await verifyAuditChain(t.db)).toEqual({ ok: true, events: 0 });
    });
  });

  describe('sessions', () => {
    const bob = agent({
      name: 'deploy-bot',
      subject: 'deploy-bot',
      owner: 'bob@example.com',
      tokenId: 'tok-b',
    });

    beforeEach(async () => {
      await recordAll(t.db, [
        recordInput({ requestId: 'a1', time: at(1) }),
        recordInput({ requestId: 'a2', time: at(5), decision: decision('deny'), status: 403 }),
        recordInput({
          requestId: 'a3',
          time: at(3),
          decision: decision('review'),
          reviewId: 'rev-1',
          status: 500,
          request: request({ method: 'DELETE', verb: 'delete', namespace: 'payments', name: 'web' }),
        }),
        recordInput({ requestId: 'a-token2', time: at(10), agent: agent({ tokenId: 'tok-2' }) }),
        recordInput({ requestId: 'a-named', time: at(20), sessionHint: 'incident-42' }),
        recordInput({ requestId: 'b1', time: at(30), agent: bob, cluster: 'staging' }),
      ]);
    });

    it('groups per credential or explicit session name, with counts and activity span', async () => {
      const session = await getSession(t.db, sessionIdFor(recordInput()));
      expect(session).toMatchObject({
        agent: 'ci-bot',
        owner: 'alice@example.com',
        tokenId: 'tok-1',
        cluster: 'prod',
        startedAt: at(1),
        lastActivity: at(5),
        counts: { allowed: 1, reviewed: 1, denied: 1, failed: 1 },
        events: 3,
      });
      const named = await getSession(t.db, sessionIdFor({ ...recordInput(), sessionHint: 'incident-42' }));
      expect(named).toMatchObject({ label: 'incident-42', events: 1 });
      expect(Number((await t.db('sessions').count({ n: '*' }).first())?.n)).toBe(4);
      const agents: { name: string }[] = await t.db('agents').select('name').orderBy('name');
      expect(agents.map((a) => a.name)).toEqual(['ci-bot', 'deploy-bot']);
    });

    it('filters by agent, owner, cluster, namespace, status and activity, newest first', async () => {
      const ids = async (filter: Parameters<typeof querySessions>[1]) =>
        (await querySessions(t.db, filter)).sessions.map((s) => s.label ?? `${s.agent}/${s.tokenId}`);
      const page = { limit: 10, offset: 0 };
      expect(await ids(page)).toEqual(['deploy-bot/tok-b', 'incident-42', 'ci-bot/tok-2', 'ci-bot/tok-1']);
      expect(await ids({ ...page, agent: 'deploy-bot' })).toEqual(['deploy-bot/tok-b']);
      expect(await ids({ ...page, owner: 'alice@example.com' })).toHaveLength(3);
      expect(await ids({ ...page, cluster: 'staging' })).toEqual(['deploy-bot/tok-b']);
      expect(await ids({ ...page, namespace: 'payments' })).toEqual(['ci-bot/tok-1']);
      expect(await ids({ ...page, status: 'denied' })).toEqual(['ci-bot/tok-1']);
      expect(await ids({ ...page, status: 'failed' })).toEqual(['ci-bot/tok-1']);
      expect(await ids({ ...page, status: 'reviewed' })).toEqual(['ci-bot/tok-1']);
      expect(await ids({ ...page, since: at(15) })).toEqual(['deploy-bot/tok-b', 'incident-42']);
    });

    it('pages with hasMore', async () => {
      const first = await querySessions(t.db, { limit: 3, offset: 0 });
      const second = await querySessions(t.db, { limit: 3, offset: 3 });
      expect([first.sessions.length, first.hasMore, second.sessions.length, second.hasMore]).toEqual([
        3,
        true,
        1,
        false,
      ]);
    });

    it('asks the review engine which sessions wait on a pending review', async () => {
      const waiting = sessionIdFor({ ...recordInput(), sessionHint: 'incident-42' });
      const page = await querySessions(
        t.db,
        { status: 'pending', limit: 10, offset: 0 },
        { sessionIdsWithPendingReviews: async () => [waiting] },
      );
      expect(page.sessions.map((s) => s.id)).toEqual([waiting]);
      await expect(querySessions(t.db, { status: 'pending', limit: 10, offset: 0 })).rejects.toBeInstanceOf(
        SessionQueryError,
      );
    });

    it('lists a session’s events in the order they started, with their classification and total', async () => {
      const session = sessionIdFor(recordInput());
      // Recorded as they finished (a1, a2, a3); a3 started before a2.
      const all = await listSessionEvents(t.db, session, { offset: 0, limit: 10 });
      expect(all.events.map((e) => e.requestId)).toEqual(['a1', 'a3', 'a2']);
      const { events, total } = await listSessionEvents(t.db, session, { offset: 2, limit: 1 });
      expect(total).toBe(3);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        requestId: 'a2',
        decision: 'deny',
        status: 403,
        time: at(5),
        dryRun: false,
      });
    });
  });

  it('its migration goes down and up again', async () => {
    await recordAll(t.db, mixedInputs());
    await t.db.migrate.down({ migrationSource, name: '20261128_031_recording_chain' });
    expect(await t.db.schema.hasTable('chain_heads')).toBe(false);
    expect(await t.db.schema.hasColumn('sessions', 'label')).toBe(false);
    await migrate(t.db);
    expect(await t.db.schema.hasTable('chain_heads')).toBe(true);
    expect(await t.db.schema.hasColumn('sessions', 'label')).toBe(true);
  });

  describe('bodies', () => {
    it('stores bodies according to the recording level, capped with a truncation marker', async () => {
      const big = { kind: 'List', items: Array.from({ length: 50 }, (_, i) => ({ name: `item-${i}` })) };
      await recordAll(
        t.db,
        [
          recordInput({
            requestId: 'meta',
            decision: decision('allow', 'metadata'),
            requestBody: { a: 1 },
            responseBody: 'x',
          }),
          recordInput({
            requestId: 'req',
            decision: decision('allow', 'request'),
            requestBody: { a: 1 },
            responseBody: 'x',
          }),
          recordInput({
            requestId: 'full',
            decision: decision('allow', 'request-response'),
            requestBody: { a: 1 },
            responseBody: big,
          }),
          recordInput({ requestId: 'silent', decision: decision('allow', 'none') }),
          recordInput({
            requestId: 'silent-denied',
            decision: decision('deny', 'none'),
            status: 403,
            responseBody: 'x',
          }),
        ],
        { maxBodyBytes: 200 },
      );
      const { events } = await listSessionEvents(t.db, sessionIdFor(recordInput()), { offset: 0, limit: 10 });
      const byId = new Map(events.map((e) => [e.requestId, e]));
      expect(byId.get('meta')).not.toHaveProperty('requestBody');
      expect(byId.get('meta')).not.toHaveProperty('responseBody');
      expect(byId.get('req')).toMatchObject({ requestBody: '{"a":1}' });
      expect(byId.get('req')).not.toHaveProperty('responseBody');
      const full = byId.get('full')?.responseBody ?? '';
      expect(full.startsWith('{"kind":"List","items":[{"name":"item-0"}')).toBe(true);
      expect(full).toMatch(/…\[truncated by airlock: \d+ bytes, first 200 kept\]$/);
      expect(byId.has('silent')).toBe(false);
      expect(byId.get('silent-denied')).toMatchObject({ recordingLevel: 'metadata' });
      expect(await verifyAuditChain(t.db)).toEqual({ ok: true, events: 4 });
    });
  });
});
