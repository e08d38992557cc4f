import { execFile } from 'node:child_process';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBECTL, startHarness, type Harness } from '../support/airlock-harness.js';

/** Real kubectl with `airlock kubeconfig --exec`: the credential plugin exchanges short-lived tokens on demand. */

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
const LIFETIME_SECONDS = 5;

const POLICY = `
apiVersion: airlock.dev/v1
kind: Policy
rules:
  - name: discovery
    match: { nonResourceURLs: ['*'] }
    action: allow
  - name: everything
    match: {}
    action: allow
`;

let h: Harness;
let sourceTokenFile: string;
let kubeconfigs = 0;

beforeAll(async () => {
  h = await startHarness({
    policy: POLICY,
    config: { identity: { exchange: { lifetime: LIFETIME_SECONDS, keyRotation: 3600 } } },
  });
  sourceTokenFile = join(h.dir, 'source-token');
  await writeFile(sourceTokenFile, await h.mint({ agent: 'plugin-bot', ttlSeconds: 900 }), { mode: 0o600 });
});
afterAll(async () => h?.close());

const cliEnv = () => ({
  PATH: process.env.PATH ?? '/usr/bin',
  HOME: h.dir,
  XDG_CACHE_HOME: join(h.dir, 'xdg-cache'),
  AIRLOCK_DATA_DIR: h.dir,
  AIRLOCK_PROXY_PUBLIC_URL: h.airlock.proxyUrl,
});

/** A kubeconfig written by `airlock kubeconfig --exec`, as the README tells agents to make one. */
async function execKubeconfig(extra: string[] = []): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [CLI, 'kubeconfig', '--exec', '--source-token-file', sourceTokenFile, '--namespace', 'default', ...extra],
    { env: cliEnv() },
  );
  const path = join(h.dir, `exec-${++kubeconfigs}.kubeconfig`);
  await writeFile(path, stdout);
  return path;
}

function kubectl(kubeconfig: string, args: string[]) {
  return run(KUBECTL, args, {
    env: { ...cliEnv(), KUBECONFIG: kubeconfig, KUBECACHEDIR: join(h.dir, 'kubecache') },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({
      code: err.code ?? 1,
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
    }),
  );
}

const exchanges = () => h.logs.filter((line) => line.includes('"msg":"token exchanged"')).length;

describe('kubectl through the credential plugin', () => {
  it('keeps every command working across several expiries of the exchanged token', async () => {
    const kubeconfig = await execKubeconfig();
    const before = exchanges();
    const logsBefore = h.logs.length;
    const started = Date.now();
    let commands = 0;
    while (Date.now() - started < 3 * LIFETIME_SECONDS * 1000) {
      const res = await kubectl(kubeconfig, ['get', 'configmaps', '-o', 'name']);
      expect(res, `command ${commands + 1} after ${Date.now() - started} ms`).toMatchObject({ code: 0 });
      commands += 1;
      await sleep(700);
    }
    expect(commands).toBeGreaterThanOrEqual(8);
    // Cached between commands (fewer exchanges than commands), refreshed across expiries (several exchanges).
    expect(exchanges() - before).toBeGreaterThanOrEqual(3);
    expect(exchanges() - before).toBeLessThan(commands);
    // No request was refused for an expired token on the way (kubectl retries some requests silently).
    const refused = h.logs.slice(logsBefore).filter((line) => line.includes('"status":401'));
    expect(refused).toEqual([]);
  }, 60_000);

  it('caches the exchanged token in a file only its owner can read', async () => {
    const dir = join(h.dir, 'xdg-cache', 'airlock', 'credentials');
    const files = await readdir(dir);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect((await stat(join(dir, file))).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o077).toBe(0);
  });

  it('refuses requests outside the token scope with a 403 naming the scope, before policy', async () => {
    const kubeconfig = await execKubeconfig([
      '--scope',
      'namespace:default verb:get verb:list resource:configmaps',
    ]);
    const inside = await kubectl(kubeconfig, ['get', 'configmaps']);
    expect(inside.code).toBe(0);

    const otherResource = await kubectl(kubeconfig, ['get', 'secrets']);
    expect(otherResource.code).not.toBe(0);
    expect(otherResource.stderr).toContain('Error from server (Forbidden)');
    expect(otherResource.stderr).toContain(
      `resource "secrets" is outside this token's scope "namespace:default verb:get verb:list resource:configmaps"`,
    );

    const otherNamespace = await kubectl(kubeconfig, ['get', 'configmaps', '-n', 'kube-system']);
    expect(otherNamespace.stderr).toContain(`namespace "kube-system" is outside this token's scope`);

    const otherVerb = await kubectl(kubeconfig, ['delete', 'configmap', 'anything']);
    expect(otherVerb.stderr).toContain(`verb "delete" is outside this token's scope`);
  }, 60_000);

  it('prints why the exchange was refused, and kubectl shows it', async () => {
    const kubeconfig = await execKubeconfig(['--scope', 'cluster:elsewhere']);
    const res = await kubectl(kubeconfig, ['get', 'configmaps']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('token exchange refused (invalid_scope): cluster "elsewhere" is not served');
  }, 60_000);
});
