import type { Knex } from 'knex';

/**
 * Reads that became frequent: a session's steps are listed in the order they started (`events` by session and
 * time), and each render of a pending review's card reads the agent's last arrival or departure (`review_events` by
 * review). Without these, both scan their table, which grows with every request and every transition.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('events', (t) => {
    t.index(['session_id', 'time', 'seq']);
  });
  await knex.schema.alterTable('review_events', (t) => {
    t.index(['review_id', 'seq']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('review_events', (t) => {
    t.dropIndex(['review_id', 'seq']);
  });
  await knex.schema.alterTable('events', (t) => {
    t.dropIndex(['session_id', 'time', 'seq']);
  });
}
