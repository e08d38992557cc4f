/**
 * Airlock's own credential for a cluster comes from a kubeconfig resolved by `@kubernetes/client-node` in a worker
 * thread: static tokens are read once, token files are re-read by path, exec plugins keep the worker to run them.
 * Each case sends a request with the credential to the fake API server, which refuses any other token.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse, stringify } from 'yaml';
import { sendUpstream } from '../../src/kube/transport.js';
import type { UpstreamCluster } from '../../src/kube/upstream.js';
import { startFakeApiServer, type FakeApiServer } from '../support/fake-apiserver/index.js';
import { loadTestCluster } from '../support/upstream-cluster.js';

type KubeconfigDoc = { users: { name: string; user: Record<string, unknown> }[] };

let fake: FakeApiServer;
let dir: string;
const opened: UpstreamCluster[] = [];

beforeAll(async () => {
  fake = await startFakeApiServer();
  dir = await mkdtemp(join(tmpdir(), 'airlock-credentials-'));
});
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(opened.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

/** The fake's kubeconfig with its user replaced, written to a file. */
async function kubeconfigWithUser(name: string, user: Record<string, unknown>): Promise<string> {
  const doc = parse(fake.kubeconfig()) as KubeconfigDoc;
  doc.users[0]!.user = user;
  const file = join(dir, `${name}.kubeconfig`);
  await writeFile(file, stringify(doc));
  return file;
}

async function load(kubeconfig: string, context?: string): Promise<UpstreamCluster> {
  const cluster = await loadTestCluster('c', kubeconfig, context);
  opened.push(cluster);
  return cluster;
}

/** What the fake answers to a namespace list sent with the cluster's current credential. */
async function statusWith(cluster: UpstreamCluster): Promise<number> {
  const authorization = await cluster.authorization();
  const reply = await sendUpstream(cluster, {
    method: 'GET',
    path: '/api/v1/namespaces',
    headers: authorization ? { authorization } : {},
    longRunning: false,
  });
  if (reply.kind !== 'response') throw new Error(`unexpected ${reply.kind}`);
  reply.response.resume();
  return reply.response.statusCode ?? 0;
}

/** Past the credential cache's 30 s lifetime, in the main thread only. */
function thirtySecondsLater(): void {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 31_000 });
}

describe('cluster credentials from a kubeconfig', () => {
  it('uses a static token and the cluster CA', async () => {
    const cluster = await load(await kubeconfigWithUser('static', { token: fake.token }));
    expect(cluster.tls.ca).toBeInstanceOf(Buffer);
    expect(await cluster.authorization()).toBe(`Bearer ${fake.token}`);
    expect(await statusWith(cluster)).toBe(200);
  });

  it('re-reads a token file once the cached credential is old, so a rotated token is picked up', async () => {
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, 'stale-token\n');
    const cluster = await load(
      await kubeconfigWithUser('token-file', {
        'auth-provider': { name: 'tokenFile', config: { tokenFile } },
      }),
    );
    expect(await statusWith(cluster)).toBe(401);
    await writeFile(tokenFile, `${fake.token}\n`);
    expect(await statusWith(cluster)).toBe(401); // still cached
    thirtySecondsLater();
    expect(await statusWith(cluster)).toBe(200);
  });

  it('runs an exec plugin at start and again when its credential expires', async () => {
    const tokenFile = join(dir, 'plugin-token');
    await writeFile(tokenFile, 'stale-token');
    const plugin = join(dir, 'plugin.sh');
    // An already-expired credential, so client-node asks the plugin again on every refresh.
    await writeFile(
      plugin,
      `#!/bin/sh\nprintf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"2000-01-01T00:00:00Z"}}' "$(cat ${tokenFile})"\n`,
    );
    await chmod(plugin, 0o755);
    const cluster = await load(
      await kubeconfigWithUser('exec', {
        exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' },
      }),
    );
    expect(await cluster.authorization()).toBe('Bearer stale-token');
    await writeFile(tokenFile, fake.token);
    thirtySecondsLater();
    expect(await statusWith(cluster)).toBe(200);
  });

  it('names the cluster and the context when the context does not exist', async () => {
    const file = await kubeconfigWithUser('context', { token: fake.token });
    await expect(load(file, 'nope')).rejects.toThrow(
      /cluster "c": context "nope" not found in .*context\.kubeconfig/,
    );
  });

  it('names the cluster when client-node cannot read the kubeconfig', async () => {
    const file = join(dir, 'broken.kubeconfig');
    await writeFile(file, 'clusters: [');
    await expect(load(file)).rejects.toThrow(/^cluster "c": /);
  });
});
