/**
 * The fast path relays answers byte for byte when masking could not change them; anything secret-shaped still takes
 * the structured path, in single objects, small lists and large lists streamed item by item.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentHttp, type AgentHttp } from '../support/agent-http.js';
import { startHarness, type Harness } from '../support/airlock-harness.js';
import type { KubeObject } from '../support/fake-apiserver/index.js';
import { ALLOW_ALL_POLICY, CANARY, expectNoCanary, expectNoCanaryStored, fetchDirect } from './support.js';

const NS = '/api/v1/namespaces/fast';
const PEM = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(CANARY).toString('base64')}\n-----END PRIVATE KEY-----`;

const configMap = (
  name: string,
  data: Record<string, string>,
  annotations?: Record<string, string>,
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'fast', ...(annotations ? { annotations } : {}) },
  data,
});

const pod = (name: string, env: { name: string; value: string }[]): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'fast' },
  spec: { containers: [{ name: 'app', image: 'nginx:1.27', env }] },
});

describe('the mask-free fast path', () => {
  let h: Harness;
  let agent: AgentHttp;

  beforeAll(async () => {
    h = await startHarness({ policy: ALLOW_ALL_POLICY });
    // Enough clean ConfigMaps to push the list over the 1 MiB streaming threshold.
    for (let i = 0; i < 1200; i++) h.fake.seed(configMap(`clean-${i}`, { value: 'x'.repeat(900) }));
    h.fake.seed(configMap('connection', { url: `postgres://app:${CANARY}@db:5432/shop` }));
    h.fake.seed(configMap('pem', {}, { 'example.com/key': PEM }));
    h.fake.seed(pod('env', [{ name: 'API_TOKEN', value: CANARY }]));
    agent = await agentHttp(h, await h.mint({ agent: 'reader' }));
  });
  afterAll(async () => {
    await expectNoCanaryStored(h);
    await h.close();
  });

  it('relays a clean object byte for byte, undecoded (its pretty-printing survives)', async () => {
    const path = `${NS}/configmaps/clean-1?pretty=true`;
    const direct = await fetchDirect(h, path);
    expect(direct.split('\n').length).toBeGreaterThan(5);
    const through = await agent.request({ path });
    expect(through.body).toBe(direct);
    // A secret-shaped object takes the structured path, which re-encodes compactly.
    const masked = await agent.request({ path: `${NS}/configmaps/connection?pretty=true` });
    expect(masked.body.trim().split('\n')).toHaveLength(1);
  });

  it.each([
    ['a secret-shaped string in a ConfigMap', `${NS}/configmaps/connection`],
    ['a PEM key in an annotation', `${NS}/configmaps/pem`],
    ['a token in a pod env var', `${NS}/pods/env`],
    ['the pod in a list', `${NS}/pods`],
    ['all of them in a streamed list', `${NS}/configmaps`],
  ])('%s is still masked', async (_name, path) => {
    const answer = await agent.request({ path });
    expect(answer.status).toBe(200);
    expectNoCanary(answer.body, path);
    expect(answer.body).toContain('masked-by-airlock');
  });

  it('a large clean list streams through with its items unchanged', async () => {
    const answer = await agent.request({ path: `${NS}/configmaps?labelSelector=` });
    const items = (
      JSON.parse(answer.body) as { items: { metadata: { name: string }; data: Record<string, string> }[] }
    ).items;
    expect(items.length).toBe(1202);
    expect(items.find((i) => i.metadata.name === 'clean-7')?.data.value).toBe('x'.repeat(900));
  });
});
