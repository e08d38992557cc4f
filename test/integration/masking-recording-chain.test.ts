import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.js';
import { verifyAuditChain } from '../../src/recording/verify.js';
import { startHarness, type Harness } from '../support/airlock-harness.js';
import { startFakeApiServer, type FakeApiServer } from '../support/fake-apiserver/index.js';

/** The session log written by real kubectl traffic: its hash chain, the `audit verify` CLI, and restarts. */

const POLICY = `
apiVersion: airlock.dev/v1
kind: Policy
rules:
  - name: discovery
    match: { nonResourceURLs: ['*'] }
    action: allow
    recording: { level: none }
  - name: no-configmap-deletes
    match: { verbs: [delete], resources: [configmaps] }
    action: deny
    message: configmaps are managed by the platform team
  - name: everything-else
    match: {}
    action: allow
    recording: { level: request }
`;

const CLI = resolve('dist/src/cli/main.js');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `airlock audit verify` as an operator runs it: the built CLI, configured by environment only. */
function auditVerify(dataDir: string): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [CLI, 'audit', 'verify'],
      {
        cwd: dataDir,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', AIRLOCK_DATA_DIR: dataDir },
        timeout: 30_000,
      },
      (err, stdout, stderr) =>
        done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

interface EventRow {
  seq: number;
  id: string;
  session_id: string;
  method: string;
  resource: string;
  name: string;
  decision: string;
  status: number;
}

async function events(db: Database): Promise<EventRow[]> {
  return db('events')
    .orderBy('seq')
    .select('seq', 'id', 'session_id', 'method', 'resource', 'name', 'decision', 'status');
}

/** Opens a copy of the database in its own data dir, so each tampering starts from the same intact log. */
async function copyOf(dbFile: string, root: string, name: string): Promise<{ dir: string; db: Database }> {
  const dir = join(root, name);
  await mkdir(dir);
  await copyFile(dbFile, join(dir, 'airlock.db'));
  return { dir, db: createDatabase(join(dir, 'airlock.db')) };
}

const configMap = (name: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name}, namespace: default }\ndata: { color: blue }\n`;

describe('hash chain over real kubectl traffic', () => {
  let root: string;
  let dbFile: string;
  let recorded: EventRow[];

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm test runs the build)`);
    root = await mkdtemp(join(tmpdir(), 'airlock-chain-'));
    const dir = join(root, 'live');
    await mkdir(dir);
    const h = await startHarness({ policy: POLICY, dir });
    for (const args of [
      ['create', '-f', '-'],
      ['get', 'configmap', 'settings'],
      ['delete', 'configmap', 'settings'],
      ['get', 'configmaps', '-o', 'yaml'],
      ['label', 'configmap', 'settings', 'tier=web'],
      ['get', 'pods'],
    ]) {
      // Each call mints its own token, so each is its own session: several sessions, one cluster chain.
      // Only `create` reads the manifest on stdin.
      await h.kubectl(args, { input: configMap('settings') });
    }
    await h.close();
    dbFile = join(dir, 'airlock.db');
    const db = createDatabase(dbFile);
    recorded = await events(db);
    await db.destroy();
  });

  afterAll(async () => rm(root, { recursive: true, force: true }));

  it('verifies the untouched log, in process and with `airlock audit verify`', async () => {
    expect(recorded.map(({ method, resource, decision }) => `${method} ${resource} ${decision}`)).toEqual([
      'POST configmaps allow',
      'GET configmaps allow',
      'DELETE configmaps deny',
      'GET configmaps allow',
      'GET configmaps allow',
      'PATCH configmaps allow',
      'GET pods allow',
    ]);
    const { dir, db } = await copyOf(dbFile, root, 'intact');
    await expect(verifyAuditChain(db)).resolves.toEqual({ ok: true, events: recorded.length });
    await db.destroy();
    const cli = await auditVerify(dir);
    expect(cli).toEqual({
      code: 0,
      stdout: `audit chain intact: ${recorded.length} events verified\n`,
      stderr: '',
    });
  });

  it('names a modified event', async () => {
    const victim = recorded[2]!;
    const { dir, db } = await copyOf(dbFile, root, 'modified');
    // What someone hiding a denial would do.
    await db('events').where({ seq: victim.seq }).update({ decision: 'allow', status: 200 });
    const result = await verifyAuditChain(db);
    await db.destroy();
    expect(result).toEqual({
      ok: false,
      brokenAt: {
        seq: victim.seq,
        id: victim.id,
        reason: expect.stringContaining('was modified') as unknown,
      },
    });
    const cli = await auditVerify(dir);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toBe(
      `airlock: audit chain broken at event seq ${victim.seq} (id ${victim.id}): the stored content does not match its hash: the event was modified\n`,
    );
  });

  it('names the event after a deleted one', async () => {
    const [deleted, next] = [recorded[1]!, recorded[2]!];
    const { dir, db } = await copyOf(dbFile, root, 'deleted');
    await db('events').where({ seq: deleted.seq }).delete();
    const result = await verifyAuditChain(db);
    await db.destroy();
    expect(result).toMatchObject({ ok: false, brokenAt: { seq: next.seq, id: next.id } });
    const cli = await auditVerify(dir);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(`audit chain broken at event seq ${next.seq} (id ${next.id})`);
    expect(cli.stderr).toContain('deleted or inserted, or events were reordered');
  });

  it('names the first event of a reordered pair', async () => {
    const [first, second] = [recorded[3]!, recorded[4]!];
    const { dir, db } = await copyOf(dbFile, root, 'reordered');
    // Swap their places in the log: seq is the order verification walks.
    await db.transaction(async (trx) => {
      await trx('events').where({ seq: first.seq }).update({ seq: -1 });
      await trx('events').where({ seq: second.seq }).update({ seq: first.seq });
      await trx('events').where({ seq: -1 }).update({ seq: second.seq });
    });
    const result = await verifyAuditChain(db);
    await db.destroy();
    expect(result).toMatchObject({ ok: false, brokenAt: { seq: first.seq, id: second.id } });
    const cli = await auditVerify(dir);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(`audit chain broken at event seq ${first.seq} (id ${second.id})`);
  });
});

