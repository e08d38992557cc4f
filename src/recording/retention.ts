import type { Database } from '../db/database.js';
import { DEFAULT_PRUNE_BATCH, deleteInBatches } from '../db/batches.js';
import { lockChainHeads } from './chain-heads.js';

export interface RecordingPruneResult {
  events: number;
  sessions: number;
}

/**
 * Drops up to `batch` of one cluster's oldest events, stopping before the first one that is still young, so what
 * remains is a suffix of the chain; the last dropped event's hash becomes the anchor verification starts from.
 * One short transaction per batch: the chain head stays locked only that long.
 */
async function pruneClusterBatch(
  db: Database,
  cluster: string,
  olderThan: Date,
  now: Date,
  batch: number,
): Promise<number> {
  return db.transaction(async (trx) => {
    const head = (await lockChainHeads(trx, [cluster], now)).get(cluster);
    if (!head) return 0;
    const firstKept: { seq: unknown } | undefined = await trx('events')
      .where({ cluster })
      .andWhere('time', '>=', olderThan)
      .orderBy('seq')
      .first('seq');
    const candidates: { seq: unknown; hash: string }[] = await trx('events')
      .where({ cluster })
      .modify((q) => {
        if (firstKept) q.andWhere('seq', '<', Number(firstKept.seq));
      })
      .orderBy('seq')
      .limit(batch)
      .select('seq', 'hash');
    const lastPruned = candidates.at(-1);
    if (!lastPruned) return 0;
    const anchorSeq = Number(lastPruned.seq);
    const pruned = await trx('events').where({ cluster }).andWhere('seq', '<=', anchorSeq).delete();
    await trx('chain_heads')
      .where({ cluster })
      .update({
        anchor_seq: anchorSeq,
        anchor_hash: lastPruned.hash,
        pruned_events: trx.raw('pruned_events + ?', [pruned]),
        updated_at: now,
      });
    return pruned;
  });
}

/** Deletes events older than `olderThan` (per cluster, keeping each chain verifiable) and sessions left empty. */
export async function pruneEvents(
  db: Database,
  olderThan: Date,
  now = new Date(),
  batch = DEFAULT_PRUNE_BATCH,
): Promise<RecordingPruneResult> {
  const clusters: { cluster: string }[] = await db('chain_heads').select('cluster').orderBy('cluster');
  let events = 0;
  for (const { cluster } of clusters) {
    for (let pruned = batch; pruned >= batch;) {
      pruned = await pruneClusterBatch(db, cluster, olderThan, now, batch);
      events += pruned;
    }
  }
  const sessions = await deleteInBatches(db, 'sessions', 'id', batch, (q) =>
    q
      .where('last_activity', '<', olderThan)
      .whereNotExists((e) =>
        e.select(db.raw('1')).from('events').whereRaw('events.session_id = sessions.id'),
      ),
  );
  return { events, sessions };
}
