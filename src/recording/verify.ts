import type { Knex } from 'knex';
import type { Database } from '../db/database.js';
import { eventHash } from './chain.js';
import { readChainHeads, type ChainHead } from './chain-heads.js';
import { readEventRow, type StoredEventRow } from './rows.js';
import { verifySeals } from './seals.js';

export interface BrokenLink {
  seq: number;
  id: string;
  reason: string;
}

/** With a seal key: how many clusters have an authentic newest seal, and when the oldest of those was made. */
export interface SealSummary {
  sealed: number;
  oldest?: Date;
}

export type ChainVerification =
  { ok: true; events: number; seals?: SealSummary } | { ok: false; brokenAt: BrokenLink };

const PAGE = 500;

interface ChainCursor {
  head: ChainHead;
  /** Hash the next event of this cluster must name as `prev_hash`. */
  expected: string;
  /** Seq of the event that produced `expected` (the anchor at the start). */
  previousSeq: number;
}

/** Checks one event against its cluster's chain; advances the cursor when it holds. */
function checkEvent(cursors: Map<string, ChainCursor>, raw: Record<string, unknown>): BrokenLink | undefined {
  let row: StoredEventRow;
  try {
    row = readEventRow(raw);
  } catch (err) {
    return {
      seq: Number(raw['seq']),
      id: String(raw['id']),
      reason: `the row was altered: ${(err as Error).message}`,
    };
  }
  const at = { seq: row.seq, id: row.id };
  const cursor = cursors.get(row.cluster);
  if (!cursor) {
    return {
      ...at,
      reason: `cluster "${row.cluster}" has no chain head: the event was inserted outside Airlock`,
    };
  }
  if (row.seq <= cursor.head.anchorSeq) {
    return {
      ...at,
      reason: `the event lies before the pruning anchor of cluster "${row.cluster}" (seq ${cursor.head.anchorSeq}): it was inserted afterwards`,
    };
  }
  const { seq: _seq, prev_hash, hash, ...content } = row;
  if (eventHash(content, prev_hash) !== hash) {
    return { ...at, reason: 'the stored content does not match its hash: the event was modified' };
  }
  if (prev_hash !== cursor.expected) {
    return {
      ...at,
      reason:
        `the event does not follow the previous event of cluster "${row.cluster}" (seq ${cursor.previousSeq}): ` +
        'an event between them was deleted or inserted, or events were reordered',
    };
  }
  cursor.expected = hash;
  cursor.previousSeq = row.seq;
  return undefined;
}

/** After the walk every chain must end exactly where its head says it does. */
function checkTail(cursor: ChainCursor): BrokenLink | undefined {
  if (cursor.expected === cursor.head.lastHash) return undefined;
  return {
    seq: cursor.head.lastSeq,
    id: cursor.head.lastEventId ?? '',
    reason:
      `the chain of cluster "${cursor.head.cluster}" stops at seq ${cursor.previousSeq}, but its head records ` +
      `seq ${cursor.head.lastSeq} as the last event: events at the end were deleted`,
  };
}

async function walk(trx: Knex.Transaction): Promise<ChainVerification> {
  const heads = await readChainHeads(trx);
  const cursors = new Map<string, ChainCursor>(
    heads.map((head) => [head.cluster, { head, expected: head.anchorHash, previousSeq: head.anchorSeq }]),
  );
  let events = 0;
  let after = 0;
  for (;;) {
    const page: Record<string, unknown>[] = await trx('events')
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(PAGE);
    for (const raw of page) {
      const broken = checkEvent(cursors, raw);
      if (broken) return { ok: false, brokenAt: broken };
      events += 1;
    }
    const last = page.at(-1);
    if (!last || page.length < PAGE) break;
    after = Number(last['seq']);
  }
  for (const cursor of cursors.values()) {
    const broken = checkTail(cursor);
    if (broken) return { ok: false, brokenAt: broken };
  }
  return { ok: true, events };
}

/**
 * Walks every cluster's chain in insertion order and names the first broken link: a modified, deleted,
 * inserted or reordered event. With `sealKey`, also checks the chain heads' seals (see seals.ts), which catches
 * a chain rewritten consistently by someone with write access to the database. Runs in one snapshot so batches
 * committed meanwhile do not look like tampering.
 */
export async function verifyAuditChain(db: Database, sealKey?: Buffer): Promise<ChainVerification> {
  const isPostgres = db.client.config.client === 'pg';
  return db.transaction(
    async (trx) => {
      const chain = await walk(trx);
      if (!chain.ok || !sealKey) return chain;
      const seals = await verifySeals(trx, sealKey);
      if (!seals.ok) {
        const { cluster, seq, reason } = seals.problem;
        return { ok: false, brokenAt: { seq, id: '', reason: `cluster "${cluster}": ${reason}` } };
      }
      const { sealed, oldest } = seals;
      return { ...chain, seals: { sealed, ...(oldest ? { oldest } : {}) } };
    },
    isPostgres ? { isolationLevel: 'repeatable read', readOnly: true } : {},
  );
}
