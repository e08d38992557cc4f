import { randomBytes } from 'node:crypto';

/**
 * The Postgres server store tests also run against. Optional on a developer's machine; in CI (`CI=true`) a missing
 * URL is an error, so the Postgres cases fail loudly instead of silently vanishing from the suite.
 */
export function testPostgresUrl(): string | undefined {
  const url = process.env.AIRLOCK_TEST_POSTGRES_URL;
  if (!url && process.env.CI === 'true') {
    throw new Error(
      'AIRLOCK_TEST_POSTGRES_URL is not set in CI: .ci/run must start Postgres for the store tests',
    );
  }
  return url || undefined;
}

/** The stores end-to-end tests run on: SQLite always, Postgres whenever a server is configured (always in CI). */
export const TEST_STORES: readonly ('sqlite' | 'postgres')[] = [
  'sqlite',
  ...(testPostgresUrl() ? ['postgres' as const] : []),
];

/**
 * A fresh database on the test Postgres server, dropped by `drop()`. A database of its own (not a schema), so every
 * process given its URL — a second replica, the CLI — sees the same tables.
 */
export async function freshPostgresDatabase(
  prefix: string,
  serverUrl = testPostgresUrl(),
): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = serverUrl;
  if (!adminUrl) throw new Error('no test Postgres: set AIRLOCK_TEST_POSTGRES_URL');
  const { default: knex } = await import('knex');
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = knex({ client: 'pg', connection: adminUrl, pool: { min: 0, max: 1 } });
  await admin.raw('CREATE DATABASE ??', [name]);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    async drop() {
      await admin.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [name]);
      await admin.destroy();
    },
  };
}
