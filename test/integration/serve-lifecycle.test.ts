import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

/** `airlock serve` that cannot start exits non-zero with the reason, leaving nothing running behind. */

import { AIRLOCK_CLI as CLI } from '../support/airlock-harness.js';
let dir: string;
let taken: Server;
let port: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airlock-lifecycle-'));
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  port = (taken.address() as { port: number }).port;
});
afterAll(async () => {
  taken.close();
  await rm(dir, { recursive: true, force: true });
});

it('exits with the reason when the web port is already in use', async () => {
  const started = Date.now();
  const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, 'serve'],
      {
        timeout: 30_000,
        env: {
          PATH: process.env.PATH ?? '/usr/bin',
          HOME: dir,
          KUBECONFIG: join(dir, 'none'),
          AIRLOCK_DATA_DIR: dir,
          AIRLOCK_PROXY_LISTEN: '127.0.0.1:0',
          AIRLOCK_WEB_LISTEN: `127.0.0.1:${port}`,
          AIRLOCK_INTERNAL_LISTEN: '127.0.0.1:0',
        },
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
    );
    child.stdin?.end();
  });
  expect(result.code).not.toBe(0);
  expect(result.output).toContain(`web.listen 127.0.0.1:${port}: address already in use`);
  // It exited by itself, well before the test's own timeout killed it.
  expect(Date.now() - started).toBeLessThan(25_000);
});
