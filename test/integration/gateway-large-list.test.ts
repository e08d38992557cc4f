import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { gunzipSync } from 'node:zlib';
import * as k8s from '@kubernetes/client-node';
import { localCaPem } from '../../src/gateway/serving-certificate.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/airlock-harness.js';

/** Lists above 1 MiB are masked item by item as they stream; every way of reading them must stay masked. */

const CANARY = 'large-list-canary-7f3a';
const COUNT = 300;
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  const filler = Buffer.from('x'.repeat(4000)).toString('base64');
  for (let i = 0; i < COUNT; i++) {
    h.fake.seed({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `s-${i}`, namespace: 'default' },
      type: 'Opaque',
      data: { filler, token: Buffer.from(`${CANARY}-${i}`).toString('base64') },
    });
  }
}, 60_000);
afterAll(async () => h?.close());

const hidden = (text: string) => {
  expect(text).not.toContain(CANARY);
  expect(text).not.toContain(Buffer.from(CANARY).toString('base64').slice(0, 16));
};

it('kubectl -o json gets every item of a >1 MiB Secret list, masked', async () => {
  const res = await h.kubectl(['get', 'secrets', '-o', 'json']);
  expect(res.stderr).toBe('');
  hidden(res.stdout);
  const list = JSON.parse(res.stdout) as {
    items: { metadata: { name: string }; data: Record<string, string> }[];
  };
  expect(list.items).toHaveLength(COUNT);
  expect(Object.keys(list.items[0]!.data).sort()).toEqual(['filler', 'token']);
});

/** The list as a raw HTTPS client reads it, with the headers it sends. */
async function rawList(
  headers: Record<string, string> = {},
): Promise<{ headers: IncomingHttpHeaders; body: Buffer }> {
  const token = await h.mint({ agent: 'raw' });
  const { hostname, port } = new URL(h.airlock.proxyUrl);
  const ca = await localCaPem(h.dir);
  return new Promise((resolve, reject) => {
    https
      .get(
        {
          hostname,
          port,
          ca,
          path: '/clusters/default/api/v1/namespaces/default/secrets',
          headers: { authorization: `Bearer ${token}`, ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        },
      )
      .on('error', reject);
  });
}

it('is streamed (chunked, no Content-Length) rather than decoded whole', async () => {
  const { headers, body } = await rawList();
  expect(headers['content-length']).toBeUndefined();
  expect(headers['transfer-encoding']).toBe('chunked');
  expect(headers['content-encoding']).toBeUndefined();
  hidden(body.toString());
  expect((JSON.parse(body.toString()) as { items: unknown[] }).items).toHaveLength(COUNT);
});

it('is compressed as it streams when the agent accepts gzip, as kube-apiserver compresses large lists', async () => {
  const { headers, body } = await rawList({ 'accept-encoding': 'gzip' });
  expect(headers['content-encoding']).toBe('gzip');
  expect(headers['transfer-encoding']).toBe('chunked');
  const text = gunzipSync(body).toString();
  expect(body.length).toBeLessThan(text.length / 4);
  hidden(text);
  expect((JSON.parse(text) as { items: unknown[] }).items).toHaveLength(COUNT);
});

it('the default table view and client-node typed reads stay masked and decodable', async () => {
  const table = await h.kubectl(['get', 'secrets']);
  hidden(table.stdout);
  expect(table.stdout).toContain(`s-${COUNT - 1}`);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(await h.kubeconfig({ agent: 'node-client' }));
  const list = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedSecret({ namespace: 'default' });
  expect(list.items).toHaveLength(COUNT);
  hidden(JSON.stringify(list));
});
