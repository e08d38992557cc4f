import type { Knex } from 'knex';

/**
 * Review events: one row per committed transition, written in the transition's own transaction, so other
 * processes (the Slack adapter on any replica) follow every decision, including those taken from the terminal.
 * Consumers keep their position in `review_event_cursors`. Times are epoch milliseconds (bigint).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('review_events', (t) => {
    t.increments('seq').primary();
    t.string('review_id', 32).notNullable().references('reviews.id');
    t.string('type', 16).notNullable();
    t.text('actor').notNullable(); // JSON ReviewActor
    t.text('decision'); // JSON ReviewerDecision
    t.text('grant'); // JSON Grant
    t.bigInteger('at').notNullable();
  });

  await knex.schema.createTable('review_event_cursors', (t) => {
    t.string('consumer', 64).primary();
    // The last event this consumer has fully handled.
    t.bigInteger('seq').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('review_event_cursors');
  await knex.schema.dropTable('review_events');
}
