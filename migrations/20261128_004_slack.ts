import type { Knex } from 'knex';

/**
 * The Slack outbox: every message Airlock owes Slack, kept until Slack accepts it, so cards catch up after
 * an outage or a restart. Times are epoch milliseconds (bigint), compared the same way on SQLite and Postgres.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('slack_outbox', (t) => {
    t.increments('id').primary();
    t.string('review_id', 32).notNullable();
    t.string('kind', 16).notNullable();
    t.text('payload').notNullable(); // JSON: the message as enqueued
    t.string('state', 12).notNullable(); // pending | delivered | abandoned
    t.integer('attempts').notNullable().defaultTo(0);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('due_at').notNullable();
    // A replica delivering a message leases it, so two replicas never send the same one at once.
    t.bigInteger('leased_until');
    t.bigInteger('finished_at');
    t.text('last_error');
    t.index(['state', 'id']);
    t.index(['review_id', 'state']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('slack_outbox');
}