describe('recording across a graceful restart', () => {
  let dir: string;
  let fake: FakeApiServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-restart-'));
    fake = await startFakeApiServer();
  });

  afterAll(async () => {
    await fake?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps every event of both runs in one verifiable chain and one session, flushing the last batch on close', async () => {
    const first: Harness = await startHarness({ policy: POLICY, dir, fake });
    // One credential for both runs: the session is per token.
    const token = await first.mint({ agent: 'restart-agent', owner: 'ops@example.com' });
    const run = (h: Harness, args: string[]) => h.kubectl(args, { token, input: configMap('restarted') });
    await run(first, ['create', '-f', '-']);
    await run(first, ['get', 'configmap', 'restarted']);
    await run(first, ['delete', 'configmap', 'restarted']);
    await first.close();

    // A batch window far longer than the test: run two's events can only be stored by the flush on close.
    const second = await startHarness({ policy: POLICY, dir, fake, config: { recording: { batch: 600 } } });
    const firstRun = await events(second.airlock.db);
    expect(firstRun).toHaveLength(3);
    await run(second, ['get', 'configmap', 'restarted']);
    await run(second, ['label', 'configmap', 'restarted', 'restarted=yes']);
    await run(second, ['delete', 'configmap', 'restarted']);
    expect(await events(second.airlock.db)).toEqual(firstRun);
    await second.close();

    const db = createDatabase(join(dir, 'airlock.db'));
    try {
      const all = await events(db);
      expect(all.map(({ method, name, decision, status }) => [method, name, decision, status])).toEqual([
        ['POST', '', 'allow', 201],
        ['GET', 'restarted', 'allow', 200],
        ['DELETE', 'restarted', 'deny', 403],
        // second run
        ['GET', 'restarted', 'allow', 200],
        ['GET', 'restarted', 'allow', 200],
        ['PATCH', 'restarted', 'allow', 200],
        ['DELETE', 'restarted', 'deny', 403],
      ]);
      expect(all.slice(0, firstRun.length)).toEqual(firstRun);
      await expect(verifyAuditChain(db)).resolves.toEqual({ ok: true, events: all.length });
      const sessions: Record<string, unknown>[] = await db('sessions').select();
      expect(sessions).toEqual([
        expect.objectContaining({
          id: all[0]!.session_id,
          agent_name: 'restart-agent',
          owner: 'ops@example.com',
          allowed: 5,
          reviewed: 0,
          denied: 2,
          failed: 0,
          event_count: 7,
        }),
      ]);
      expect(new Set(all.map((e) => e.session_id)).size).toBe(1);
    } finally {
      await db.destroy();
    }
  });
});
