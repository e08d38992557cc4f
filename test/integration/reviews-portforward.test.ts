import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { localCaPem } from '../../src/gateway/serving-certificate.js';
import { startHarness, type Harness } from '../support/airlock-harness.js';
import { eventually } from '../support/eventually.js';

/** Port-forward under review: held before any upgrade, upgraded and flowing once approved. */

const POLICY = `
apiVersion: airlock.dev/v1
kind: Policy
rules:
  - name: port-forward
    match: { resources: [pods/portforward] }
    action: review
    review: { approvers: { users: [alice] }, hold: 30s }
  - name: everything-else
    match: {}
    action: allow
`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ policy: POLICY });
  h.fake.seed({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'db', namespace: 'default' },
    spec: { containers: [{ name: 'postgres', image: 'postgres:16' }] },
  });
});
afterAll(async () => h?.close());

it('holds a port-forward before the upgrade, then tunnels bytes once approved', async () => {
  const token = await h.mint({ agent: 'tunnel-bot', owner: 'owner@example.com' });
  const url = `${h.airlock.proxyUrl.replace('https', 'wss')}/clusters/default/api/v1/namespaces/default/pods/db/portforward?ports=5432`;
  h.fake.requests.length = 0;
  const ws = new WebSocket(url, ['portforward.k8s.io'], {
    ca: await localCaPem(h.dir),
    headers: { authorization: `Bearer ${token}` },
  });
  const frames: Buffer[] = [];
  ws.on('message', (data: Buffer) => frames.push(data));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });

  const review = await eventually(
    async () => (await h.airlock.reviews.list({ states: ['pending'] }))[0],
    'a pending review',
  );
  expect(review.classification).toMatchObject({ resource: 'pods', subresource: 'portforward', name: 'db' });
  expect(h.fake.requests.filter((r) => r.path.endsWith('/portforward'))).toEqual([]);

  const decided = await h.airlock.reviews.decide(
    review.id,
    { id: 'alice', name: 'alice', identifiers: ['alice'], groups: [], via: 'terminal', verified: true },
    { decision: 'approve' },
  );
  expect(decided.ok).toBe(true);
  await opened;
  expect(ws.protocol).toBe('portforward.k8s.io');

  await eventually(async () => frames.length >= 2 || undefined, 'the port preambles');
  expect(frames[0]).toEqual(Buffer.from([0, 0x38, 0x15])); // data channel 0, port 5432 little endian
  ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('ping')]));
  const echo = await eventually(
    async () => frames.find((f) => f.subarray(1).toString() === 'ping'),
    'the echo',
  );
  expect(echo[0]).toBe(0);
  ws.close();
  expect(h.fake.requests.filter((r) => r.path.endsWith('/portforward'))).toHaveLength(1);
  await eventually(
    async () => (await h.airlock.reviews.get(review.id))?.state === 'executed' || undefined,
    'executed',
  );
});
