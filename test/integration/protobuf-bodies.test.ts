/**
 * Protobuf request bodies are decoded by the cluster (a `dryRun=All` round trip answered as JSON) before Airlock
 * decides: policy, the write-back guard and the recording see the decoded object, the cluster gets the agent's own
 * bytes, and a body the cluster cannot decode is never forwarded. The fake's answers to the dry run are injected here
 * so the gateway side is tested on its own; real kubectl generators run in the kubectl matrix.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASKED_BASE64 } from '../../src/masking/index.js';
import { agentHttp, type AgentHttp } from '../support/agent-http.js';
import { startHarness, type Harness } from '../support/airlock-harness.js';
import type { RecordedRequest } from '../support/fake-apiserver/index.js';
import { eventually } from '../support/eventually.js';
import { ALLOW_ALL_POLICY, CANARY, expectNoCanary } from '../security/support.js';

const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const SECRETS = '/api/v1/namespaces/default/secrets';
const CONFIGMAPS = '/api/v1/namespaces/default/configmaps';

/** Bytes standing in for a protobuf body: the `k8s\\0` magic, then a payload the test recognises. */
const protobufBody = (tag: string) => Buffer.from(`k8s\u0000${tag}`, 'latin1');

const secretObject = (name: string, value: string) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'default' },
  data: { password: Buffer.from(value).toString('base64') },
});

describe('protobuf request bodies', () => {
  let h: Harness;
  let agent: AgentHttp;
  const MAGIC = 'k8s\u0000';
  const tagOf = (r: RecordedRequest) => (r.body.startsWith(MAGIC) ? r.body.slice(MAGIC.length) : undefined);
  const isDryRun = (r: RecordedRequest) => r.query.getAll('dryRun').includes('All');

  beforeAll(async () => {
    h = await startHarness({ policy: ALLOW_ALL_POLICY });
    agent = await agentHttp(h, await h.mint({ agent: 'generator' }));
  });
  afterAll(() => h.close());

  /** Answers dry runs of `tag` with `object` and real requests with 201 and the same object. */
  function clusterDecodes(tag: string, object: unknown, dryRunAnswer?: { status: number; body: unknown }) {
    if (dryRunAnswer) {
      h.fake.addFault({ match: (r) => tagOf(r) === tag && isDryRun(r), respond: dryRunAnswer });
    }
    h.fake.addFault({ match: (r) => tagOf(r) === tag, respond: { status: 201, body: object } });
  }

  const sent = (tag: string) => h.fake.requests.filter((r) => tagOf(r) === tag);

  function post(path: string, tag: string) {
    return agent.request({
      method: 'POST',
      path,
      headers: { 'content-type': PROTOBUF, accept: `${PROTOBUF}, application/json` },
      body: protobufBody(tag).toString('latin1'),
    });
  }

  it('forwards the agent’s own bytes after the cluster decoded them in a dry run', async () => {
    clusterDecodes('cm-ok', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'from-proto', namespace: 'default' },
    });
    const answer = await post(CONFIGMAPS, 'cm-ok');
    expect(answer.status).toBe(201);
    const [dryRun, real] = sent('cm-ok');
    expect(isDryRun(dryRun!)).toBe(true);
    expect(dryRun!.headers.accept).toEqual(['application/json']);
    expect(isDryRun(real!)).toBe(false);
    expect(real!.body).toBe(protobufBody('cm-ok').toString('latin1'));
    expect(real!.headers['content-type']).toEqual([PROTOBUF]);
  });

  it('records the decoded body masked, and masks the answer', async () => {
    clusterDecodes('secret', secretObject('from-proto-secret', CANARY));
    const answer = await post(SECRETS, 'secret');
    expect(answer.status).toBe(201);
    expectNoCanary(answer.body, 'the answer');
    const row = await eventually(async () => {
      const rows: { request_body: string | null }[] = await h.airlock
        .db('events')
        .where({ verb: 'create', resource: 'secrets' });
      return rows[0];
    }, 'the recorded create');
    expect(row.request_body).toContain(MASKED_BASE64);
    expectNoCanary(JSON.stringify(row), 'the recording');
  });

  it('refuses writing a masked placeholder back, found in the decoded object', async () => {
    clusterDecodes('write-back', secretObject('write-back', '**masked-by-airlock**'));
    const answer = await post(SECRETS, 'write-back');
    expect(answer.status).toBe(422);
    expect(sent('write-back').filter((r) => !isDryRun(r))).toEqual([]);
  });

  it('a body the cluster cannot decode gets the cluster’s answer and is never forwarded', async () => {
    clusterDecodes(
      'garbage',
      {},
      {
        status: 400,
        body: {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'BadRequest',
          code: 400,
          message: `cannot decode: postgres://u:${CANARY}@db`,
        },
      },
    );
    const answer = await post(CONFIGMAPS, 'garbage');
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    expectNoCanary(answer.body, 'the refusal');
    expect(sent('garbage').filter((r) => !isDryRun(r))).toEqual([]);
  });
});
