import type { Knex } from 'knex';

/**
 * Reviews, the reviewers' decisions on them, and the time-boxed grants approvals may create.
 * Times are epoch milliseconds in bigint columns: compared in SQL the same way on SQLite and Postgres.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('reviews', (t) => {
    t.string('id', 32).primary();
    t.string('state', 16).notNullable();
    t.integer('version').notNullable();
    // Set only while pending or approved: the unique index makes "one open review per agent + cluster +
    // fingerprint" hold across replicas, and NULLs (closed reviews) never collide.
    t.string('open_key', 64).unique();
    t.string('agent_name', 255).notNullable();
    t.string('agent_issuer', 512).notNullable();
    t.string('agent_subject', 512).notNullable();
    t.text('agent_groups').notNullable(); // JSON array
    t.string('owner', 320);
    t.string('session_id', 64);
    t.string('cluster', 255).notNullable();
    t.string('method', 16).notNullable();
    t.text('path').notNullable();
    t.string('verb', 32).notNullable();
    t.string('api_group', 255).notNullable();
    t.string('resource', 255).notNullable();
    t.string('subresource', 255).notNullable();
    t.string('namespace', 255).notNullable();
    t.string('name', 255).notNullable();
    t.boolean('dry_run').notNullable();
    t.string('rule', 255).notNullable();
    t.text('settings').notNullable(); // JSON ReviewSettings, as they were when the review was created
    t.text('reason');
    t.string('fingerprint', 64).notNullable();
    t.text('redacted_request').notNullable();
    t.text('preview'); // JSON
    t.string('pin_resource_version', 64);
    t.string('pin_uid', 64);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.bigInteger('decided_at');
    t.bigInteger('executed_at');
    t.integer('outcome_status');
    t.text('outcome_message');
    t.string('outcome_resource_version', 64);
    t.string('notification_channel', 64);
    t.string('notification_ts', 64);
    t.index(['state', 'expires_at']);
    t.index(['created_at']);
  });

  await knex.schema.createTable('review_decisions', (t) => {
    t.string('review_id', 32).notNullable().references('reviews.id');
    t.string('approver_id', 255).notNullable();
    t.string('approver_name', 255).notNullable();
    t.string('approver_email', 320);
    t.string('via', 16).notNullable();
    t.string('decision', 16).notNullable();
    t.text('reason');
    t.integer('grant_seconds');
    t.boolean('break_glass').notNullable();
    t.bigInteger('decided_at').notNullable();
    // One decision per person and review, whatever the number of clicks, retries or replicas.
    t.primary(['review_id', 'approver_id']);
  });

  await knex.schema.createTable('review_grants', (t) => {
    t.string('id', 32).primary();
    t.string('review_id', 32).notNullable().references('reviews.id');
    t.string('agent_name', 255).notNullable();
    t.string('agent_issuer', 512).notNullable();
    t.string('agent_subject', 512).notNullable();
    t.string('cluster', 255).notNullable();
    t.string('verb', 32).notNullable();
    t.string('api_group', 255).notNullable();
    t.string('resource', 255).notNullable();
    t.string('subresource', 255).notNullable();
    t.string('namespace', 255).notNullable();
    t.text('granted_by').notNullable(); // JSON array of approver names
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.bigInteger('revoked_at');
    t.string('revoked_by', 255);
    t.index(['agent_subject', 'cluster', 'resource', 'namespace']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('review_grants');
  await knex.schema.dropTable('review_decisions');
  await knex.schema.dropTable('reviews');
}
