/**
 * Every request Airlock forwards carries only the headers Airlock chose, whichever way the agent sends its body
 * (issue: `Expect: 100-continue` made the forwarding library skip the header rewrite, so the agent's own token and
 * headers reached the cluster).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentHttp, type AgentHttp } from '../support/agent-http.js';
import { startHarness, type Harness } from '../support/airlock-harness.js';
import type { RecordedRequest } from '../support/fake-apiserver/index.js';
import { ALLOW_ALL_POLICY } from './support.js';

const CONFIGMAPS = '/api/v1/namespaces/default/configmaps';

const configMap = (name: string, value: string) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { value } });

/** Headers an attacker adds hoping they reach the cluster. */
const SMUGGLED = [
  '-H',
  'X-Remote-User: system:admin',
  '-H',
  'X-Remote-Group: system:masters',
  '-H',
  'Cookie: session=1',
];

describe.each([
  { mode: 'bearer token', impersonate: false },
  { mode: 'impersonation', impersonate: true },
])('outbound headers are Airlock’s own ($mode)', ({ impersonate }) => {
  let h: Harness;
  let agent: AgentHttp;
  let token: string;

  beforeAll(async () => {
    h = await startHarness({ policy: ALLOW_ALL_POLICY, impersonate });
    token = await h.mint({ agent: 'attacker' });
    agent = await agentHttp(h, token);
  });
  afterAll(() => h.close());

  function lastWrite(name: string): RecordedRequest {
    const sent = h.fake.requests.filter((r) => r.method === 'POST' && r.body.includes(`"${name}"`));
    expect(sent).toHaveLength(1);
    return sent[0]!;
  }

  function expectAirlockHeaders(sent: RecordedRequest): void {
    expect(sent.headers.authorization).toEqual([`Bearer ${h.fake.token}`]);
    expect(JSON.stringify(sent.headers)).not.toContain(token);
    for (const name of ['expect', 'x-remote-user', 'x-remote-group', 'cookie'])
      expect(sent.headers[name], name).toBeUndefined();
    if (impersonate) expect(sent.headers['impersonate-user']).toEqual([expect.stringContaining('attacker')]);
    else expect(sent.headers['impersonate-user']).toBeUndefined();
  }

  it('with Expect: 100-continue on a small body', async () => {
    const answer = await agent.curl(CONFIGMAPS, [
      '-X',
      'POST',
      '-H',
      'Content-Type: application/json',
      '-H',
      'Expect: 100-continue',
      ...SMUGGLED,
      '--data-binary',
      configMap('expect-small', 'v'),
    ]);
    expect(answer.status).toBe(201);
    expectAirlockHeaders(lastWrite('expect-small'));
  });

  it('with the Expect: 100-continue curl sends by itself for bodies over 1 MiB', async () => {
    const file = join(h.dir, 'large.json');
    await writeFile(file, configMap('expect-large', 'x'.repeat(1_500_000)));
    const answer = await agent.curl(CONFIGMAPS, [
      '-X',
      'POST',
      '-H',
      'Content-Type: application/json',
      ...SMUGGLED,
      '--data-binary',
      `@${file}`,
    ]);
    expect(answer.status).toBe(201);
    const sent = lastWrite('expect-large');
    expectAirlockHeaders(sent);
    expect(sent.body.length).toBeGreaterThan(1_500_000);
  });

  it('with a chunked upload', async () => {
    const answer = await agent.curl(CONFIGMAPS, [
      '-X',
      'POST',
      '-H',
      'Content-Type: application/json',
      '-H',
      'Transfer-Encoding: chunked',
      ...SMUGGLED,
      '--data-binary',
      configMap('chunked', 'v'),
    ]);
    expect(answer.status).toBe(201);
    expectAirlockHeaders(lastWrite('chunked'));
  });
});
