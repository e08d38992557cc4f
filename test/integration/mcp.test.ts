import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/airlock-harness.js';
import { eventually } from '../support/eventually.js';

/**
 * The built-in MCP endpoint, driven by the SDK's own client over Streamable HTTP: every tool call goes through the
 * gateway's pipeline (policy, review, masking, recording) with the caller's token.
 */

const POLICY = `
apiVersion: airlock.dev/v1
kind: Policy
rules:
  - name: discovery
    match: { nonResourceURLs: ['*'] }
    action: allow
  - name: deletes-reviewed
    match: { verbs: [delete] }
    action: review
    review: { hold: 2s, approvers: { users: [alice, bob] } }
  - name: restarts-reviewed
    match: { verbs: [patch], resources: [deployments] }
    action: review
    review: { hold: 2s, approvers: { users: [alice, bob] } }
  - name: everything
    match: {}
    action: allow
`;

const CANARY = 'canary-mcp-secret-V4N8';

interface TextResult {
  content: { type: string; text: string }[];
  isError?: boolean;
  structuredContent?: {
    review?: { id: string; state: string };
    retry?: { tool: string; arguments: Record<string, unknown> };
  };
}

let h: Harness;

async function connect(token: string): Promise<Client> {
  const client = new Client({ name: 'airlock-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${h.airlock.proxyUrl}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<TextResult> {
  return (await client.callTool({ name, arguments: args })) as TextResult;
}

const worker = () =>
  h.fake.getObject({
    group: 'apps',
    version: 'v1',
    resource: 'deployments',
    namespace: 'shop',
    name: 'worker',
  });

const textOf = (r: TextResult): string => r.content.map((c) => c.text).join('\n');

/** An exchanged token narrowed by `scope`, as an agent's platform would obtain one. */
async function exchange(agent: string, scope: string): Promise<string> {
  const res = await fetch(`${h.airlock.proxyUrl}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: await h.mint({ agent }),
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      scope,
    }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

beforeAll(async () => {
  h = await startHarness({ policy: POLICY, config: { proxy: { listen: '127.0.0.1:0', plainHttp: true } } });
  await writeFile(
    join(h.dir, 'airlock.yaml'),
    'people:\n  - { id: alice, groups: [] }\n  - { id: bob, groups: [] }\n',
  );
  h.fake.seed({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db-credentials', namespace: 'shop' },
    type: 'Opaque',
    stringData: { password: CANARY },
  });
  h.fake.seed({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'settings',
      namespace: 'shop',
      annotations: { note: `curl -H "Authorization: Bearer ${CANARY}"` },
    },
    data: { mode: 'blue' },
  });
  for (const name of ['web', 'worker', 'cache'])
    h.fake.seed({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'shop' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name, image: 'nginx:1.27' }] },
        },
      },
    });
}, 60_000);

afterAll(async () => {
  await h?.close();
});

describe('MCP endpoint: authentication', () => {
  it('answers 401 with a Bearer challenge without a token, and says why a bad one is refused', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const none = await fetch(`${h.airlock.proxyUrl}/mcp`, { method: 'POST', headers, body });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="airlock"');

    const bad = await fetch(`${h.airlock.proxyUrl}/mcp`, {
      method: 'POST',
      headers: { ...headers, authorization: 'Bearer not-a-jwt' },
      body,
    });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="airlock", error="invalid_token", error_description="/,
    );
    expect(((await bad.json()) as { error: { message: string } }).error.message).toBeTruthy();
  });

  it('answers a body that is not JSON, or too large, with a JSON-RPC error before the SDK sees it', async () => {
    const token = await h.mint({ agent: 'mcp-agent' });
    const post = (body: string) =>
      fetch(`${h.airlock.proxyUrl}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body,
      });
    const garbled = await post('{"jsonrpc":');
    expect(garbled.status).toBe(400);
    expect(await garbled.json()).toMatchObject({ error: { code: -32700 } });
    const huge = await post(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', pad: 'x'.repeat(4 << 20) }),
    );
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: { message: string } }).error.message).toContain(
      "larger than Airlock's limit",
    );
  });

  it('is stateless: GET and DELETE are 405 with Allow: POST', async () => {
    const token = await h.mint({ agent: 'mcp-agent' });
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(`${h.airlock.proxyUrl}/mcp`, {
        method,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
  });
});

