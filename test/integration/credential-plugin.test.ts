import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AIRLOCK_CLI as CLI, startHarness, type Harness } from '../support/airlock-harness.js';
import { KUBECTL } from '../support/kubectl.js';
import { eventually } from '../support/eventually.js';

/** Real kubectl with `airlock kubeconfig --exec`: the credential plugin exchanges short-lived tokens on demand. */

const run = promisify(execFile);
const LIFETIME_SECONDS = 5;

const POLICY = `
apiVersion: airlock.dev/v1
kind: Policy
rules:
  - name: discovery
    match: { nonResourceURLs: ['*'] }
    action: allow
  - name: deletes-reviewed
    match: { verbs: [delete] }
    action: review
    review: { hold: 45s, approvers: { users: [carol] } }
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

const kubectlEnv = (h: Harness, kubeconfig: string) => ({
  ...cliEnv(h),
  KUBECONFIG: kubeconfig,
  KUBECACHEDIR: join(h.dir, 'kubecache'),
});

/** kubectl left running (a watch, a parked request); resolves with its exit code and output once it ends. */
function startKubectl(h: Harness, kubeconfig: string, args: string[]) {
  const child = spawn(KUBECTL, args, { env: kubectlEnv(h, kubeconfig) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ended = once(child, 'exit').then(([code]) => ({ code: code as number | null, stdout, stderr }));
  return { child, ended, output: () => stdout };
}

function kubectl(h: Harness, kubeconfig: string, args: string[]) {
  return run(KUBECTL, args, { env: kubectlEnv(h, kubeconfig) }).then(
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
  /** Another agent's source token on the same Airlock, so each test has a session of its own. */
  async function setUpAgent(agent: string): Promise<{ h: Harness; sourceTokenFile: string }> {
    const sourceTokenFile = join(h.dir, `${agent}-source-token`);
    await writeFile(sourceTokenFile, await h.mint({ agent, ttlSeconds: 900 }), { mode: 0o600 });
    return { h, sourceTokenFile };
  }
  afterAll(async () => h?.close());

  /** Revokes the agent's one recorded session from the terminal, as alice. */
  async function revoke(agent: string): Promise<void> {
    const { stdout: listed } = await run(
      process.execPath,
      [CLI, 'sessions', 'list', '--agent', agent, '--json'],
      {
        env: cliEnv(h),
      },
    );
    const [session] = (JSON.parse(listed) as { sessions: { id: string }[] }).sessions;
    const { stdout } = await run(
      process.execPath,
      [CLI, 'sessions', 'revoke', session!.id, '--as', 'alice', '--reason', 'runaway agent'],
      { env: cliEnv(h) },
    );
    expect(stdout).toContain(`Session ${session!.id}: revoked by alice`);
  }
  const REVOKED = /session "xs-[0-9a-f]+" was revoked at .* by "alice": "runaway agent"/;

  it('ends what a revoked session has open: a running watch and a parked request end with who revoked it and why', async () => {
    const kubeconfig = await execKubeconfig(await setUpAgent('watching-bot'));
    expect((await kubectl(h, kubeconfig, ['create', 'configmap', 'watched'])).code).toBe(0);
    const watch = startKubectl(h, kubeconfig, ['get', 'configmaps', '--watch', '-o', 'json']);
    // Listed (printed), then watching: the one request still open.
    await eventually(
      () => watch.output().includes('"name": "watched"') && h.airlock.gateway.inFlight() === 1,
      'the watch to start',
    );
    const parked = startKubectl(h, kubeconfig, ['delete', 'configmap', 'anything']);
    await eventually(() => h.airlock.gateway.parked() === 1, 'the delete to park');
    const revokedAt = Date.now();
    await revoke('watching-bot');

    const [watchEnded, parkedEnded] = await Promise.all([watch.ended, parked.ended]);
    // Both end within the revocation refresh interval, long before the 45 s hold or any watch timeout.
    expect(Date.now() - revokedAt).toBeLessThan(10_000);
    expect(parkedEnded.code).not.toBe(0);
    expect(parkedEnded.stderr).toContain('error: You must be logged in to the server (');
    expect(parkedEnded.stderr).toMatch(REVOKED);
    // The watch's last event is the 401 Status, as kube-apiserver ends a watch it cuts; kubectl prints it and exits.
    const last = JSON.parse(watchEnded.stdout.slice(watchEnded.stdout.lastIndexOf('\n{') + 1)) as Record<
      string,
      unknown
    >;
    expect(last).toMatchObject({ kind: 'Status', code: 401, reason: 'Unauthorized' });
    expect(last.message).toMatch(REVOKED);
    // Its review does not stay on a card asking humans to decide for a session that is gone.
    const review = (await h.airlock.reviews.list()).find((r) => r.agent.name === 'watching-bot');
    await eventually(
      async () => (await h.airlock.reviews.get(review!.id))?.state === 'cancelled',
      'the review cancelled',
    );
  }, 60_000);

  it("revokes the grants a revoked session's reviews made: a new session of the same agent is reviewed again", async () => {
    const first = await execKubeconfig(await setUpAgent('granted-bot'));
    for (const name of ['one', 'two', 'three'])
      expect((await kubectl(h, first, ['create', 'configmap', name])).code).toBe(0);
    const parked = startKubectl(h, first, ['delete', 'configmap', 'one']);
    const review = await eventually(
      async () => (await h.airlock.reviews.list()).find((r) => r.agent.name === 'granted-bot'),
      'the delete to park',
    );
    const decided = await h.airlock.reviews.decide(
      review.id,
      { id: 'carol', name: 'carol', identifiers: ['carol'], groups: [], via: 'slack', verified: true },
      { decision: 'approve', grantSeconds: 600, grantScope: 'any-name' },
    );
    expect(decided).toMatchObject({ ok: true });
    expect((await parked.ended).code).toBe(0);
    // The grant covers the next delete of this session at once.
    expect((await kubectl(h, first, ['delete', 'configmap', 'two'])).code).toBe(0);

    await revoke('granted-bot');
    const [grant] = (await h.airlock.reviews.listGrants()).filter((g) => g.reviewId === review.id);
    await eventually(async () => {
      const now = (await h.airlock.reviews.listGrants()).find((g) => g.id === grant!.id);
      return now?.revokedBy === 'alice (session revoked)';
    }, 'the grant revoked');

    // A fresh source token is a new session of the same agent: the grant no longer covers it.
    const second = await execKubeconfig(await setUpAgent('granted-bot'));
    const again = startKubectl(h, second, ['delete', 'configmap', 'three']);
    await eventually(() => h.airlock.gateway.parked() === 1, 'the delete of the new session to park');
    again.child.kill();
    await again.ended;
  }, 60_000);

  it('ends a revoked session at once: its tokens get 401 saying so, and its source token cannot restart it', async () => {
    const kubeconfig = await execKubeconfig(airlock);
    expect((await kubectl(h, kubeconfig, ['get', 'configmaps'])).code).toBe(0);
    await revoke('revoked-bot');
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
