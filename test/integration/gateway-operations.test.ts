import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCaPem } from '../../src/gateway/serving-certificate.js';
import { startFakeApiServer } from '../support/fake-apiserver/index.js';
import { startHarness, type Harness } from '../support/airlock-harness.js';

/** Operational behaviour: limits, upstream failures, impersonation mode, health and metrics. */

async function call(
  h: Harness,
  method: string,
  path: string,
  token: string,
  body?: Buffer,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const { hostname, port } = new URL(h.airlock.proxyUrl);
  const ca = await localCaPem(h.dir);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        hostname,
        port,
        path,
        method,
        ca,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          'content-type': 'application/json',
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text || '{}') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('gateway operations', () => {
  let h: Harness;
  let token: string;
  beforeAll(async () => {
    h = await startHarness({
      impersonate: true,
      config: { proxy: { listen: '127.0.0.1:0', maxBodyBytes: 64 * 1024 } },
    });
    token = await h.mint({ agent: 'ops-bot', groups: ['platform'], owner: 'owner@example.com' });
  });
  afterAll(async () => h?.close());

  it('impersonates the agent upstream, one Impersonate-Group line per group, never the agent’s token', async () => {
    h.fake.requests.length = 0;
    const res = await call(h, 'GET', '/clusters/default/api/v1/namespaces/default/configmaps', token);
    expect(res.status).toBe(200);
    const seen = h.fake.requests.find((r) => r.path === '/api/v1/namespaces/default/configmaps')!;
    expect(seen.headers['impersonate-user']).toEqual(['agent:ops-bot']);
    expect(seen.headers['impersonate-group']).toEqual(['platform', 'system:authenticated']);
    expect(seen.headers['impersonate-extra-airlock.dev%2fagent']).toEqual(['ops-bot']);
    expect(seen.headers.authorization).toEqual([`Bearer ${h.fake.token}`]);
  });

  it('refuses bodies over the limit with a 413 Status before forwarding', async () => {
    h.fake.requests.length = 0;
    const big = Buffer.from(
      JSON.stringify({ metadata: { name: 'big' }, data: { x: 'y'.repeat(100 * 1024) } }),
    );
    const res = await call(h, 'POST', '/clusters/default/api/v1/namespaces/default/configmaps', token, big);
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ kind: 'Status', reason: 'RequestEntityTooLarge' });
    expect(h.fake.requests).toEqual([]);
  });

  it('answers an unknown cluster with a 404 Status naming the known ones', async () => {
    const res = await call(h, 'GET', '/clusters/nope/api/v1/pods', token);
    expect(res.status).toBe(404);
    expect(String(res.json.message)).toContain('known: default');
  });

  it('reports health, readiness and metrics on the internal listener, not on the one Slack reaches', async () => {
    expect(await (await fetch(`${h.airlock.internalUrl}/healthz`)).text()).toBe('ok');
    expect((await fetch(`${h.airlock.internalUrl}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${h.airlock.webUrl}/healthz`)).text()).toBe('ok');
    expect((await fetch(`${h.airlock.webUrl}/metrics`)).status).toBe(404);
    expect((await fetch(`${h.airlock.webUrl}/readyz`)).status).toBe(404);
    const metrics = await (await fetch(`${h.airlock.internalUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /airlock_requests_total\{cluster="default",verb="list",decision="allow",code="200"\} \d+/,
    );
    expect(metrics).toContain('airlock_request_duration_seconds_bucket');
    for (const gauge of [
      'airlock_reviews_pending 0',
      'airlock_slack_outbox_depth 0',
      'airlock_slack_outbox_oldest_seconds 0',
      'airlock_parked_requests 0',
      'airlock_recorder_queue_depth',
    ])
      expect(metrics).toContain(gauge);
  });

  it('counts authentication failures by reason', async () => {
    await call(h, 'GET', '/clusters/default/api/v1/pods', '');
    await call(h, 'GET', '/clusters/default/api/v1/pods', 'not-a-jwt');
    const metrics = await (await fetch(`${h.airlock.internalUrl}/metrics`)).text();
    expect(metrics).toMatch(/airlock_auth_failures_total\{reason="no-token"\} [1-9]/);
    expect(metrics).toMatch(/airlock_auth_failures_total\{reason="invalid-token"\} [1-9]/);
  });
});

describe('upstream failures', () => {
  it('answers 503 Status when the cluster is unreachable, and readiness says why', async () => {
    const fake = await startFakeApiServer();
    const h = await startHarness({ fake });
    const token = await h.mint({ agent: 'ops-bot' });
    await fake.close();
    const res = await call(h, 'GET', '/clusters/default/api/v1/namespaces/default/configmaps', token);
    expect(res.status).toBe(503);
    expect(res.json).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable' });
    expect(String(res.json.message)).toContain('cluster "default" is unreachable');
    const metrics = await (await fetch(`${h.airlock.internalUrl}/metrics`)).text();
    expect(metrics).toMatch(/airlock_upstream_errors_total\{cluster="default",failure="unreachable"\} [1-9]/);
    const ready = await fetch(`${h.airlock.internalUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toContain('cluster default');
    await h.close();
  });

  it('stays ready, reporting the cluster as degraded, when one of several clusters is down', async () => {
    const down = await startFakeApiServer();
    const dir = await mkdtemp(join(tmpdir(), 'airlock-degraded-'));
    const downKubeconfig = join(dir, 'down.kubeconfig');
    await writeFile(downKubeconfig, down.kubeconfig());
    const fake = await startFakeApiServer();
    await writeFile(join(dir, 'up.kubeconfig'), fake.kubeconfig());
    const h = await startHarness({
      fake,
      dir,
      config: {
        clusters: [
          { name: 'default', kubeconfig: join(dir, 'up.kubeconfig') },
          { name: 'other', kubeconfig: downKubeconfig },
        ],
      },
    });
    await down.close();
    const ready = await fetch(`${h.airlock.internalUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.text()).toMatch(/^degraded: cluster other: /);
    await h.close();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts without any cluster and tells agents what to configure', async () => {
    const h = await startHarness({ config: { clusters: [] } });
    const token = await h.mint({ agent: 'ops-bot' });
    const res = await call(h, 'GET', '/clusters/default/api/v1/pods', token);
    expect(res.status).toBe(503);
    expect(String(res.json.message)).toContain('no upstream cluster configured');
    expect(h.logs.join('')).toContain('no upstream cluster configured');
    await h.close();
  });
});
