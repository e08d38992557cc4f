import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCaPem } from '../../src/gateway/serving-certificate.js';
import { MASKED_BASE64, MASKED_TEXT } from '../../src/masking/index.js';
import { verifyAuditChain } from '../../src/recording/verify.js';
import { startHarness, type Harness } from '../support/airlock-harness.js';
import { eventually } from '../support/eventually.js';
import { startFakeApiServer, type FakeApiServer } from '../support/fake-apiserver/index.js';
import { startTrickleUpstream, type TrickleUpstream } from '../support/trickle-upstream.js';

/** Watch streams split across chunks, and the store failing underneath a running gateway. */

const b64 = (text: string) => Buffer.from(text).toString('base64');

interface AgentResponse {
  status: number;
  body: string;
}

/** One request to Airlock as an agent would send it, without client-go's automatic retries. */
async function agentRequest(
  h: Harness,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<AgentResponse> {
  const res = await openRequest(h, token, method, path, body);
  let text = '';
  for await (const chunk of res as AsyncIterable<Buffer>) text += chunk.toString('utf8');
  return { status: res.statusCode ?? 0, body: text };
}

async function openRequest(
  h: Harness,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<IncomingMessage> {
  const { hostname, port } = new URL(h.airlock.proxyUrl);
  const ca = await localCaPem(h.dir);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        hostname,
        port,
        method,
        path: `/clusters/default${path}`,
        ca,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
      },
      resolve,
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('watch events split across chunks, through the gateway', () => {
  const GITHUB_TOKEN = 'ghp_SplitStreamCanary123456789012345678901';
  const SECRET_VALUE = 'split-stream-secret-value';
  const secret = (name: string, value: string) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    // Multi-byte characters: a byte-wise split lands inside them too.
    metadata: {
      name,
      namespace: 'default',
      annotations: { note: `rotated by café ☕ with ${GITHUB_TOKEN}` },
    },
    type: 'Opaque',
    data: { password: b64(value) },
  });

  let dir: string;
  let fake: FakeApiServer;
  let trickle: TrickleUpstream;
  let h: Harness;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-trickle-'));
    fake = await startFakeApiServer();
    trickle = await startTrickleUpstream(fake, {
      trickle: (url) => url.searchParams.get('watch') === 'true',
    });
    const upstream = join(dir, 'trickle.kubeconfig');
    await writeFile(upstream, trickle.kubeconfig());
    h = await startHarness({ dir, fake, config: { clusters: [{ name: 'default', kubeconfig: upstream }] } });
    fake.seed(secret('first', SECRET_VALUE));
    fake.seed(secret('second', SECRET_VALUE));
  });

  afterAll(async () => {
    await h?.close();
    await trickle?.close();
    await fake?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers every event whole, parseable and masked', async () => {
    const token = await h.mint({ agent: 'watcher' });
    const stream = await openRequest(h, token, 'GET', '/api/v1/namespaces/default/secrets?watch=true');
    expect(stream.statusCode).toBe(200);
    let received = '';
    stream.on('data', (c: Buffer) => (received += c.toString('utf8')));
    const lines = () => received.split('\n').filter((l) => l !== '');
    try {
      await eventually(() => lines().length >= 2, 'the two initial events', 15_000);
      fake.seed(secret('first', 'split-stream-updated-value'));
      await eventually(() => lines().length >= 3 && received.endsWith('\n'), 'the update event', 15_000);
    } finally {
      stream.destroy();
    }

    expect(trickle.trickledBytes()).toBeGreaterThan(received.length / 2);
    const events = lines().map(
      (line) => JSON.parse(line) as { type: string; object: Record<string, unknown> },
    );
    expect(events.map((e) => [e.type, (e.object.metadata as { name: string }).name])).toEqual([
      ['ADDED', 'first'],
      ['ADDED', 'second'],
      ['MODIFIED', 'first'],
    ]);
    for (const { object } of events) {
      expect(object.data).toEqual({ password: MASKED_BASE64 });
      expect(object.metadata).toMatchObject({
        annotations: { note: `rotated by café ☕ with ${MASKED_TEXT}` },
      });
    }
    for (const canary of [GITHUB_TOKEN, b64(SECRET_VALUE), b64('split-stream-updated-value')])
      expect(received).not.toContain(canary);

    // The watch is one recorded event, summarised when the agent hangs up, not one per frame.
    const recorded = await eventually(async () => {
      const rows: { summary: string }[] = await h.airlock.db('events').where({ verb: 'watch' });
      return rows.length > 0 && rows;
    }, 'the watch to be recorded');
    expect(recorded).toHaveLength(1);
    expect(JSON.parse(recorded[0]!.summary)).toMatchObject({
      stream: true,
      events: 3,
      bytes: Buffer.byteLength(received),
    });
  });

  it('keeps kubectl watching through a trickled stream', async () => {
    const watcher = await h.spawnKubectl(['get', 'secrets', '-w', '-o', 'json', '--output-watch-events']);
    let out = '';
    watcher.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    try {
      await eventually(() => (out.match(/"type":"ADDED"/g) ?? []).length >= 2, 'the initial events', 15_000);
      const trickledBefore = trickle.trickledBytes();
      fake.seed(secret('second', 'split-stream-kubectl-value'));
      await eventually(() => out.includes('"type":"MODIFIED"'), 'the update event', 15_000);
      expect(trickle.trickledBytes()).toBeGreaterThan(trickledBefore);
    } finally {
      watcher.kill();
    }
    expect(out).toContain(`"password":"${MASKED_BASE64}"`);
    expect(out).not.toContain(b64('split-stream-kubectl-value'));
    expect(out).not.toContain(GITHUB_TOKEN);
  });
});

