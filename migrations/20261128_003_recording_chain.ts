import type { Knex } from 'knex';

/**
 * The head of each cluster's event hash chain, updated in the same transaction as every batch insert,
 * and the anchor that keeps a pruned chain verifiable. Also the session label (explicit session name).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('chain_heads', (t) => {
    t.string('cluster', 255).primary();
    t.bigInteger('last_seq').notNullable().defaultTo(0);
    t.string('last_event_id', 64);
    t.string('last_hash', 64).notNullable();
    // The last pruned event: verification starts from here once older events are gone.
    t.bigInteger('anchor_seq').notNullable().defaultTo(0);
    t.string('anchor_hash', 64).notNullable();
    t.bigInteger('pruned_events').notNullable().defaultTo(0);
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.schema.alterTable('sessions', (t) => {
    t.string('label', 128);
  });
  await knex.schema.alterTable('events', (t) => {
    t.index(['cluster', 'seq']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('events', (t) => {
    t.dropIndex(['cluster', 'seq']);
  });
  // Native DROP COLUMN (SQLite ≥ 3.35, Postgres): knex's SQLite fallback rebuilds the table, which the
  // foreign keys from `events` forbid.
  await knex.raw('ALTER TABLE ?? DROP COLUMN ??', ['sessions', 'label']);
  await knex.schema.dropTable('chain_heads');
}
