import { existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { ClusterSettings } from '../config/schema.js';

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

function loadKubeConfig(settings: ClusterSettings, env: NodeJS.ProcessEnv): KubeConfig {
  const kc = new KubeConfig();
  if (settings.inCluster) {
    kc.loadFromCluster();
    return kc;
  }
  const file = settings.kubeconfig ?? defaultKubeconfig(env).file;
  if (!file)
    throw new Error(`cluster "${settings.name}": no kubeconfig (set KUBECONFIG or clusters[].kubeconfig)`);
  if (!existsSync(file)) {
    throw new Error(
      `cluster "${settings.name}": the kubeconfig file ${file} does not exist; fix clusters[].kubeconfig or create the file`,
    );
  }
  kc.loadFromFile(file);
  if (settings.context) {
    if (!kc.getContextObject(settings.context)) {
      throw new Error(`cluster "${settings.name}": context "${settings.context}" not found in ${file}`);
    }
    kc.setCurrentContext(settings.context);
  }
  return kc;
}

async function toUpstream(settings: ClusterSettings, kc: KubeConfig): Promise<UpstreamCluster> {
  const current = kc.getCurrentCluster();
  if (!current) throw new Error(`cluster "${settings.name}": the kubeconfig context has no cluster`);
  const server = new URL(current.server);
  const probe: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(probe);
  const tls = {
    ca: probe.ca,
    cert: probe.cert,
    key: probe.key,
    rejectUnauthorized: probe.rejectUnauthorized ?? true,
    ...(current.tlsServerName ? { servername: current.tlsServerName } : {}),
  };
  const pool = (maxSockets: number) =>
    server.protocol === 'https:'
      ? new https.Agent({ keepAlive: true, noDelay: true, maxSockets, ...tls })
      : new http.Agent({ keepAlive: true, noDelay: true, maxSockets });
  const agent = pool(512);
  const longRunningAgent = pool(Infinity);

  let cached: { value: string | undefined; at: number } | undefined;
  const authorization = async (): Promise<string | undefined> => {
    if (cached && Date.now() - cached.at < CREDENTIAL_TTL_MS) return cached.value;
    const opts: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(opts); // runs exec plugins / re-reads token files
    const header = (opts.headers as Record<string, string> | undefined)?.Authorization;
    cached = { value: header, at: Date.now() };
    return header;
  };
  await authorization(); // fail at start-up, not on the first agent request
  return {
    name: settings.name,
    server,
    impersonate: settings.impersonate,
    agent,
    longRunningAgent,
    tls,
    authorization,
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
  return Promise.all(settings.map((s) => toUpstream(s, loadKubeConfig(s, env))));
}
