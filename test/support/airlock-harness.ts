import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { configSchema, type AirlockConfig } from '../../src/config/schema.js';
import { localCaPem } from '../../src/gateway/serving-certificate.js';
import { loadOrCreateLocalIssuer } from '../../src/identity/local-issuer.js';
import { createLogger } from '../../src/lib/logger.js';
import { startAirlock, type RunningAirlock } from '../../src/server.js';
import { startFakeApiServer, type FakeApiServer } from './fake-apiserver/index.js';
import { KUBECTL, runKubectl, runProgram, type KubectlResult } from './kubectl.js';
import { freshPostgresDatabase } from './postgres.js';

/** The compiled CLI (`npm test` builds before running vitest). */
export const AIRLOCK_CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');

export interface AgentIdentity {
  agent: string;
  groups?: string[];
  owner?: string;
  ttlSeconds?: number;
}

/** Airlock running in-process in front of a fake API server, with helpers to drive real kubectl through it. */
export interface Harness {
  dir: string;
  fake: FakeApiServer;
  airlock: RunningAirlock;
  config: AirlockConfig;
  /** Every log line Airlock wrote (JSON text), for canary assertions. */
  logs: string[];
  mint(identity: AgentIdentity): Promise<string>;
  /** Writes a kubeconfig for the agent pointing at Airlock; returns its path. */
  kubeconfig(identity: AgentIdentity, token?: string): Promise<string>;
  kubectl(
    args: string[],
    opts?: {
      as?: AgentIdentity;
      token?: string;
      input?: string;
      timeoutMs?: number;
      env?: Record<string, string>;
    },
  ): Promise<KubectlResult>;
  /** The built `airlock` CLI, run in the harness's data directory (it reads ./airlock.yaml there). */
  cli(args: string[]): Promise<KubectlResult>;
  /** The environment an `airlock` process needs to share this harness's data directory and store. */
  cliEnv(): Record<string, string>;
  spawnKubectl(
    args: string[],
    opts?: { as?: AgentIdentity; env?: Record<string, string> },
  ): Promise<ChildProcess>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Policy YAML; the built-in default policy when absent. */
  policy?: string;
  impersonate?: boolean;
  config?: Record<string, unknown>;
  /** Reuse a directory (restart tests); a fresh temp dir otherwise. */
  dir?: string;
  fake?: FakeApiServer;
  /** Where Airlock stores its state: SQLite in `dir` (default), or a fresh database on the test Postgres. */
  store?: 'sqlite' | 'postgres';
}

export const DEFAULT_AGENT: AgentIdentity = {
  agent: 'test-agent',
  groups: ['agents'],
  owner: 'owner@example.com',
};

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'airlock-test-')));
  const fake = opts.fake ?? (await startFakeApiServer());
  const upstreamKubeconfig = join(dir, 'upstream.kubeconfig');
  await writeFile(upstreamKubeconfig, fake.kubeconfig());
  let policyFile: string | undefined;
  if (opts.policy) {
    policyFile = join(dir, 'policy.yaml');
    await writeFile(policyFile, opts.policy);
  }
  const postgres = opts.store === 'postgres' ? await freshPostgresDatabase('airlock_e2e') : undefined;
  const config = configSchema.parse({
    ...(postgres ? { database: { url: postgres.url } } : {}),
    proxy: { listen: '127.0.0.1:0' },
    web: { listen: '127.0.0.1:0' },
    internal: { listen: '127.0.0.1:0' },
    dataDir: dir,
    clusters: [{ name: 'default', kubeconfig: upstreamKubeconfig, impersonate: opts.impersonate ?? false }],
    ...(policyFile ? { policy: { file: policyFile } } : {}),
    recording: { batch: 0.02 },
    ...opts.config,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString('utf8'));
      cb();
    },
  });
  const airlock = await startAirlock(config, { logger: createLogger('debug', sink), env: {} });
  const issuer = await loadOrCreateLocalIssuer(dir);
  const cacheDir = join(dir, 'kubecache');

  const mint = (id: AgentIdentity) =>
    issuer.mint({
      agent: id.agent,
      groups: id.groups ?? [],
      ...(id.owner ? { owner: id.owner } : {}),
      ttlSeconds: id.ttlSeconds ?? 900,
    });

  const caData = Buffer.from((await localCaPem(dir)) ?? '').toString('base64');
  let kubeconfigs = 0;
  const kubeconfig = async (id: AgentIdentity, token?: string) => {
    const path = join(dir, `agent-${++kubeconfigs}.kubeconfig`);
    const server = `${airlock.proxyUrl}/clusters/default`;
    await writeFile(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{name: airlock, cluster: {server: "${server}", certificate-authority-data: "${caData}"}}]`,
        `users: [{name: agent, user: {token: "${token ?? (await mint(id))}"}}]`,
        'contexts: [{name: airlock, context: {cluster: airlock, user: agent, namespace: default}}]',
        'current-context: airlock',
        '',
      ].join('\n'),
    );
    return path;
  };

  const cliEnv = (): Record<string, string> => ({
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    AIRLOCK_DATA_DIR: dir,
    ...(postgres ? { AIRLOCK_DATABASE_URL: postgres.url } : {}),
  });

  const kubectlEnv = async (
    as: AgentIdentity,
    token: string | undefined,
    extra: Record<string, string> = {},
  ) => ({
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    KUBECONFIG: await kubeconfig(as, token),
    KUBECACHEDIR: cacheDir,
    ...extra,
  });

  return {
    dir,
    fake,
    airlock,
    config,
    logs,
    mint,
    kubeconfig,
    async kubectl(args, o = {}) {
      const env = await kubectlEnv(o.as ?? DEFAULT_AGENT, o.token, o.env);
      return runKubectl(args, env, {
        ...(o.input !== undefined ? { input: o.input } : {}),
        ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
      });
    },
    cliEnv,
    cli(args) {
      return runProgram(process.execPath, [AIRLOCK_CLI, ...args], {
        cwd: dir,
        env: cliEnv(),
        timeoutMs: 30_000,
      });
    },
    async spawnKubectl(args, o = {}) {
      return spawn(KUBECTL, args, { env: await kubectlEnv(o.as ?? DEFAULT_AGENT, undefined, o.env) });
    },
    async close() {
      await airlock.close();
      await postgres?.drop();
      if (!opts.fake) await fake.close();
      if (!opts.dir) await rm(dir, { recursive: true, force: true });
    },
  };
}