describe('session store down', () => {
  const POLICY = `
apiVersion: airlock.dev/v1
kind: Policy
rules:
  - name: discovery
    match: { nonResourceURLs: ['*'] }
    action: allow
    recording: { level: none, bestEffort: true }
  - name: configmap-reads
    match: { verbs: [get, list, watch], resources: [configmaps] }
    action: allow
    recording: { level: metadata, bestEffort: true }
  - name: everything-else
    match: {}
    action: allow
    recording: { level: metadata }
`;
  let h: Harness;
  let token: string;

  beforeAll(async () => {
    h = await startHarness({ policy: POLICY });
    token = await h.mint({ agent: 'outage-agent' });
  });
  afterAll(async () => h?.close());

  const configMap = (name: string) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default' },
    data: { color: 'blue' },
  });
  const storedEvents = async (): Promise<
    { method: string; resource: string; name: string; status: number }[]
  > => h.airlock.db('events').orderBy('seq').select('method', 'resource', 'name', 'status');

  it('refuses mutations with 503, serves best-effort reads only, and resumes recording after repair', async () => {
    const created = await agentRequest(
      h,
      token,
      'POST',
      '/api/v1/namespaces/default/configmaps',
      configMap('before'),
    );
    expect(created.status).toBe(201);

    await h.airlock.db.raw('ALTER TABLE events RENAME TO events_away');
    // The recorder notices on its next write: this read is forwarded, its recording fails.
    expect((await agentRequest(h, token, 'GET', '/api/v1/namespaces/default/configmaps')).status).toBe(200);
    await eventually(() => h.logs.some((l) => l.includes('recording store failing')), 'the store failure');

    const refused = await agentRequest(
      h,
      token,
      'POST',
      '/api/v1/namespaces/default/configmaps',
      configMap('during'),
    );
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toMatchObject({
      kind: 'Status',
      reason: 'ServiceUnavailable',
      message: expect.stringContaining('cannot record this request right now') as unknown,
      details: { retryAfterSeconds: 5 },
    });
    expect(
      h.fake.getObject({
        group: '',
        version: 'v1',
        resource: 'configmaps',
        namespace: 'default',
        name: 'during',
      }),
    ).toBeUndefined();
    expect((await agentRequest(h, token, 'GET', '/api/v1/namespaces/default/secrets')).status).toBe(503);

    const read = await h.kubectl(['get', 'configmaps']);
    expect(read.stderr).toBe('');
    expect(read.stdout).toContain('before');

    await h.airlock.db.raw('ALTER TABLE events_away RENAME TO events');
    const storedCount = (n: number) => async () => {
      const rows = await storedEvents();
      return rows.length === n && rows;
    };
    await eventually(storedCount(5), 'the events queued during the outage to be stored', 15_000);
    const accepted = await agentRequest(
      h,
      token,
      'POST',
      '/api/v1/namespaces/default/configmaps',
      configMap('after'),
    );
    expect(accepted.status).toBe(201);
    const stored = await eventually(storedCount(6), 'the new event');
    expect(stored.map((e) => `${e.method} ${e.resource} ${e.name} ${e.status}`)).toEqual([
      'POST configmaps  201',
      'GET configmaps  200',
      'POST configmaps  503',
      'GET secrets  503',
      'GET configmaps  200',
      'POST configmaps  201',
    ]);
    await expect(verifyAuditChain(h.airlock.db)).resolves.toEqual({ ok: true, events: stored.length });
  });
});
