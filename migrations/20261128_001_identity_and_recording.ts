import type { Knex } from 'knex';

/** Agents, their sessions and the recorded events (redacted before they get here). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('agents', (t) => {
    t.string('id', 64).primary(); // issuer + subject hash
    t.string('name', 255).notNullable();
    t.string('issuer', 512).notNullable();
    t.string('subject', 512).notNullable();
    t.string('owner', 320);
    t.text('groups').notNullable(); // JSON array
    t.timestamp('first_seen', { useTz: true }).notNullable();
    t.timestamp('last_seen', { useTz: true }).notNullable();
    t.index(['name']);
  });

  await knex.schema.createTable('sessions', (t) => {
    t.string('id', 64).primary();
    t.string('agent_id', 64).notNullable().references('agents.id');
    t.string('agent_name', 255).notNullable();
    t.string('owner', 320);
    t.string('token_id', 128).notNullable();
    t.string('cluster', 255).notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('last_activity', { useTz: true }).notNullable();
    t.integer('allowed').notNullable().defaultTo(0);
    t.integer('reviewed').notNullable().defaultTo(0);
    t.integer('denied').notNullable().defaultTo(0);
    t.integer('failed').notNullable().defaultTo(0);
    t.integer('event_count').notNullable().defaultTo(0);
    t.index(['agent_name', 'started_at']);
    t.index(['last_activity']);
  });

  await knex.schema.createTable('events', (t) => {
    t.bigIncrements('seq').primary();
    t.string('id', 64).notNullable().unique();
    t.string('session_id', 64).notNullable().references('sessions.id');
    t.timestamp('time', { useTz: true }).notNullable();
    t.string('agent_name', 255).notNullable();
    t.string('owner', 320);
    t.string('cluster', 255).notNullable();
    t.string('request_id', 64).notNullable();
    t.string('method', 16).notNullable();
    t.text('path').notNullable();
    t.text('query').notNullable();
    t.string('verb', 32).notNullable();
    t.string('api_group', 255).notNullable();
    t.string('resource', 255).notNullable();
    t.string('subresource', 255).notNullable();
    t.string('namespace', 255).notNullable();
    t.string('name', 255).notNullable();
    t.boolean('dry_run').notNullable();
    t.string('rule', 255).notNullable();
    t.string('decision', 16).notNullable();
    t.string('review_id', 64);
    t.string('grant_id', 64);
    t.integer('status');
    t.integer('latency_ms');
    t.bigInteger('bytes_in').notNullable().defaultTo(0);
    t.bigInteger('bytes_out').notNullable().defaultTo(0);
    t.string('recording_level', 32).notNullable();
    t.text('request_body');
    t.text('response_body');
    t.text('summary'); // JSON: watch/exec summaries, error messages
    t.string('prev_hash', 64).notNullable();
    t.string('hash', 64).notNullable();
    t.index(['session_id', 'seq']);
    t.index(['time']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('events');
  await knex.schema.dropTable('sessions');
  await knex.schema.dropTable('agents');
}
