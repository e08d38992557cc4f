/**
 * A cluster's keep-alive pool: short requests reuse its TLS connections, sequentially and under concurrency, and the
 * pool stays one pool for every request (its name is computed once, see ClusterAgent in upstream.ts).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sendUpstream } from '../../src/kube/transport.js';
import { loadClusters, type UpstreamCluster } from '../../src/kube/upstream.js';
import { startFakeApiServer, type FakeApiServer } from '../support/fake-apiserver/index.js';

let fake: FakeApiServer;
let dir: string;
let cluster: UpstreamCluster;

beforeAll(async () => {
  fake = await startFakeApiServer();
  dir = await mkdtemp(join(tmpdir(), 'airlock-pool-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, fake.kubeconfig());
  [cluster] = (await loadClusters(
    [{ name: 'pool', kubeconfig, inCluster: false, impersonate: false, default: false }],
    {},
  )) as [UpstreamCluster];
});
afterAll(async () => {
  await cluster.close();
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

async function get(path: string): Promise<number> {
  const reply = await sendUpstream(cluster, {
    method: 'GET',
    path,
    headers: { authorization: `Bearer ${fake.token}`, accept: 'application/json' },
  });
  if (reply.kind !== 'response') throw new Error('unexpected upgrade');
  await text(reply.response);
  return reply.response.statusCode ?? 0;
}

it('reuses one connection for sequential requests and at most one per concurrent request', async () => {
  const before = fake.connections();
  for (let i = 0; i < 30; i++) expect(await get('/api/v1/namespaces/default/configmaps')).toBe(200);
  expect(fake.connections() - before).toBe(1);
  for (let round = 0; round < 5; round++) {
    const statuses = await Promise.all(Array.from({ length: 8 }, () => get('/api/v1/namespaces')));
    expect(statuses.every((s) => s === 200)).toBe(true);
  }
  expect(fake.connections() - before).toBeLessThanOrEqual(8);
});
