import type { Knex } from 'knex';
import { GENESIS_HASH } from './canonical.js';

/** Where a cluster's chain currently ends, and where verification starts after pruning. */
export interface ChainHead {
  cluster: string;
  lastSeq: number;
  lastEventId: string | null;
  lastHash: string;
  anchorSeq: number;
  anchorHash: string;
}

function toChainHead(row: Record<string, unknown>): ChainHead {
  return {
    cluster: String(row['cluster']),
    lastSeq: Number(row['last_seq']),
    lastEventId: row['last_event_id'] === null ? null : String(row['last_event_id']),
    lastHash: String(row['last_hash']),
    anchorSeq: Number(row['anchor_seq']),
    anchorHash: String(row['anchor_hash']),
  };
}

/**
 * Locks the heads of `clusters` for the rest of the transaction, creating missing ones at genesis.
 * The insert comes first on purpose: on SQLite it takes the write lock before anything is read (so two
 * processes cannot both read the same head), on Postgres `FOR UPDATE` then makes a second replica wait
 * instead of forking the chain. Clusters are locked in sorted order so two batches cannot deadlock.
 */
export async function lockChainHeads(
  trx: Knex.Transaction,
  clusters: readonly string[],
  now: Date,
): Promise<Map<string, ChainHead>> {
  const sorted = [...new Set(clusters)].sort();
  for (const cluster of sorted) {
    await trx('chain_heads')
      .insert({ cluster, last_hash: GENESIS_HASH, anchor_hash: GENESIS_HASH, updated_at: now })
      .onConflict('cluster')
      .ignore();
  }
  const rows: Record<string, unknown>[] = await trx('chain_heads')
    .whereIn('cluster', sorted)
    .orderBy('cluster')
    .forUpdate();
  return new Map(rows.map((row) => [String(row['cluster']), toChainHead(row)]));
}

export async function readChainHeads(db: Knex): Promise<ChainHead[]> {
  const rows: Record<string, unknown>[] = await db('chain_heads').orderBy('cluster');
  return rows.map(toChainHead);
}
