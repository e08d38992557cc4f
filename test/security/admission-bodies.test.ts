/**
 * Request bodies that disagree with their URL or are built to break Airlock (issue: a body claiming another kind was
 * masked by that kind and stored in the clear; a body namespace other than the URL's was not refused; JSON nested
 * 2,000 deep answered 500; the OPTIONS denial read "cannot  resource").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentHttp, type AgentHttp } from '../support/agent-http.js';
import { startHarness, type Harness } from '../support/airlock-harness.js';
import { SECRET_REVIEW_POLICY } from './secret-review-policy.js';
import { CANARY, expectNoCanary, expectNoCanaryStored } from './support.js';

const SECRETS = '/api/v1/namespaces/default/secrets';
const CONFIGMAPS = '/api/v1/namespaces/default/configmaps';

describe('admission of request bodies', () => {
  let h: Harness;
  let agent: AgentHttp;

  beforeAll(async () => {
    h = await startHarness({ policy: SECRET_REVIEW_POLICY });
    agent = await agentHttp(h, await h.mint({ agent: 'attacker' }));
  });
  afterAll(async () => {
    await expectNoCanaryStored(h);
    const reviews: unknown[] = await h.airlock.db('reviews').select();
    expectNoCanary(JSON.stringify(reviews), 'the review store');
    await h.close();
  });

  const post = (path: string, body: unknown, contentType = 'application/json') =>
    agent.request({
      method: 'POST',
      path,
      headers: { 'content-type': contentType },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it.each(['secret', 'ConfigMap'])(
    'masks a body claiming kind %s by the URL’s resource before it is reviewed or recorded',
    async (kind) => {
      const answer = await post(SECRETS, {
        apiVersion: 'v1',
        kind,
        metadata: { name: `claims-${kind.toLowerCase()}` },
        data: { password: Buffer.from(CANARY).toString('base64') },
        stringData: { token: CANARY },
      });
      expectNoCanary(answer.body, 'the answer');
      const reviews: { redacted_request: string }[] = await h.airlock
        .db('reviews')
        .select('redacted_request');
      const reviewed = reviews.filter((r) => r.redacted_request.includes(`claims-${kind.toLowerCase()}`));
      expect(reviewed).toHaveLength(1);
      expectNoCanary(JSON.stringify(reviewed), 'the review store');
      await expectNoCanaryStored(h);
    },
  );

  it('refuses a body whose namespace is not the URL’s, as kube-apiserver does', async () => {
    const answer = await post(CONFIGMAPS, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'elsewhere', namespace: 'kube-system' },
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({
      kind: 'Status',
      reason: 'BadRequest',
      message: expect.stringMatching(
        /^the namespace of the provided object does not match the namespace sent on the request/,
      ),
    });
    expect(h.fake.requests.filter((r) => r.body.includes('elsewhere'))).toEqual([]);
    const patched = await agent.request({
      method: 'PATCH',
      path: `${CONFIGMAPS}/here`,
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata: { namespace: 'kube-system' } }),
    });
    expect(patched.status).toBe(400);
    expect(JSON.parse(patched.body)).toMatchObject({
      message: expect.stringMatching(
        /^the namespace of the object \(kube-system\) does not match the namespace on the URL \(default\)/,
      ),
    });
    // The same namespace, or none, is fine.
    expect(
      (await post(CONFIGMAPS, { kind: 'ConfigMap', metadata: { name: 'here', namespace: 'default' } }))
        .status,
    ).toBe(201);
  });

  it.each([
    [
      'JSON',
      'application/json',
      `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"data":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}`,
    ],
    [
      'YAML',
      'application/yaml',
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: ${'['.repeat(20000)}${']'.repeat(20000)}\n`,
    ],
  ])('answers %s nested 2,000+ deep with a 400 and keeps serving', async (_format, contentType, body) => {
    const answer = await post(CONFIGMAPS, body, contentType);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({
      reason: 'BadRequest',
      message: expect.stringContaining('nested more than 256 levels deep'),
    });
    expect((await agent.request({ path: CONFIGMAPS })).status).toBe(200);
  });

  it('explains an OPTIONS request it denies in one readable sentence', async () => {
    const answer = await agent.request({ method: 'OPTIONS', path: CONFIGMAPS });
    expect(answer.status).toBe(403);
    const { message } = JSON.parse(answer.body) as { message: string };
    expect(message).toContain('agent "attacker" cannot send OPTIONS requests to resource "configmaps"');
    expect(message).not.toMatch(/ {2}/);
  });
});
