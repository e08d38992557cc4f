import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as audit from '../../src/cli/commands/audit.js';
import * as prune from '../../src/cli/commands/prune.js';
import * as sessions from '../../src/cli/commands/sessions.js';
import { createDatabase, migrate, type Database } from '../../src/db/database.js';
import { sessionIdFor } from '../../src/recording/draft.js';
import { PeopleDirectory } from '../../src/reviews/people.js';
import { createRecorder } from '../../src/recording/recorder.js';
import { sealChainHeads } from '../../src/recording/seals.js';
import { decision, recordInput, request } from '../unit/recording/fixtures.js';

/** Runs `airlock …` in-process with the three command modules registered, capturing stdout. */
async function airlock(db: Database, ...args: string[]): Promise<string> {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  const program = new Command('airlock').exitOverride().configureOutput({ writeErr: () => undefined });
  const ctx = {
    database: async () => db,
    people: () => new PeopleDirectory([]),
    sealKey: () => undefined,
    stdout,
  };
  for (const commands of [sessions, audit, prune]) commands.register(program, ctx);
  await program.parseAsync(['node', 'airlock', ...args]);
  return Buffer.concat(chunks).toString('utf8');
}

describe('airlock sessions / audit / prune', () => {
  let dir: string;
  let db: Database;
  const sessionId = sessionIdFor(recordInput());
  const now = Date.now();
  const ago = (seconds: number) => new Date(now - seconds * 1000);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-cli-'));
    db = createDatabase(join(dir, 'airlock.db'));
    await migrate(db);
    const recorder = createRecorder(db, { batchMs: 5 });
    recorder.record(
      recordInput({
        requestId: 'old',
        time: new Date(Date.UTC(2020, 0, 1)),
        agent: { ...recordInput().agent, tokenId: 'old' },
      }),
    );
    recorder.record(
      recordInput({
        requestId: 'r1',
        time: ago(600),
        request: request({ verb: 'get', name: 'web', namespace: 'prod' }),
      }),
    );
    recorder.record(
      recordInput({
        requestId: 'r2',
        time: ago(590),
        decision: decision('review', 'request-response', 'prod-deletes'),
        reviewId: 'rev-1',
        request: request({
          method: 'DELETE',
          verb: 'delete',
          group: 'apps',
          resource: 'deployments',
          name: 'web',
          namespace: 'prod',
        }),
        requestBody: { propagationPolicy: 'Foreground' },
      }),
    );
    recorder.record(
      recordInput({
        requestId: 'r3',
        time: ago(580),
        decision: decision('deny', 'metadata', 'no-exec'),
        status: 403,
        request: request({
          verb: 'get',
          name: 'web',
          namespace: 'prod',
          subresource: 'exec',
          query: 'command=sh&command=-c&command=id',
        }),
      }),
    );
    await recorder.close();
  });

  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists sessions as a table, filtered, and as JSON', async () => {
    const table = await airlock(db, 'sessions', 'list', '--since', '1h');
    expect(table).toMatch(
      new RegExp(`^${sessionId}\\s+ci-bot\\s+alice@example.com\\s+prod\\s.*\\s3\\s+1\\s+1\\s+1\\s+0$`, 'm'),
    );
    expect(table.split('\n').filter(Boolean)).toHaveLength(2); // the 2020 session is older than 1h

    const denied = JSON.parse(await airlock(db, 'sessions', 'list', '--status', 'denied', '--json')) as {
      sessions: { id: string; counts: { denied: number } }[];
      hasMore: boolean;
    };
    expect(denied.sessions.map((s) => s.id)).toEqual([sessionId]);
    expect(denied.hasMore).toBe(false);
  });

  it('rejects malformed filters with the accepted form', async () => {
    await expect(airlock(db, 'sessions', 'list', '--since', 'yesterday')).rejects.toThrow(/not a duration/);
    await expect(airlock(db, 'sessions', 'list', '--status', 'weird')).rejects.toThrow(
      /Allowed choices are denied, reviewed, pending, failed/,
    );
  });

  it('shows a session summary with its steps', async () => {
    const text = await airlock(db, 'sessions', 'show', sessionId);
    expect(text).toContain(`Session ${sessionId}`);
    expect(text).toMatch(/1\s+\+0:00\.000\s+get pods prod\/web\s+allow \(default\)\s+200/);
    expect(text).toMatch(/3\s+\+0:20\.000\s+get pods\/exec prod\/web\s+deny \(no-exec\)\s+403/);
    await expect(airlock(db, 'sessions', 'show', 'nope')).rejects.toBeInstanceOf(
      sessions.UnknownSessionError,
    );
  });

  it('replays every step with bodies and kubectl equivalents, from a chosen step', async () => {
    const all = await airlock(db, 'sessions', 'replay', sessionId, '--speed', '0');
    expect(all.match(/── step \d\/3/g)).toEqual(['── step 1/3', '── step 2/3', '── step 3/3']);
    expect(all).toContain('kubectl:  kubectl delete deployment web -n prod');
    expect(all).toContain('request body:\n  {\n    "propagationPolicy": "Foreground"\n  }');
    expect(all).toContain('kubectl:  kubectl exec web -n prod -- sh -c id');
    expect(all).toContain('decision: denied by rule "no-exec"');

    const fromTwo = await airlock(db, 'sessions', 'replay', sessionId, '--speed', '0', '--from', '2');
    expect(fromTwo.match(/── step \d\/3/g)).toEqual(['── step 2/3', '── step 3/3']);
  });

  it('waits between steps according to --speed', async () => {
    const started = Date.now();
    await airlock(db, 'sessions', 'replay', sessionId, '--speed', '25');
    // Two 10 s gaps, each capped at 5 s, at 25× speed: about 400 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('verifies the audit chain, and exits with the first broken link after tampering', async () => {
    expect(await airlock(db, 'audit', 'verify')).toBe('audit chain intact: 4 events verified\n');
    await db('events').where({ request_id: 'r2' }).update({ status: 200, decision: 'allow' });
    const seq = Number((await db('events').where({ request_id: 'r2' }).first('seq'))?.seq);
    const failure = airlock(db, 'audit', 'verify');
    await expect(failure).rejects.toBeInstanceOf(audit.AuditChainBrokenError);
    await expect(failure).rejects.toThrow(new RegExp(`broken at event seq ${seq} .*was modified`));
  });

  it("checks the chain heads' seals with --seal-key-file, and refuses them with another key", async () => {
    const keyFile = join(dir, 'seal.key');
    writeFileSync(keyFile, 'the seal key');
    await sealChainHeads(db, Buffer.from('the seal key'), new Date());
    expect(await airlock(db, 'audit', 'verify', '--seal-key-file', keyFile)).toMatch(
      /^audit chain intact: 4 events verified; seals of 1 clusters authentic \(the oldest newest seal is from .*\)\n$/,
    );
    writeFileSync(keyFile, 'another key');
    await expect(airlock(db, 'audit', 'verify', '--seal-key-file', keyFile)).rejects.toThrow(
      /not signed with this key/,
    );
  });

  it('prunes by age and keeps the chain verifiable', async () => {
    expect(await airlock(db, 'prune', '--older-than', '30d')).toMatch(
      /^pruned, from before .*: 1 recorded events, 1 emptied sessions, 0 closed reviews, 0 review events, 0 finished Slack messages$/m,
    );
    expect(await airlock(db, 'audit', 'verify')).toBe('audit chain intact: 3 events verified\n');
    await expect(airlock(db, 'prune')).rejects.toThrow(/--older-than/);
  });
});
