import type { Knex } from 'knex';

/**
 * Issue 14: `airlock sessions revoke` ends a session at once. A row names the credential session (the agent's token
 * id: an exchange session, or a token's `jti`) whose tokens are refused from then on; rows are never updated.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('session_revocations', (t) => {
    t.string('token_id', 128).primary();
    t.timestamp('revoked_at', { useTz: true }).notNullable().index();
    t.string('revoked_by', 255).notNullable();
    t.string('reason', 1000);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('session_revocations');
}
