import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { testPostgresUrl } from '../support/postgres.js';

/** The benchmark's short mode runs end to end (direct, bare forwarder, Airlock, parked requests); timings are not judged. */
it('npm run bench runs in short mode', async () => {
  const bench = join(import.meta.dirname, '..', '..', 'dist-tools', 'bench', 'run.js');
  const { stdout } = await promisify(execFile)(process.execPath, [bench], {
    env: {
      ...process.env,
      BENCH_SHORT: '1',
      BENCH_PARKED: '20',
      ...(testPostgresUrl() ? { BENCH_POSTGRES_URL: testPostgresUrl() } : {}),
    },
    timeout: 150_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  expect(stdout).toContain('Airlock ÷ bare');
  for (const scenario of ['small GET', 'LIST 20 ConfigMaps', 'LIST 20 Pods', 'LIST 40 Secrets'])
    expect(stdout).toContain(scenario);
  expect(stdout).toContain('Parked requests');
  expect(stdout).toMatch(/\| SQLite \(WAL, file\) \| \d+ \|/);
  if (testPostgresUrl()) expect(stdout).toMatch(/\| Postgres \| \d+ \|/);
}, 180_000);
