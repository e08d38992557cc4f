import type { Knex } from 'knex';

/**
 * Seals: chain heads signed (HMAC-SHA256) with a key kept outside the database. Someone who can write the database
 * but does not hold the key can rewrite events and recompute every hash, but cannot produce a seal for the forged
 * chain, and deleting the tail of a chain leaves a seal naming an event that is gone. Times are epoch milliseconds.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('chain_seals', (t) => {
    t.increments('id').primary();
    t.string('cluster', 255).notNullable();
    t.bigInteger('seq').notNullable();
    t.string('hash', 64).notNullable();
    t.bigInteger('sealed_at').notNullable();
    t.string('signature', 64).notNullable();
    t.index(['cluster', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('chain_seals');
}
