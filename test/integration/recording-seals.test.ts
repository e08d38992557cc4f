/**
 * Seals: someone who can write the database can rewrite events and recompute every hash so the chain verifies,
 * but cannot forge the seal of a chain head without the key kept outside the database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/database.js';
import { eventHash } from '../../src/recording/chain.js';
import { createRecorder } from '../../src/recording/recorder.js';
import { readEventRow } from '../../src/recording/rows.js';
import { sealChainHeads } from '../../src/recording/seals.js';
import { verifyAuditChain } from '../../src/recording/verify.js';
import { recordInput } from '../unit/recording/fixtures.js';

const KEY = Buffer.from('a key that lives outside the database');

describe('chain seals', () => {
  let dir: string;
  let db: Database;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-seals-'));
    db = await openDatabase(join(dir, 'airlock.db'));
    const recorder = createRecorder(db, { batchMs: 5 });
    for (const requestId of ['a', 'b', 'c']) recorder.record(recordInput({ requestId }));
    await recorder.close();
    expect(await sealChainHeads(db, KEY, new Date())).toBe(1);
  });

  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What an admin without the key can do: change an event and recompute its hash, every later one and the head. */
  async function rewriteChain(change: (row: Record<string, unknown>) => void): Promise<void> {
    const rows: Record<string, unknown>[] = await db('events').orderBy('seq');
    let prev = String(rows[0]!['prev_hash']);
    for (const [i, raw] of rows.entries()) {
      if (i === 0) change(raw);
      const { seq: _seq, hash: _hash, prev_hash: _prev, ...content } = readEventRow(raw);
      const hash = eventHash(content, prev);
      await db('events')
        .where({ seq: raw['seq'] })
        .update({ ...raw, prev_hash: prev, hash });
      prev = hash;
    }
    await db('chain_heads').update({ last_hash: prev });
  }

  it('verifies an untouched log and reports its seals', async () => {
    expect(await verifyAuditChain(db, KEY)).toMatchObject({ ok: true, events: 3, seals: { sealed: 1 } });
  });

  it('catches a consistently rewritten chain that the hash chain alone accepts', async () => {
    await rewriteChain((row) => (row['status'] = 200 + 1));
    expect(await verifyAuditChain(db)).toEqual({ ok: true, events: 3 });
    expect(await verifyAuditChain(db, KEY)).toMatchObject({
      ok: false,
      brokenAt: { reason: expect.stringMatching(/no longer has its sealed hash: the chain was rewritten/) },
    });
  });

  it('catches deleted tail events with the head moved back', async () => {
    const last: { seq: number; prev_hash: string } = await db('events').orderBy('seq', 'desc').first();
    await db('events').where({ seq: last.seq }).delete();
    await db('chain_heads').update({ last_seq: Number(last.seq) - 1, last_hash: last.prev_hash });
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, events: 2 });
    expect(await verifyAuditChain(db, KEY)).toMatchObject({
      ok: false,
      brokenAt: { reason: expect.stringMatching(/is gone: events were deleted/) },
    });
  });

  it('catches a seal forged without the key', async () => {
    await rewriteChain((row) => (row['status'] = 299));
    await sealChainHeads(db, Buffer.from('a guessed key'), new Date(Date.now() + 1000));
    expect(await verifyAuditChain(db, KEY)).toMatchObject({
      ok: false,
      brokenAt: { reason: expect.stringMatching(/not signed with this key/) },
    });
  });
});
