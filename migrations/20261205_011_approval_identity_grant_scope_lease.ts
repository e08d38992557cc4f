import type { Knex } from 'knex';

/**
 * Issue 11: decisions remember whether the person was a verified identity (a directory person or a Slack user)
 * and whether their grant may cover any object name; grants are bound to the rule and object name their card
 * showed; executions hold a lease that a heartbeat renews, so a crashed execution is resolved by a sweeper.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('review_decisions', (t) => {
    // Decisions stored before this migration came from Slack user ids or terminal names alike; only new ones
    // can say which they were, so old rows read as verified (they were counted that way when taken).
    t.boolean('identity_verified').notNullable().defaultTo(true);
    t.boolean('grant_any_name').notNullable().defaultTo(false);
  });
  await knex.schema.alterTable('review_grants', (t) => {
    // NULL for grants made before rules were recorded: they match no request any more.
    t.string('rule', 255);
    // NULL: any object name (the approver chose it explicitly on the card).
    t.string('name', 255);
    // How many different people approved it: a rule that now asks for more no longer honours it.
    t.integer('approvals').notNullable().defaultTo(1);
  });
  await knex.schema.alterTable('reviews', (t) => {
    t.bigInteger('lease_expires_at');
    t.boolean('outcome_unknown').notNullable().defaultTo(false);
    t.index(['state', 'lease_expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('reviews', (t) => {
    t.dropIndex(['state', 'lease_expires_at']);
    t.dropColumn('lease_expires_at');
    t.dropColumn('outcome_unknown');
  });
  await knex.schema.alterTable('review_grants', (t) => {
    t.dropColumn('rule');
    t.dropColumn('name');
    t.dropColumn('approvals');
  });
  await knex.schema.alterTable('review_decisions', (t) => {
    t.dropColumn('identity_verified');
    t.dropColumn('grant_any_name');
  });
}