describe('MCP endpoint: tools through the pipeline', () => {
  let client: Client;
  beforeAll(async () => {
    client = await connect(await h.mint({ agent: 'mcp-agent' }));
  });
  afterAll(async () => {
    await client?.close();
  });

  it('lists the tools with truthful annotations', async () => {
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect([...byName.keys()].sort()).toEqual(
      [
        'apply_manifest',
        'delete_resource',
        'describe_resource',
        'get_logs',
        'get_resource',
        'list_events',
        'list_resources',
        'patch_resource',
        'review_status',
        'rollout_restart',
        'scale',
      ].sort(),
    );
    for (const read of [
      'get_resource',
      'list_resources',
      'describe_resource',
      'get_logs',
      'list_events',
      'review_status',
    ])
      expect(byName.get(read)!.annotations).toMatchObject({ readOnlyHint: true });
    for (const write of ['apply_manifest', 'patch_resource', 'scale', 'delete_resource', 'rollout_restart']) {
      expect(byName.get(write)!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
      expect(byName.get(write)!.inputSchema.required).toContain('reason');
    }
    expect(byName.get('delete_resource')!.annotations?.idempotentHint).toBe(true);
  });

  it('reads a Secret and a ConfigMap with the values masked (the canary never reaches the model)', async () => {
    const secret = await call(client, 'get_resource', {
      resource: 'secret',
      name: 'db-credentials',
      namespace: 'shop',
    });
    expect(secret.isError).toBeFalsy();
    expect(textOf(secret)).toContain('db-credentials');
    expect(textOf(secret)).not.toContain(CANARY);
    expect(textOf(secret)).not.toContain(Buffer.from(CANARY).toString('base64'));
    expect(textOf(secret)).toContain(`password: ${Buffer.from('**masked-by-airlock**').toString('base64')}`);

    const cm = await call(client, 'describe_resource', {
      resource: 'cm',
      name: 'settings',
      namespace: 'shop',
    });
    expect(textOf(cm)).toContain('mode: blue');
    expect(textOf(cm)).not.toContain(CANARY);
    expect(textOf(cm)).toContain('Events:');

    const list = await call(client, 'list_resources', { resource: 'secrets' });
    expect(textOf(list)).toMatch(/^NAMESPACE\s+NAME\s+TYPE\s+DATA\s+AGE/);
    expect(textOf(list)).toMatch(/shop\s+db-credentials\s+Opaque\s+1/);
    expect(textOf(list)).not.toContain(CANARY);
  });

  it('records each tool call as the agent, like any request', async () => {
    await call(client, 'list_resources', { resource: 'deploy', namespace: 'shop' });
    await eventually(async () => {
      const rows: { path: string }[] = await h.airlock
        .db('events')
        .where({ agent_name: 'mcp-agent', verb: 'list' });
      return rows.some((r) => r.path === '/apis/apps/v1/namespaces/shop/deployments');
    }, 'the list recorded as mcp-agent');
  });

  it('applies a manifest (server-side apply) and reports each object', async () => {
    const result = await call(client, 'apply_manifest', {
      manifest: [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: { name: flags }',
        'data: { beta: "on" }',
        '---',
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: { name: limits, namespace: shop }',
        'data: { rps: "100" }',
      ].join('\n'),
      namespace: 'shop',
      reason: 'enable the beta flag for the checkout test',
    });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe('configmaps/flags serverside-applied\nconfigmaps/limits serverside-applied');
    const stored = h.fake.getObject({
      group: '',
      version: 'v1',
      resource: 'configmaps',
      namespace: 'shop',
      name: 'flags',
    });
    expect(stored?.data).toEqual({ beta: 'on' });
  });

  it('says how to narrow an answer over 1 MiB instead of passing half a document', async () => {
    h.fake.seed({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'huge', namespace: 'shop' },
      data: { blob: 'x'.repeat(1_200_000) },
    });
    const huge = await call(client, 'get_resource', { resource: 'cm', name: 'huge', namespace: 'shop' });
    expect(huge.isError).toBe(true);
    expect(textOf(huge)).toMatch(/^the answer is larger than 1 MiB, .*narrow the request/);
  });

  it('refuses bad arguments with a message the model can fix', async () => {
    const unknown = await call(client, 'get_resource', { resource: 'widgets', name: 'x' });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toContain('the cluster serves no resource type "widgets"');
    const wrongPatch = await call(client, 'patch_resource', {
      resource: 'cm',
      name: 'settings',
      namespace: 'shop',
      type: 'json',
      patch: { data: { mode: 'green' } },
      reason: 'switch colour',
    });
    expect(wrongPatch.isError).toBe(true);
    expect(textOf(wrongPatch)).toContain('a json patch is an array of operations');
  });

  it('parks a delete; approved from the terminal, the same call completes, with the reason on the review', async () => {
    const args = {
      resource: 'deployment',
      name: 'worker',
      namespace: 'shop',
      reason: 'worker is replaced by web — déjà vu',
    };
    const parked = await call(client, 'delete_resource', args);
    expect(parked.isError).toBeFalsy();
    const review = parked.structuredContent!.review!;
    expect(review.state).toBe('waiting');
    expect(parked.structuredContent!.retry).toEqual({ tool: 'delete_resource', arguments: args });
    expect(textOf(parked)).toContain(`review ${review.id}`);
    expect(textOf(parked)).toContain('call delete_resource again with exactly these arguments');
    expect(worker()).toBeDefined();

    const stored = await h.airlock.reviews.get(review.id);
    expect(stored?.reason).toBe('worker is replaced by web — déjà vu');

    const status = await call(client, 'review_status', { review_id: review.id });
    expect(textOf(status)).toContain(`Review ${review.id}: pending`);

    const approved = await h.cli(['reviews', 'approve', review.id, '--as', 'alice', '--reason', 'fine']);
    expect(approved.stderr).toBe('');

    const done = await call(client, 'delete_resource', args);
    expect(done.isError).toBeFalsy();
    expect(textOf(done)).toBe('deployments.apps/worker deleted');
    expect(worker()).toBeUndefined();
    expect((await h.airlock.reviews.get(review.id))?.state).toBe('executed');
  });

  it('passes a denial on with the reviewer and reason to the call that waits; review_status tells it afterwards', async () => {
    const args = { resource: 'deploy', name: 'cache', namespace: 'shop', reason: 'cache looks unused' };
    const waiting = call(client, 'delete_resource', args);
    const review = await eventually(
      async () => (await h.airlock.reviews.list()).find((r) => r.reason === 'cache looks unused'),
      'the review of the delete',
    );
    await h.airlock.reviews.decide(
      review.id,
      { id: 'bob', name: 'bob', identifiers: ['bob'], groups: [], via: 'slack', verified: true },
      { decision: 'deny', reason: 'cache serves checkout' },
    );
    const denied = await waiting;
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).toContain(`review ${review.id} was denied by bob: cache serves checkout.`);
    expect(denied.structuredContent?.review).toEqual({ id: review.id, state: 'denied' });

    const status = await call(client, 'review_status', { review_id: review.id });
    expect(textOf(status)).toContain(`Review ${review.id}: denied`);
    expect(textOf(status)).toContain('deny by bob via slack');
  });

  it('a call the client cancels while parked lets go of its request at once', async () => {
    const cancel = new AbortController();
    const args = { resource: 'cm', name: 'flags', namespace: 'shop', reason: 'flags are obsolete' };
    const waiting = client.callTool({ name: 'delete_resource', arguments: args }, undefined, {
      signal: cancel.signal,
    });
    await eventually(() => h.airlock.gateway.parked() === 1, 'the delete parked');
    cancel.abort();
    await expect(waiting).rejects.toThrow();
    // Sooner than the 2 s hold would have ended it.
    await eventually(() => h.airlock.gateway.parked() === 0, 'the parked delete released', 1_500);
  });

  it('rollout_restart: the retry carries the same restartedAt, so it re-attaches to the same review', async () => {
    const parked = await call(client, 'rollout_restart', {
      name: 'web',
      namespace: 'shop',
      reason: 'pick up new config',
    });
    const { review, retry } = parked.structuredContent!;
    expect(retry!.arguments.restartedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const again = await call(client, 'rollout_restart', retry!.arguments);
    expect(again.structuredContent!.review!.id).toBe(review!.id);
  });

  it("review_status does not show another agent's review", async () => {
    const other = await connect(await h.mint({ agent: 'other-agent' }));
    const parked = await call(client, 'delete_resource', {
      resource: 'cm',
      name: 'settings',
      namespace: 'shop',
      reason: 'cleanup',
    });
    const id = parked.structuredContent!.review!.id;
    const peek = await call(other, 'review_status', { review_id: id });
    expect(peek.isError).toBe(true);
    expect(textOf(peek)).toBe(`no review "${id}" of yours exists`);
    await other.close();
  });
});

describe('MCP endpoint: scoped tokens', () => {
  it('refuses a tool call outside the token scope with a message naming the scope', async () => {
    const client = await connect(await exchange('scoped-agent', 'namespace:shop'));
    const inside = await call(client, 'get_resource', {
      resource: 'cm',
      name: 'settings',
      namespace: 'shop',
    });
    expect(inside.isError).toBeFalsy();
    const outside = await call(client, 'list_resources', {
      resource: 'configmaps',
      namespace: 'kube-system',
    });
    expect(outside.isError).toBe(true);
    expect(textOf(outside)).toMatch(/^HTTP 403: .*scope/);
    expect(textOf(outside)).toContain('namespace:shop');
    await client.close();
  });
});
