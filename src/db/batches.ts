import type { Knex } from 'knex';
import type { Database } from './database.js';

/** Rows per pruning transaction: small enough that no reader or writer waits long on one. */
export const DEFAULT_PRUNE_BATCH = 500;

/**
 * Deletes the rows `where` selects, `batch` at a time, each batch its own statement (and so its own short
 * transaction), until a batch comes back short. Portable: `key IN (SELECT key … LIMIT n)` runs on SQLite and Postgres.
 */
export async function deleteInBatches(
  db: Database,
  table: string,
  key: string,
  batch: number,
  where: (query: Knex.QueryBuilder) => Knex.QueryBuilder,
): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await db(table)
      .whereIn(key, where(db(table).select(key)).limit(batch))
      .delete();
    total += deleted;
    if (deleted < batch) return total;
  }
}
