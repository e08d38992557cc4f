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

  /** POSTs a ConfigMap with curl, the attacker's headers and `extra` curl arguments; returns what reached the cluster. */
  async function postWith(
    name: string,
    extra: string[],
    body = configMap(name, 'v'),
  ): Promise<RecordedRequest> {
    const answer = await agent.curl(CONFIGMAPS, [
      '-X',
      'POST',
      '-H',
      'Content-Type: application/json',
      ...SMUGGLED,
      ...extra,
      '--data-binary',
      body,
    ]);
    expect(answer.status).toBe(201);
    return lastWrite(name);
  }

  it('with Expect: 100-continue on a small body', async () => {
    expectAirlockHeaders(await postWith('expect-small', ['-H', 'Expect: 100-continue']));
  });

  it('with the Expect: 100-continue curl sends by itself for bodies over 1 MiB', async () => {
    const file = join(h.dir, 'large.json');
    await writeFile(file, configMap('expect-large', 'x'.repeat(1_500_000)));
    const sent = await postWith('expect-large', [], `@${file}`);
    expectAirlockHeaders(sent);
    expect(sent.body.length).toBeGreaterThan(1_500_000);
  });

  it('with a chunked upload', async () => {
    expectAirlockHeaders(await postWith('chunked', ['-H', 'Transfer-Encoding: chunked']));
  });
});
