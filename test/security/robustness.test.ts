/**
 * One agent cannot crash Airlock or make it hold unbounded memory, and every request settles — ends for the agent,
 * releases its upstream connection and is recorded with its real outcome — whatever the agent or the cluster does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASKED_BASE64 } from '../../src/masking/index.js';
import { agentHttp, readUntilClosed, type AgentHttp } from '../support/agent-http.js';
import { startHarness, type Harness } from '../support/airlock-harness.js';
import { eventually } from '../support/eventually.js';
import { produceLazily, type Production } from './hostile-upstream.js';
import { ALLOW_ALL_POLICY, CANARY, canarySecret, expectNoCanary, expectNoCanaryStored } from './support.js';

const SECRETS = '/api/v1/namespaces/default/secrets';
const CONFIGMAPS = '/api/v1/namespaces/default/configmaps';
const MiB = 1024 * 1024;

async function recordedEvent(h: Harness, where: Record<string, unknown>) {
  return eventually(
    async () => {
      const rows: Record<string, unknown>[] = await h.airlock.db('events').where(where);
      return rows.length > 0 ? rows[rows.length - 1] : undefined;
    },
    `an event recorded for ${JSON.stringify(where)}`,
  );
}

describe('edge robustness', () => {
  let h: Harness;
  let agent: AgentHttp;
  let token: string;

  beforeAll(async () => {
    h = await startHarness({
      policy: ALLOW_ALL_POLICY,
      config: {
        proxy: {
          listen: '127.0.0.1:0',
          timeouts: { request: 1, headers: 1, bodyIdle: 1 },
          limits: { maxInFlightPerAgent: 12, maxLongRunningPerAgent: 6 },
        },
      },
    });
    h.fake.seed(canarySecret('db'));
    token = await h.mint({ agent: 'attacker' });
    agent = await agentHttp(h, token);
  });
  afterAll(async () => {
    await expectNoCanaryStored(h);
    await h.close();
  });

  it('caps long-running requests per agent with a 429 that client-go retries, without touching other agents', async () => {
    const watches = await Promise.all(
      Array.from({ length: 6 }, () => agent.open({ path: `${SECRETS}?watch=1` })),
    );
    expect(watches.map((w) => w.res.statusCode)).toEqual(Array(6).fill(200));

    const refused = await agent.request({ path: `${SECRETS}?watch=1` });
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('5');
    expect(JSON.parse(refused.body)).toMatchObject({ kind: 'Status', reason: 'TooManyRequests' });
    // Short requests of the same agent and other agents' watches still pass.
    expect((await agent.request({ path: `${SECRETS}/db` })).status).toBe(200);
    const otherToken = await h.mint({ agent: 'neighbour' });
    const other = await (await agentHttp(h, otherToken)).open({ path: `${SECRETS}?watch=1` });
    expect(other.res.statusCode).toBe(200);

    for (const w of [...watches, other]) w.close();
    await eventually(() => h.airlock.gateway.inFlight() === 0, 'the watches to be released');
    const again = await agent.open({ path: `${SECRETS}?watch=1` });
    expect(again.res.statusCode).toBe(200);
    again.close();
  });

  it('a watch whose upstream dies mid-stream ends for the agent, drops the cut event and is recorded', async () => {
    const event = JSON.stringify({ type: 'ADDED', object: canarySecret('cut') });
    h.fake.addFault({
      match: (r) =>
        r.path === SECRETS && r.query.get('watch') === '1' && r.query.get('labelSelector') === 'cut=1',
      respond: {
        raw: (res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write(`${event}\n${event.slice(0, 60)}`);
          setTimeout(() => res.socket?.destroy(), 200);
        },
      },
    });
    const started = Date.now();
    const answer = await agent.request({ path: `${SECRETS}?watch=1&labelSelector=cut%3D1` });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(answer.status).toBe(200);
    const lines = answer.body.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).object.data.password).toBe(MASKED_BASE64);
    const row = await recordedEvent(h, { verb: 'watch', query: 'watch=1&labelSelector=cut%3D1' });
    expect(JSON.parse(String(row.summary))).toMatchObject({
      stream: true,
      events: 1,
      upstreamFailure: expect.any(String),
    });
  });

  it('kubectl get -w does not hang when the upstream watch dies', async () => {
    h.fake.addFault({
      match: (r) => r.path === CONFIGMAPS && r.query.get('watch') === 'true',
      respond: {
        raw: (res) => (
          res.writeHead(200, { 'content-type': 'application/json' }),
          res.flushHeaders(),
          setTimeout(() => res.socket?.destroy(), 300)
        ),
      },
      times: 5,
    });
    h.fake.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'watched', namespace: 'default' } });
    const started = Date.now();
    const result = await h.kubectl(['get', 'configmaps', '-w', '--request-timeout=0'], {
      as: { agent: 'watcher' },
      timeoutMs: 20_000,
    });
    expect(Date.now() - started).toBeLessThan(15_000);
    // The list succeeded and the watch was opened (the fault consumed), then it ended instead of hanging.
    expect(result.stdout).toContain('watched');
    expect(h.fake.requests.some((r) => r.path === CONFIGMAPS && r.query.get('watch') === 'true')).toBe(true);
  });

  it('an agent that leaves while its write is upstream settles: no hang, recorded as 499 and forwarded', async () => {
    h.fake.addFault({
      match: (r) => r.method === 'POST' && r.body.includes('"abandoned"'),
      respond: 'hang',
      times: 1,
    });
    const before = h.fake.requests.length;
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'abandoned' } });
    const socket = await agent.socket();
    socket.write(
      `POST /clusters/default${CONFIGMAPS} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    await eventually(
      () => h.fake.requests.slice(before).some((r) => r.body.includes('"abandoned"')),
      'the POST to reach the cluster',
    );
    socket.destroy();
    await eventually(() => h.airlock.gateway.inFlight() === 0, 'the request to settle');
    const row = await recordedEvent(h, { verb: 'create', status: 499 });
    // Why it ended, as the record says it: the agent left; the cluster was not unreachable.
    expect(JSON.parse(String(row.summary))).toMatchObject({
      agentLeft: true,
      forwarded: true,
      error: 'the agent closed the connection before the answer',
    });
  });

  it('a short request the cluster does not answer gets a 504 Status at the deadline', async () => {
    h.fake.addFault({ match: (r) => r.path === `${SECRETS}/slow`, respond: 'hang' });
    const started = Date.now();
    const answer = await agent.request({ path: `${SECRETS}/slow` });
    expect(answer.status).toBe(504);
    expect(JSON.parse(answer.body)).toMatchObject({ kind: 'Status', reason: 'Timeout' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('long-running requests get no deadline: a 3 s watch outlives the 1 s request timeout', async () => {
    const started = Date.now();
    const answer = await agent.request({ path: `${SECRETS}?watch=1&timeoutSeconds=3` });
    expect(answer.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_900);
    expectNoCanary(answer.body, 'watch');
  });

  it('a stalled upload is cut with 408 and a slow-loris connection is closed', async () => {
    const upload = await agent.socket();
    upload.write(
      `POST /clusters/default${CONFIGMAPS} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"apiVersion":',
    );
    const stalled = await readUntilClosed(upload, 8_000);
    expect(stalled.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(stalled.text).toContain('the request body stalled');

    const loris = await agent.socket();
    loris.write('GET /clusters/default/api/v1/namespaces HTTP/1.1\r\nHost: x\r\n');
    const cut = await readUntilClosed(loris, 8_000);
    expect(cut.closed).toBe(true);
  });

  describe('memory stays bounded: streams with backpressure, released when the agent leaves', () => {
    const logLine = (i: number) =>
      `${String(i).padStart(8, '0')} db=postgres://app:${CANARY}@db:5432 ${'x'.repeat(80)}\n`;

    async function pausedReader(path: string, production: () => Production | undefined) {
      const { res, close } = await agent.open({ path });
      res.pause();
      await new Promise((r) => setTimeout(r, 1_500));
      const produced = production()!.bytes;
      let received = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (received.length < 64 * 1024 ? (received += c) : undefined));
      res.resume();
      await new Promise((r) => setTimeout(r, 200));
      close();
      await eventually(() => production()!.closed, 'the upstream stream to be released');
      return { produced, received, status: res.statusCode };
    }

    it('a 200 MiB log without follow is streamed to a paused agent, not buffered, and masked', async () => {
      let production: Production | undefined;
      h.fake.addFault({
        match: (r) => r.path.endsWith('/pods/big/log'),
        respond: {
          raw: (res) =>
            (production = produceLazily(res, {
              contentType: 'text/plain',
              totalBytes: 200 * MiB,
              chunk: logLine,
            })),
        },
        times: 1,
      });
      const { produced, received, status } = await pausedReader(
        '/api/v1/namespaces/default/pods/big/log',
        () => production,
      );
      expect(status).toBe(200);
      expect(produced).toBeLessThan(48 * MiB);
      expect(received).toContain('db=postgres://app:');
      expectNoCanary(received, 'streamed log');
    });

    it('an endless followed log is released as soon as the agent leaves', async () => {
      let production: Production | undefined;
      h.fake.addFault({
        match: (r) => r.path.endsWith('/pods/chatty/log'),
        respond: {
          raw: (res) =>
            (production = produceLazily(res, {
              contentType: 'text/plain',
              totalBytes: Infinity,
              chunk: logLine,
            })),
        },
        times: 1,
      });
      const { produced } = await pausedReader(
        '/api/v1/namespaces/default/pods/chatty/log?follow=1',
        () => production,
      );
      expect(produced).toBeLessThan(48 * MiB);
    });

    it('a 150 MiB Secret list to a paused agent applies backpressure and masks every item', async () => {
      let production: Production | undefined;
      const item = (i: number) =>
        `${i === 1 ? '' : ','}${JSON.stringify({ ...canarySecret(`s-${i}`), kind: undefined, apiVersion: undefined })}`;
      h.fake.addFault({
        match: (r) => r.path === SECRETS && r.query.get('labelSelector') === 'huge=1',
        respond: {
          raw: (res) =>
            (production = produceLazily(res, {
              contentType: 'application/json',
              totalBytes: 150 * MiB,
              prefix: '{"kind":"SecretList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[',
              chunk: item,
              suffix: ']}',
            })),
        },
        times: 1,
      });
      const { produced, received } = await pausedReader(
        `${SECRETS}?labelSelector=huge%3D1`,
        () => production,
      );
      expect(produced).toBeLessThan(48 * MiB);
      expect(received).toContain(MASKED_BASE64);
      expectNoCanary(received, 'streamed list');
    });
  });
});
