import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AIRLOCK_CLI as CLI, startHarness, type Harness } from '../support/airlock-harness.js';
import { KUBECTL } from '../support/kubectl.js';
import { eventually } from '../support/eventually.js';

/** The README's quick start: `airlock kubeconfig` output works with real kubectl, CA and token included. */

const run = promisify(execFile);
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
  const { stdout, stderr } = await run(
    process.execPath,
    [CLI, 'kubeconfig', '--agent', 'readme-bot', '--owner', 'alice@example.com', '--ttl', '10m'],
    { env },
  );
  expect(stderr).toContain(
    `server ${h.airlock.proxyUrl}/clusters/default (proxy.publicUrl in the defaults and environment)`,
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

it('serves the only cluster at the root paths too, so kubectl get --raw works', async () => {
  const res = await h.kubectl(['get', '--raw', '/api/v1/namespaces/default']);
  expect(res.code).toBe(0);
  expect(JSON.parse(res.stdout)).toMatchObject({ kind: 'Namespace', metadata: { name: 'default' } });
  const root = await h.kubectl(['get', '--raw', '/version']);
  expect(JSON.parse(root.stdout)).toHaveProperty('gitVersion');
});

it('says which KUBECONFIG file is missing instead of crashing', async () => {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin',
    HOME: h.dir,
    KUBECONFIG: join(h.dir, 'no-such.kubeconfig'),
    AIRLOCK_DATA_DIR: join(h.dir, 'missing-kubeconfig'),
    AIRLOCK_PROXY_LISTEN: '127.0.0.1:0',
    AIRLOCK_WEB_LISTEN: '127.0.0.1:0',
    AIRLOCK_INTERNAL_LISTEN: '127.0.0.1:0',
  };
  const child = execFile(process.execPath, [CLI, 'serve'], { env });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  try {
    await eventually(() => output.includes('Airlock listening'), 'Airlock to start', 20_000);
    expect(output).toContain(`KUBECONFIG names ${env.KUBECONFIG}, which does not exist`);
    expect(output).not.toContain('ENOENT');
  } finally {
    child.kill('SIGTERM');
  }
});
