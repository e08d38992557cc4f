import { execFile } from 'node:child_process';
import { readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/airlock-harness.js';
import { KUBECTL } from '../support/kubectl.js';
import { eventually } from '../support/eventually.js';

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

let kubeconfigs = 0;

/** Airlock with exchanged tokens of `lifetime` seconds, and a source token for `agent` in a file. */
async function setUp(lifetime: number, agent: string): Promise<{ h: Harness; sourceTokenFile: string }> {
  const h = await startHarness({
    policy: POLICY,
    config: { identity: { exchange: { lifetime, keyRotation: 3600 } } },
  });
  const sourceTokenFile = join(h.dir, 'source-token');
  await writeFile(sourceTokenFile, await h.mint({ agent, ttlSeconds: 900 }), { mode: 0o600 });
  return { h, sourceTokenFile };
}

const cliEnv = (h: Harness) => ({
  PATH: process.env.PATH ?? '/usr/bin',
  HOME: h.dir,
  XDG_CACHE_HOME: join(h.dir, 'xdg-cache'),
  AIRLOCK_DATA_DIR: h.dir,
  AIRLOCK_PROXY_PUBLIC_URL: h.airlock.proxyUrl,
});

/** A kubeconfig written by `airlock kubeconfig --exec`, as the README tells agents to make one. */
async function execKubeconfig(
  { h, sourceTokenFile }: { h: Harness; sourceTokenFile: string },
  extra: string[] = [],
): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [CLI, 'kubeconfig', '--exec', '--source-token-file', sourceTokenFile, '--namespace', 'default', ...extra],
    { env: cliEnv(h) },
  );
  const path = join(h.dir, `exec-${++kubeconfigs}.kubeconfig`);
  await writeFile(path, stdout);
  return path;
}

function kubectl(h: Harness, kubeconfig: string, args: string[]) {
  return run(KUBECTL, args, {
    env: { ...cliEnv(h), KUBECONFIG: kubeconfig, KUBECACHEDIR: join(h.dir, 'kubecache') },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({
      code: err.code ?? 1,
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
    }),
  );
}

const exchanges = (h: Harness) => h.logs.filter((line) => line.includes('"msg":"token exchanged"')).length;

describe('kubectl through the credential plugin', () => {
  let airlock: { h: Harness; sourceTokenFile: string };
  let h: Harness;
  beforeAll(async () => {
    airlock = await setUp(LIFETIME_SECONDS, 'plugin-bot');
    h = airlock.h;
  });
  afterAll(async () => h?.close());

  it('keeps every command working across several expiries of the exchanged token', async () => {
    const kubeconfig = await execKubeconfig(airlock);
    const before = exchanges(h);
    const logsBefore = h.logs.length;
    const started = Date.now();
    let commands = 0;
    while (Date.now() - started < 3 * LIFETIME_SECONDS * 1000) {
      const res = await kubectl(h, kubeconfig, ['get', 'configmaps', '-o', 'name']);
      expect(res, `command ${commands + 1} after ${Date.now() - started} ms`).toMatchObject({ code: 0 });
      commands += 1;
      await sleep(700);
    }
    expect(commands).toBeGreaterThanOrEqual(8);
    // Cached between commands (fewer exchanges than commands), refreshed across expiries (several exchanges).
    expect(exchanges(h) - before).toBeGreaterThanOrEqual(3);
    expect(exchanges(h) - before).toBeLessThan(commands);
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
    const kubeconfig = await execKubeconfig(airlock, [
      '--scope',
      'namespace:default verb:get verb:list resource:configmaps',
    ]);
    const inside = await kubectl(h, kubeconfig, ['get', 'configmaps']);
    expect(inside.code).toBe(0);

    const otherResource = await kubectl(h, kubeconfig, ['get', 'secrets']);
    expect(otherResource.code).not.toBe(0);
    expect(otherResource.stderr).toContain('Error from server (Forbidden)');
    expect(otherResource.stderr).toContain(
      `resource "secrets" is outside this token's scope "namespace:default verb:get verb:list resource:configmaps"`,
    );

    const otherNamespace = await kubectl(h, kubeconfig, ['get', 'configmaps', '-n', 'kube-system']);
    expect(otherNamespace.stderr).toContain(`namespace "kube-system" is outside this token's scope`);

    const otherVerb = await kubectl(h, kubeconfig, ['delete', 'configmap', 'anything']);
    expect(otherVerb.stderr).toContain(`verb "delete" is outside this token's scope`);
  }, 60_000);

  it('prints why the exchange was refused, and kubectl shows it', async () => {
    const kubeconfig = await execKubeconfig(airlock, ['--scope', 'cluster:elsewhere']);
    const res = await kubectl(h, kubeconfig, ['get', 'configmaps']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('token exchange refused (invalid_scope): cluster "elsewhere" is not served');
  }, 60_000);
});

/** Tokens live 10 minutes here, so the plugin's cached token is what the revocation has to stop. */
describe('revoking a session', () => {
  let airlock: { h: Harness; sourceTokenFile: string };
  let h: Harness;
  beforeAll(async () => {
    airlock = await setUp(600, 'revoked-bot');
    h = airlock.h;
  });
  afterAll(async () => h?.close());

  it('ends a revoked session at once: its tokens get 401 saying so, and its source token cannot restart it', async () => {
    const kubeconfig = await execKubeconfig(airlock);
    expect((await kubectl(h, kubeconfig, ['get', 'configmaps'])).code).toBe(0);
    const { stdout: listed } = await run(
      process.execPath,
      [CLI, 'sessions', 'list', '--agent', 'revoked-bot', '--json'],
      { env: cliEnv(h) },
    );
    const [session] = (JSON.parse(listed) as { sessions: { id: string }[] }).sessions;
    const { stdout } = await run(
      process.execPath,
      [CLI, 'sessions', 'revoke', session!.id, '--as', 'alice', '--reason', 'runaway agent'],
      { env: cliEnv(h) },
    );
    expect(stdout).toContain(`Session ${session!.id}: revoked by alice`);
    // The cached token is refused within the revocation refresh interval (1 s), on this replica and any other.
    const refused = await eventually(async () => {
      const res = await kubectl(h, kubeconfig, ['get', 'configmaps']);
      return res.code !== 0 && res;
    }, 'the revoked session to be refused');
    expect(refused.stderr).toContain('error: You must be logged in to the server (');
    expect(refused.stderr).toMatch(/session "xs-[0-9a-f]+" was revoked at .* by "alice": "runaway agent"/);
    // Exchanging the same source token again is refused too, with the same reason.
    await rm(join(h.dir, 'xdg-cache'), { recursive: true, force: true });
    const again = await kubectl(h, kubeconfig, ['get', 'configmaps']);
    expect(again.stderr).toContain('token exchange refused (invalid_grant): subject_token: session "xs-');
  }, 60_000);
});
