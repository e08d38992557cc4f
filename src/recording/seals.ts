/**
 * Tamper evidence that survives someone who can write the database: the hash chain alone does not (whoever can
 * edit an event can recompute every later hash and the head). `serve` periodically seals each chain head, signing
 * (cluster, seq, hash, time) with a key that lives outside the database; `airlock audit verify --seal-key-file`
 * checks that the newest seal of every cluster is authentic and still matches the stored chain. Events recorded
 * after the newest seal are protected by the chain only until the next seal.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import type { Database } from '../db/database.js';
import { startHousekeeping } from '../db/housekeeping.js';
import { readChainHeads } from './chain-heads.js';

interface SealRow {
  cluster: string;
  seq: number | string;
  hash: string;
  sealed_at: number | string;
  signature: string;
}

function sign(key: Buffer, seal: Omit<SealRow, 'signature'>): string {
  const message = JSON.stringify([seal.cluster, Number(seal.seq), seal.hash, Number(seal.sealed_at)]);
  return createHmac('sha256', key).update(message).digest('hex');
}

/** Seals every chain head that changed since its last seal; returns how many seals were added. */
export async function sealChainHeads(db: Database, key: Buffer, now: Date): Promise<number> {
  let sealed = 0;
  for (const head of await readChainHeads(db)) {
    if (head.lastSeq === 0) continue;
    const last = (await db('chain_seals')
      .where({ cluster: head.cluster })
      .orderBy('id', 'desc')
      .first('seq', 'hash')) as { seq: number | string; hash: string } | undefined;
    if (last && Number(last.seq) === head.lastSeq && last.hash === head.lastHash) continue;
    const seal = { cluster: head.cluster, seq: head.lastSeq, hash: head.lastHash, sealed_at: now.getTime() };
    await db('chain_seals').insert({ ...seal, signature: sign(key, seal) });
    sealed += 1;
  }
  return sealed;
}

export interface SealProblem {
  cluster: string;
  /** The sealed event's seq. */
  seq: number;
  reason: string;
}

/**
 * Checks the newest seal of every cluster in `trx`'s snapshot: signed with `key`, and naming an event that is
 * still stored with that hash (or the pruning anchor). Returns the first problem, or how many clusters were sealed.
 */
export async function verifySeals(
  trx: Knex.Transaction,
  key: Buffer,
): Promise<{ ok: true; sealed: number; oldest?: Date } | { ok: false; problem: SealProblem }> {
  const heads = new Map((await readChainHeads(trx)).map((h) => [h.cluster, h]));
  const newest: SealRow[] = await trx('chain_seals').whereIn(
    'id',
    trx('chain_seals').max('id').groupBy('cluster'),
  );
  let oldest: Date | undefined;
  for (const seal of newest) {
    const seq = Number(seal.seq);
    const fail = (reason: string) => ({
      ok: false as const,
      problem: { cluster: seal.cluster, seq, reason },
    });
    const expected = Buffer.from(sign(key, seal), 'hex');
    const actual = Buffer.from(seal.signature, 'hex');
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected))
      return fail('its newest seal is not signed with this key: the seal was forged or the key is wrong');
    const head = heads.get(seal.cluster);
    if (head && seq <= head.anchorSeq) {
      if (seq === head.anchorSeq && seal.hash !== head.anchorHash)
        return fail(`the pruning anchor at seq ${seq} differs from what was sealed: the chain was rewritten`);
    } else {
      const event = (await trx('events').where({ cluster: seal.cluster, seq }).first('hash')) as
        { hash: string } | undefined;
      if (!event) return fail(`sealed event seq ${seq} is gone: events were deleted and the chain rewritten`);
      if (event.hash !== seal.hash)
        return fail(`sealed event seq ${seq} no longer has its sealed hash: the chain was rewritten`);
    }
    const at = new Date(Number(seal.sealed_at));
    if (!oldest || at < oldest) oldest = at;
  }
  return { ok: true, sealed: newest.length, ...(oldest ? { oldest } : {}) };
}

/** Seals every `everySeconds` (and once at start) until stopped, then once more; failures are reported. */
export function startSealSchedule(
  db: Database,
  key: Buffer,
  everySeconds: number,
  onError: (err: Error) => void,
): () => Promise<void> {
  const seal = (): Promise<void> =>
    sealChainHeads(db, key, new Date()).then(
      () => undefined,
      (err: unknown) => onError(err instanceof Error ? err : new Error(String(err))),
    );
  const stop = startHousekeeping(everySeconds, seal);
  return async () => {
    await stop();
    // A last seal on the way out covers what was recorded since the previous one.
    await seal();
  };
}
