/**
 * Which path a response takes is decided by the classified request, never by a query parameter or header an agent
 * can set (issue: `?follow=true` on a Secret, pretty-printed lists, upgrade headers on reads, hostile encodings).
 * Every variant reads the planted canary; none may return it.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASKED_BASE64, MASKED_TEXT } from '../../src/masking/index.js';
import { agentHttp, readUntilClosed, type AgentHttp } from '../support/agent-http.js';
import { startHarness, type Harness } from '../support/airlock-harness.js';
import {
  ALLOW_ALL_POLICY,
  CANARY,
  canarySecret,
  expectNoCanary,
  expectNoCanaryStored,
  fetchDirect,
} from './support.js';

const SECRET = '/api/v1/namespaces/default/secrets/db';
const SECRETS = '/api/v1/namespaces/default/secrets';
const WEBSOCKET_UPGRADE = {
  connection: 'Upgrade',
  upgrade: 'websocket',
  'sec-websocket-version': '13',
  'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
};

describe('response paths cannot be chosen by the agent', () => {
  let h: Harness;
  let agent: AgentHttp;

  beforeAll(async () => {
    h = await startHarness({ policy: ALLOW_ALL_POLICY });
    h.fake.seed(canarySecret('db'));
    h.fake.seed(canarySecret('db-2'));
    agent = await agentHttp(h, await h.mint({ agent: 'attacker' }));
  });
  afterAll(async () => {
    await expectNoCanaryStored(h);
    await h.close();
  });

  it.each([
    ['follow=true', `${SECRET}?follow=true`],
    ['follow=1', `${SECRET}?follow=1`],
    ['follow=TRUE', `${SECRET}?follow=TRUE`],
    ['follow=t on a list', `${SECRETS}?follow=t`],
    ['pretty=true on a list', `${SECRETS}?pretty=true`],
    ['pretty=1 on an object', `${SECRET}?pretty=1`],
    ['watch=false&follow=true', `${SECRET}?watch=false&follow=true`],
    // Pretty-printed JSON spans lines: a line-by-line relay would see fragments no masker recognises.
    ['follow=true&pretty=true on an object', `${SECRET}?follow=true&pretty=true`],
    ['follow=1&pretty=1 on a list', `${SECRETS}?follow=1&pretty=1`],
  ])('%s answers the masked object', async (_name, path) => {
    const answer = await agent.request({ path });
    expect(answer.status).toBe(200);
    expectNoCanary(answer.body, path);
    expect(answer.body).toContain(MASKED_BASE64);
  });

  it('a curl user agent (which kube-apiserver pretty-prints for) gets masked lists and objects', async () => {
    // The fake pretty-prints for curl as kube-apiserver does, so the JSON spans many lines.
    const direct = await fetchDirect(h, SECRETS, { 'user-agent': 'curl/8.0' });
    expect(direct.split('\n').length).toBeGreaterThan(10);
    expect(direct).toContain(Buffer.from(CANARY).toString('base64'));
    for (const path of [SECRETS, SECRET, `${SECRET}?follow=true`]) {
      const answer = await agent.curl(path);
      expect(answer.status).toBe(200);
      expectNoCanary(answer.body, `curl ${path}`);
      expect(answer.body).toContain(MASKED_BASE64);
    }
  });

  it('a watch carries masked events whatever else the query says', async () => {
    const answer = await agent.request({ path: `${SECRETS}?watch=1&follow=true&timeoutSeconds=1` });
    expect(answer.status).toBe(200);
    expect(answer.body.trim().split('\n')).toHaveLength(2);
    expectNoCanary(answer.body, 'watch');
  });

  it('Connection: Upgrade on an ordinary read is refused with a Status (the fake would answer it as a plain GET)', async () => {
    // Not vacuous: the fake, like Go's net/http, serves an upgrade request on an ordinary handler as a plain 200.
    expect(await fetchDirectRaw(h, SECRET, WEBSOCKET_UPGRADE)).toMatch(/^HTTP\/1\.1 200/);
    const socket = await agent.socket();
    socket.write(rawRequest(h, `/clusters/default${SECRET}`, await agentToken(h), WEBSOCKET_UPGRADE));
    const { text, closed } = await readUntilClosed(socket);
    expect(closed).toBe(true);
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text).toContain('only served for pods/exec, pods/attach, pods/portforward and proxy');
    expect(framedBody(text)).toMatchObject({ kind: 'Status', code: 400 });
    expectNoCanary(text, 'upgrade on a read');
  });

  it('a watch over WebSocket is refused with a Status (the fake answers it with 101 and unmasked frames)', async () => {
    const direct = await fetchDirectRaw(h, `${SECRETS}?watch=1`, WEBSOCKET_UPGRADE);
    expect(direct).toMatch(/^HTTP\/1\.1 101/);
    expect(direct).toContain(Buffer.from(CANARY).toString('base64'));
    const socket = await agent.socket();
    socket.write(
      rawRequest(h, `/clusters/default${SECRETS}?watch=1`, await agentToken(h), WEBSOCKET_UPGRADE),
    );
    const { text } = await readUntilClosed(socket);
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text).toContain('watch over WebSocket is not served through Airlock');
    expectNoCanary(text, 'websocket watch');
  });

  it('a non-101 answer to an exec upgrade is masked and framed by Content-Length', async () => {
    h.fake.seed({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'shell', namespace: 'default' },
      spec: { containers: [{ name: 'main', image: 'busybox' }] },
    });
    // A hostile (or buggy) cluster answers the upgrade with a Secret instead of 101.
    h.fake.addFault({
      match: (r) => r.path.endsWith('/pods/shell/exec'),
      respond: { status: 403, body: canarySecret('leaked') },
      times: 1,
    });
    const socket = await agent.socket();
    socket.write(
      rawRequest(
        h,
        '/clusters/default/api/v1/namespaces/default/pods/shell/exec?command=sh&stdout=true',
        await agentToken(h),
        { ...WEBSOCKET_UPGRADE, 'sec-websocket-protocol': 'v5.channel.k8s.io' },
      ),
    );
    const { text } = await readUntilClosed(socket);
    expect(text).toMatch(/^HTTP\/1\.1 403 /);
    expectNoCanary(text, 'refused exec');
    const body = framedBody(text) as { data: Record<string, string> };
    expect(body.data.password).toBe(MASKED_BASE64);
  });

  it('an answer in an encoding Airlock never asked for is withheld, not relayed', async () => {
    h.fake.addFault({
      match: (r) => r.path === `${SECRETS}/gz`,
      respond: {
        raw: (res) => {
          const body = gzipSync(JSON.stringify(canarySecret('gz')));
          res.writeHead(200, {
            'content-type': 'application/json',
            'content-encoding': 'gzip',
            'content-length': body.length,
          });
          res.end(body);
        },
      },
    });
    const answer = await agent.request({ path: `${SECRETS}/gz` });
    expect(answer.status).toBe(500);
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(answer.body)).toMatchObject({
      kind: 'Status',
      message: expect.stringContaining('content-encoding'),
    });
  });

  it.each([
    [
      'a whole answer',
      '/api/v1/namespaces/default/configmaps/warned',
      '{"kind":"ConfigMap","apiVersion":"v1"}',
    ],
    [
      'a watch',
      '/api/v1/namespaces/default/configmaps?watch=1&labelSelector=warned%3D1',
      '{"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1"}}\n',
    ],
  ])(
    'Warning headers on %s are masked: a webhook may quote the value it objects to',
    async (_name, path, body) => {
      const warning = `299 - "DATABASE_URL postgres://app:${CANARY}@db must not hold credentials"`;
      h.fake.addFault({
        match: (r) =>
          r.path === path.split('?')[0] && (r.query.get('labelSelector') ?? 'warned=1') === 'warned=1',
        respond: {
          raw: (res) => {
            res.setHeader('warning', [warning, '299 - "plain advice"']);
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(body);
          },
        },
        times: 1,
      });
      const answer = await agent.request({ path });
      expect(answer.status).toBe(200);
      expect(answer.headers.warning).toBe(
        `299 - "DATABASE_URL postgres://app:${MASKED_TEXT}@db must not hold credentials", 299 - "plain advice"`,
      );
    },
  );

  it('JSON that does not decode is withheld, not masked as text', async () => {
    h.fake.addFault({
      match: (r) => r.path === `${SECRETS}/broken`,
      respond: {
        raw: (res) => {
          const body = JSON.stringify(canarySecret('broken')).slice(0, -2);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(body);
        },
      },
    });
    const answer = await agent.request({ path: `${SECRETS}/broken` });
    expect(answer.status).toBe(500);
    expectNoCanary(answer.body, 'broken JSON');
  });

  it.each([
    [
      'a watch streamed as protobuf',
      `${SECRETS}?watch=1&labelSelector=proto%3D1`,
      'application/vnd.kubernetes.protobuf;stream=watch',
    ],
    [
      'a log streamed as JSON',
      '/api/v1/namespaces/default/pods/json-log/log?follow=true',
      'application/json',
    ],
  ])('%s is withheld at once, not relayed or buffered', async (_name, path, contentType) => {
    const pathOnly = path.split('?')[0]!;
    h.fake.addFault({
      match: (r) => r.path === pathOnly && (r.query.get('labelSelector') ?? 'proto=1') === 'proto=1',
      respond: {
        raw: (res) => {
          res.writeHead(200, { 'content-type': contentType });
          res.write(`${JSON.stringify(canarySecret('streamed'))}\n`); // and never ends
        },
      },
      times: 1,
    });
    const answer = await agent.request({ path });
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.body)).toMatchObject({
      kind: 'Status',
      message: expect.stringContaining('cannot mask'),
    });
    expectNoCanary(answer.body, path);
  });

  it('non-follow logs stream through the text masker like followed ones', async () => {
    h.fake.seed({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'logger',
        namespace: 'default',
        annotations: { 'fake.airlock.dev/log': `connecting to postgres://app:${CANARY}@db:5432\nready\n` },
      },
      spec: { containers: [{ name: 'main', image: 'busybox' }] },
    });
    for (const query of ['', '?follow=false', '?tailLines=5']) {
      const answer = await agent.request({ path: `/api/v1/namespaces/default/pods/logger/log${query}` });
      expect(answer.status).toBe(200);
      expect(answer.body).toContain('ready');
      expectNoCanary(answer.body, `log${query}`);
    }
  });
});

async function agentToken(h: Harness): Promise<string> {
  return h.mint({ agent: 'attacker' });
}

function rawRequest(h: Harness, target: string, token: string, headers: Record<string, string>): string {
  const host = new URL(h.airlock.proxyUrl).host;
  const lines = [`GET ${target} HTTP/1.1`, `Host: ${host}`, `Authorization: Bearer ${token}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** The body of a Content-Length framed response, parsed as JSON. */
function framedBody(text: string): unknown {
  const [head, ...rest] = text.split('\r\n\r\n');
  const length = Number(/content-length: (\d+)/i.exec(head ?? '')?.[1]);
  const body = rest.join('\r\n\r\n');
  expect(Buffer.byteLength(body)).toBe(length);
  return JSON.parse(body);
}

/** A raw request straight to the fake, to show what an unguarded relay would have passed on. */
async function fetchDirectRaw(h: Harness, path: string, headers: Record<string, string>): Promise<string> {
  const { default: tls } = await import('node:tls');
  const url = new URL(h.fake.url);
  const socket = tls.connect({ host: url.hostname, port: Number(url.port), ca: h.fake.caPem });
  await new Promise((r) => socket.once('secureConnect', r));
  const lines = [`GET ${path} HTTP/1.1`, `Host: ${url.host}`, `Authorization: Bearer ${h.fake.token}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  const text = await new Promise<string>((resolve) => {
    let received = '';
    socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
    setTimeout(() => resolve(received), 500);
    socket.on('close', () => resolve(received));
  });
  socket.destroy();
  return text;
}
