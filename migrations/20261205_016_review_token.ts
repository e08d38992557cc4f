import type { Knex } from 'knex';

/**
 * Which credential session asked for each review (`Agent.tokenId`), so revoking a session also cancels its open
 * reviews and revokes the grants they made: otherwise a new session of the same agent could use them. NULL for
 * reviews made before: they are not tied to a session.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('reviews', (t) => {
    t.string('token_id').nullable();
    t.index(['token_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('reviews', (t) => {
    t.dropIndex(['token_id']);
    t.dropColumn('token_id');
  });
}
