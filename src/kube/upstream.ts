import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { ClusterSettings } from '../config/schema.js';
import {
  KubeconfigError,
  resolveKubeconfig,
  type KubeconfigResolution,
  type KubeconfigSource,
} from './kubeconfig-helper.js';

/** A cluster Airlock forwards to, with the credentials only Airlock holds. */
export interface UpstreamCluster {
  name: string;
  server: URL;
  impersonate: boolean;
  /** Keep-alive connection pool for short requests, reused across requests (cached per cluster). */
  agent: http.Agent;
  /** A separate pool for watches and logs, which hold a connection for minutes and must never starve short requests
   * (their number is bounded per agent by the gateway's limits, not here). */
  longRunningAgent: http.Agent;
  /** TLS settings for connections Airlock opens itself (upgrades). */
  tls: Pick<https.RequestOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'>;
  /** Airlock's credential for this cluster; re-read periodically so rotated tokens are picked up. */
  authorization(): Promise<string | undefined>;
  /** Ends its connections and, for credential plugins, the worker that runs them. */
  close(): Promise<void>;
}

const CREDENTIAL_TTL_MS = 30_000;

/**
 * The kubeconfig kubectl would use: the first existing file named in KUBECONFIG (a path list), else ~/.kube/config.
 * Like kubectl, files that do not exist count as empty; `missing` names them so start-up can say so.
 */
export function defaultKubeconfig(env: NodeJS.ProcessEnv): { file?: string; missing: string[] } {
  if (env.KUBECONFIG) {
    const named = env.KUBECONFIG.split(delimiter).filter((f) => f !== '');
    const file = named.find((f) => existsSync(f));
    return { ...(file ? { file } : {}), missing: named.filter((f) => !existsSync(f)) };
  }
  const home = join(homedir(), '.kube', 'config');
  return existsSync(home) ? { file: home, missing: [] } : { missing: [] };
}

/** Which kubeconfig a cluster's settings name, checked here so the error names the setting to fix. */
function kubeconfigSource(settings: ClusterSettings, env: NodeJS.ProcessEnv): KubeconfigSource {
  if (settings.inCluster) return { inCluster: true };
  const file = settings.kubeconfig ?? defaultKubeconfig(env).file;
  if (!file)
    throw new Error(`cluster "${settings.name}": no kubeconfig (set KUBECONFIG or clusters[].kubeconfig)`);
  if (!existsSync(file)) {
    throw new Error(
      `cluster "${settings.name}": the kubeconfig file ${file} does not exist; fix clusters[].kubeconfig or create the file`,
    );
  }
  return { inCluster: false, file, ...(settings.context ? { context: settings.context } : {}) };
}

/** Airlock's current credential: re-read (token files, plugins) at most every CREDENTIAL_TTL_MS. */
function credentialReader({ resolved, authorize }: KubeconfigResolution): () => Promise<string | undefined> {
  const source = resolved.credentials;
  if (source.kind === 'static') return () => Promise.resolve(resolved.authorization);
  const read =
    source.kind === 'file' ? async () => `Bearer ${(await readFile(source.path, 'utf8')).trim()}` : authorize;
  let cached = { value: resolved.authorization, at: Date.now() };
  return async () => {
    if (Date.now() - cached.at < CREDENTIAL_TTL_MS) return cached.value;
    cached = { value: await read(), at: Date.now() };
    return cached.value;
  };
}

/**
 * A pool for one cluster. Node keys an HTTPS agent's sockets by a name it builds for every request from the host, the
 * port and each TLS option's full text (CA, client certificate and key PEMs: kilobytes, hashed afresh on each of the
 * several lookups a request makes, ~2 µs each). Every request through this agent goes to the same server with the
 * same TLS options, so the name is computed once.
 */
class ClusterAgent extends https.Agent {
  private name: string | undefined;

  override getName(options?: https.AgentOptions): string {
    return (this.name ??= super.getName(options));
  }
}

async function toUpstream(settings: ClusterSettings, env: NodeJS.ProcessEnv): Promise<UpstreamCluster> {
  let resolution: KubeconfigResolution;
  try {
    resolution = await resolveKubeconfig(kubeconfigSource(settings, env));
  } catch (err) {
    if (!(err instanceof KubeconfigError)) throw err;
    throw new Error(`cluster "${settings.name}": ${err.message}`, { cause: err });
  }
  const { resolved } = resolution;
  const server = new URL(resolved.server);
  const tls = {
    ca: resolved.ca,
    cert: resolved.cert,
    key: resolved.key,
    rejectUnauthorized: resolved.rejectUnauthorized,
    ...(resolved.tlsServerName ? { servername: resolved.tlsServerName } : {}),
  };
  const pool = (maxSockets: number) =>
    server.protocol === 'https:'
      ? new ClusterAgent({ keepAlive: true, noDelay: true, maxSockets, ...tls })
      : new http.Agent({ keepAlive: true, noDelay: true, maxSockets });
  const agent = pool(512);
  const longRunningAgent = pool(Infinity);
  return {
    name: settings.name,
    server,
    impersonate: settings.impersonate,
    agent,
    longRunningAgent,
    tls,
    authorization: credentialReader(resolution),
    async close() {
      agent.destroy();
      longRunningAgent.destroy();
      await resolution.close();
    },
  };
}

/**
 * The configured clusters; with none configured, one cluster named `default` from the current kubeconfig context,
 * else the in-cluster service account, else none (the gateway then answers 503 explaining what to configure).
 */
export async function loadClusters(
  configured: ClusterSettings[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<UpstreamCluster[]> {
  let settings = configured;
  if (settings.length === 0) {
    const fallback = { name: 'default', inCluster: false, impersonate: false, default: true };
    if (defaultKubeconfig(env).file) settings = [fallback];
    else if (env.KUBERNETES_SERVICE_HOST) settings = [{ ...fallback, inCluster: true }];
  }
  return Promise.all(settings.map((s) => toUpstream(s, env)));
}
