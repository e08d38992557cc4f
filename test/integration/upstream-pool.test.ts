/**
 * The connection to a cluster: short requests reuse the keep-alive pool's TLS connections, sequentially and under
 * concurrency (the pool's name is computed once, see ClusterAgent in upstream.ts); and what goes on the wire is
 * exactly the headers built for it (the transport hands Node a header list).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sendUpstream } from '../../src/kube/transport.js';
import type { UpstreamCluster } from '../../src/kube/upstream.js';
import { startFakeApiServer, type FakeApiServer } from '../support/fake-apiserver/index.js';
import { loadTestCluster } from '../support/upstream-cluster.js';

let fake: FakeApiServer;
let dir: string;
let cluster: UpstreamCluster;

beforeAll(async () => {
  fake = await startFakeApiServer();
  dir = await mkdtemp(join(tmpdir(), 'airlock-pool-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, fake.kubeconfig());
  cluster = await loadTestCluster('pool', kubeconfig);
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

it('writes one Host, an explicit length, no Expect and a line per value, whatever case the caller used', async () => {
  const received: string[] = [];
  const wire = createServer((socket) =>
    socket.on('data', (bytes) => {
      received.push(bytes.toString('latin1'));
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
    }),
  );
  await new Promise<void>((resolve) => wire.listen(0, '127.0.0.1', resolve));
  const { port } = wire.address() as AddressInfo;
  const kubeconfig = join(dir, 'plain.kubeconfig');
  await writeFile(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: c, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]`,
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: c, context: {cluster: c, user: u}}]',
      'current-context: c',
    ].join('\n'),
  );
  const plain = await loadTestCluster('plain', kubeconfig);
  try {
    const reply = await sendUpstream(plain, {
      method: 'POST',
      path: '/api/v1/namespaces',
      headers: {
        Host: 'evil.example',
        Expect: '100-continue',
        'Content-Length': '999',
        'impersonate-group': ['team-a', 'team-b'],
        accept: 'application/json',
      },
      body: Buffer.from('{}'),
    });
    if (reply.kind !== 'response') throw new Error('unexpected upgrade');
    await text(reply.response);
    const head = received.join('').split('\r\n\r\n')[0]!.split('\r\n');
    expect(head[0]).toBe('POST /api/v1/namespaces HTTP/1.1');
    const lines = head.slice(1).map((line) => line.toLowerCase());
    expect(lines.filter((l) => l.startsWith('host:'))).toEqual([`host: 127.0.0.1:${port}`]);
    expect(lines.filter((l) => l.startsWith('content-length:'))).toEqual(['content-length: 2']);
    expect(lines.filter((l) => l.startsWith('expect:'))).toEqual([]);
    expect(lines.filter((l) => l.startsWith('impersonate-group:'))).toEqual([
      'impersonate-group: team-a',
      'impersonate-group: team-b',
    ]);
  } finally {
    await plain.close();
    wire.close();
  }
});
