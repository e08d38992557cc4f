/**
 * The cluster must not be made to read a masked field on the agent's behalf (issue: a JSON-patch `copy` of a
 * Secret's data into an annotation came back unmasked from a dry run and reached the review preview and store;
 * `test` ops answered 200 or 422 to a guess). Driven by real kubectl and raw requests; the canary must not appear
 * in any answer, review, preview or recording.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentHttp, type AgentHttp } from '../support/agent-http.js';
import { startHarness, type Harness } from '../support/airlock-harness.js';
import { SECRET_REVIEW_POLICY } from './secret-review-policy.js';
import { CANARY, canarySecret, expectNoCanary, expectNoCanaryStored } from './support.js';

const SECRET = '/api/v1/namespaces/default/secrets/db';

const COPY = JSON.stringify([{ op: 'copy', from: '/data/password', path: '/metadata/annotations/x' }]);

describe('JSON-patch reads of masked fields', () => {
  let h: Harness;
  let agent: AgentHttp;
  const agentSaw: string[] = [];

  beforeAll(async () => {
    h = await startHarness({ policy: SECRET_REVIEW_POLICY });
    h.fake.seed(canarySecret('db'));
    agent = await agentHttp(h, await h.mint({ agent: 'attacker' }));
  });
  afterAll(async () => {
    expectNoCanary(agentSaw.join('\n'), 'what the agent received');
    await expectNoCanaryStored(h);
    const reviews: unknown[] = await h.airlock.db('reviews').select();
    expectNoCanary(JSON.stringify(reviews), 'the review store');
    await h.close();
  });

  async function patch(ops: unknown[], query = '') {
    const answer = await agent.request({
      method: 'PATCH',
      path: `${SECRET}${query}`,
      headers: { 'content-type': 'application/json-patch+json' },
      body: JSON.stringify(ops),
    });
    agentSaw.push(answer.body);
    return answer;
  }

  it('refuses a server-side dry-run copy of a Secret value into an annotation (kubectl)', async () => {
    const res = await h.kubectl([
      'patch',
      'secret',
      'db',
      '--type=json',
      '-p',
      COPY,
      '--dry-run=server',
      '-o',
      'yaml',
    ]);
    agentSaw.push(res.stdout, res.stderr);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('Error from server (Forbidden): secrets "db" is forbidden: JSON patch op 0');
    expect(res.stderr).toContain('write the value itself with add or replace');
  });

  it.each([
    ['copy of the data map', [{ op: 'copy', from: '/data', path: '/metadata/annotations' }]],
    ['move into a label', [{ op: 'move', from: '/data/password', path: '/metadata/labels/x' }]],
    [
      'copy through an escaped pointer',
      [{ op: 'copy', from: '/data/pass~0word~1', path: '/metadata/annotations/x' }],
    ],
  ])('refuses a %s', async (_what, ops) => {
    expect((await patch(ops, '?dryRun=All')).status).toBe(403);
  });

  it('gives no oracle: a right and a wrong guess get the same refusal', async () => {
    const guess = (value: string) => patch([{ op: 'test', path: '/data/password', value }], '?dryRun=All');
    const right = await guess(Buffer.from(CANARY).toString('base64'));
    const wrong = await guess(Buffer.from('wrong').toString('base64'));
    expect([right.status, wrong.status]).toEqual([403, 403]);
    expect(right.body).toBe(wrong.body);
  });

  it('refuses the real patch before it is reviewed, so no preview or card is built from it', async () => {
    const answer = await patch([{ op: 'copy', from: '/data/password', path: '/metadata/annotations/x' }]);
    expect(answer.status).toBe(403);
    expect(await h.airlock.db('reviews').count({ n: '*' })).toEqual([{ n: 0 }]);
    expect(h.fake.requests.filter((r) => r.method === 'PATCH')).toEqual([]);
  });
});
