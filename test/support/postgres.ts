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
