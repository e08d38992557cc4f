import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KUBECTL, startHarness, type Harness } from '../support/airlock-harness.js';

/** The README's quick start: `airlock kubeconfig` output works with real kubectl, CA and token included. */

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

it('prints a kubeconfig kubectl can use as is', async () => {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin',
    HOME: h.dir,
    AIRLOCK_DATA_DIR: h.dir,
    AIRLOCK_PROXY_PUBLIC_URL: h.airlock.proxyUrl,
  };
  const { stdout } = await run(
    process.execPath,
    [CLI, 'kubeconfig', '--agent', 'readme-bot', '--owner', 'alice@example.com', '--ttl', '10m'],
    { env },
  );
  expect(stdout).toContain('certificate-authority-data:');
  expect(stdout).toContain(`server: ${h.airlock.proxyUrl}/clusters/default`);
  const path = join(h.dir, 'readme.kubeconfig');
  await writeFile(path, stdout);
  const res = await run(KUBECTL, ['get', 'namespaces'], {
    env: { ...env, KUBECONFIG: path, KUBECACHEDIR: join(h.dir, 'cache-readme') },
  });
  expect(res.stdout).toContain('kube-system');
  expect(h.logs.join('')).toContain('"agent":"readme-bot"');
});
