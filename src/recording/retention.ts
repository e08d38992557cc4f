import type { Database } from '../db/database.js';
import { lockChainHeads } from './chain-heads.js';

export interface PruneResult {
  events: number;
  sessions: number;
}

/**
 * Drops one cluster's oldest events up to the first one that is still young, so what remains is a suffix of
 * the chain; the last dropped event's hash becomes the anchor verification starts from.
 */
async function pruneCluster(db: Database, cluster: string, olderThan: Date, now: Date): Promise<number> {
  return db.transaction(async (trx) => {
    const head = (await lockChainHeads(trx, [cluster], now)).get(cluster);
    if (!head) return 0;
    const firstKept: { seq: unknown } | undefined = await trx('events')
      .where({ cluster })
      .andWhere('time', '>=', olderThan)
      .orderBy('seq')
      .first('seq');
    const lastPruned: { seq: unknown; hash: string } | undefined = await trx('events')
      .where({ cluster })
      .modify((q) => {
        if (firstKept) q.andWhere('seq', '<', Number(firstKept.seq));
      })
      .orderBy('seq', 'desc')
      .first('seq', 'hash');
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
export async function pruneEvents(db: Database, olderThan: Date, now = new Date()): Promise<PruneResult> {
  const clusters: { cluster: string }[] = await db('chain_heads').select('cluster').orderBy('cluster');
  let events = 0;
  for (const { cluster } of clusters) events += await pruneCluster(db, cluster, olderThan, now);
  const sessions = await db('sessions')
    .where('last_activity', '<', olderThan)
    .whereNotExists((q) => q.select(db.raw('1')).from('events').whereRaw('events.session_id = sessions.id'))
    .delete();
  return { events, sessions };
}

export interface RetentionSchedule {
  olderThanSeconds: number;
  everySeconds: number;
  onPruned?: (result: PruneResult) => void;
  onError?: (err: Error) => void;
}

/**
 * Prunes once right away (a gateway restarted more often than `everySeconds` would otherwise never prune),
 * then every `everySeconds`; runs never overlap. The returned stop function resolves once a run in progress ends.
 */
export function startRetentionSchedule(db: Database, schedule: RetentionSchedule): () => Promise<void> {
  let running: Promise<void> | undefined;
  const run = (): void => {
    if (running) return;
    const olderThan = new Date(Date.now() - schedule.olderThanSeconds * 1000);
    running = pruneEvents(db, olderThan)
      .then(schedule.onPruned, (err: unknown) =>
        schedule.onError?.(err instanceof Error ? err : new Error(String(err))),
      )
      .finally(() => {
        running = undefined;
      });
  };
  const first = setTimeout(run, 0);
  const interval = setInterval(run, schedule.everySeconds * 1000);
  // Retention is housekeeping: it must never keep a process alive that is otherwise done.
  first.unref();
  interval.unref();
  return async () => {
    clearTimeout(first);
    clearInterval(interval);
    await running;
  };
}
