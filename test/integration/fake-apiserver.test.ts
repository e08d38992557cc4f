/**
 * The fake API server against real clients: /usr/bin/kubectl (dispatching to kubectl 1.32 by /version)
 * and @kubernetes/client-node, plus raw HTTPS checks of the API semantics other tests rely on.
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../support/eventually.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  LOG_ANNOTATION,
  startFakeApiServer,
  type FakeApiServer,
  type KubeObject,
} from '../support/fake-apiserver/index.js';

let fake: FakeApiServer;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  fake = await startFakeApiServer();
  dir = await mkdtemp(join(tmpdir(), 'fake-apiserver-test-'));
  await writeFile(join(dir, 'kubeconfig'), fake.kubeconfig());
  env = {
    KUBECONFIG: join(dir, 'kubeconfig'),
    KUBECACHEDIR: join(dir, 'cache'),
    HOME: dir,
    PATH: process.env.PATH,
  };
});

afterAll(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile('kubectl', args, { env, timeout: 15_000 }, (err, stdout, stderr) => {
      const code = err && typeof err.code === 'number' ? err.code : err ? -1 : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(stdin ?? '');
  });
}

async function manifest(name: string, obj: object): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(obj));
  return path;
}

interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => Record<string, unknown>;
}

function call(
  method: string,
  path: string,
  opts: { body?: unknown; headers?: Record<string, string | string[]>; token?: string } = {},
): Promise<Response> {
  const payload =
    opts.body === undefined
      ? undefined
      : typeof opts.body === 'string'
        ? opts.body
        : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${fake.url}${path}`,
      {
        method,
        ca: fake.caPem,
        headers: {
          authorization: `Bearer ${opts.token ?? fake.token}`,
          // Node frames DELETE bodies only with an explicit length.
          ...(payload !== undefined
            ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }
            : {}),
          ...opts.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: () => JSON.parse(text) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const configMap = (name: string, data: Record<string, string>, namespace = 'default'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace },
  data,
});

const pod = (name: string, annotations: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', annotations },
  spec: { containers: [{ name: 'main', image: 'busybox' }] },
});

const deployment = (name: string, replicas: number, image = 'nginx:1.27'): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default' },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'web', image, env: [{ name: 'A', value: '1' }] }] },
    },
  },
});

const cm = (name: string, namespace = 'default') =>
  fake.getObject({ group: '', version: 'v1', resource: 'configmaps', namespace, name });
async function podNames(labelSelector: string): Promise<string[]> {
  const res = await call(
    'GET',
    `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(labelSelector)}`,
  );
  return (res.json().items as KubeObject[]).map((p) => p.metadata.name ?? '');
}

const lastRequest = (method: string, pathSuffix: string) =>
  fake.requests.filter((r) => r.method === method && r.path.endsWith(pathSuffix)).at(-1);

describe('kubectl 1.32 against the fake', () => {
  it('lists namespaces as a server-side table, after picking kubectl by /version', async () => {
    const run = await kubectl(['get', 'ns']);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^NAME\s+STATUS\s+AGE\n/);
    expect(run.stdout).toMatch(/\ndefault\s+Active\s+\d+s\n/);
    expect(run.stdout).toMatch(/\nkube-system\s+Active/);
    expect(fake.requests.some((r) => r.path === '/version')).toBe(true);
    expect(lastRequest('GET', '/api/v1/namespaces')?.headers.accept?.[0]).toContain('as=Table');
  });

  it('creates from a file with default (server-side) field validation', async () => {
    const run = await kubectl([
      'create',
      '-f',
      await manifest('created.json', configMap('created', { a: '1' })),
    ]);
    expect(run.stdout).toBe('configmap/created created\n');
    expect(lastRequest('POST', '/configmaps')?.query.get('fieldValidation')).toBe('Strict');
    expect(cm('created')?.data).toEqual({ a: '1' });
  });

  it('applies twice: a create, then a strategic merge patch', async () => {
    const path = await manifest('applied.json', configMap('applied', { key: 'one' }));
    expect((await kubectl(['apply', '-f', path])).stdout).toBe('configmap/applied created\n');
    await manifest('applied.json', configMap('applied', { key: 'two' }));
    expect((await kubectl(['apply', '-f', path])).stdout).toBe('configmap/applied configured\n');
    const patch = lastRequest('PATCH', '/configmaps/applied');
    expect(patch?.headers['content-type']).toEqual(['application/strategic-merge-patch+json']);
    const stored = cm('applied');
    expect(stored?.data).toEqual({ key: 'two' });
    expect(stored?.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toContain(
      '"two"',
    );
  });

  it('applies server-side as an upsert owned by the kubectl field manager', async () => {
    const path = await manifest('ssa.json', configMap('ssa', { mode: 'ssa' }));
    const run = await kubectl(['apply', '--server-side', '-f', path]);
    expect(run.stdout).toBe('configmap/ssa serverside-applied\n');
    const patch = lastRequest('PATCH', '/configmaps/ssa');
    expect(patch?.headers['content-type']).toEqual(['application/apply-patch+yaml']);
    expect(patch?.query.get('fieldManager')).toBe('kubectl');
    expect(cm('ssa')?.metadata.managedFields?.map((m) => [m.manager, m.operation])).toEqual([
      ['kubectl', 'Apply'],
    ]);
  });

  it('prints an object as YAML with its server-set metadata', async () => {
    fake.seed(configMap('as-yaml', { k: 'v' }));
    const run = await kubectl(['get', 'cm', 'as-yaml', '-o', 'yaml']);
    const obj = parseYaml(run.stdout) as KubeObject;
    expect(obj).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', data: { k: 'v' } });
    expect(obj.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(obj.metadata.resourceVersion).toBe(cm('as-yaml')?.metadata.resourceVersion);
  });

  it('shows configmaps with the DATA column computed by the server', async () => {
    fake.seed(configMap('three-keys', { a: '1', b: '2', c: '3' }));
    const run = await kubectl(['get', 'cm', 'three-keys']);
    expect(run.stdout).toMatch(/^NAME\s+DATA\s+AGE\nthree-keys\s+3\s+\d+s\n$/);
  });

  it('watches: get -w prints an object created after the watch started', async () => {
    const child = spawn('kubectl', ['get', 'cm', '-w'], { env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const seen = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${text}" in: ${output}`)), 10_000);
        const check = () =>
          output.includes(text) ? (clearTimeout(timer), resolve()) : setTimeout(check, 50);
        check();
      });
    try {
      await seen('applied');
      await eventually(
        () =>
          fake.requests.some(
            (r) => r.path === '/api/v1/namespaces/default/configmaps' && r.query.get('watch') === 'true',
          ),
        'the watch request after the list',
      );
      fake.seed(configMap('born-during-watch', { x: 'y' }));
      await seen('born-during-watch');
    } finally {
      child.kill();
    }
    expect(
      fake.requests.some(
        (r) => r.path === '/api/v1/namespaces/default/configmaps' && r.query.get('watch') === 'true',
      ),
    ).toBe(true);
  });

  it('scales a deployment to zero, and its pods go away', async () => {
    fake.seed(deployment('scaled', 2));
    expect(await podNames('app=scaled')).toHaveLength(2);
    const run = await kubectl(['scale', 'deploy', 'scaled', '--replicas=0']);
    expect(run.stdout).toBe('deployment.apps/scaled scaled\n');
    expect(await podNames('app=scaled')).toEqual([]);
  });

  it('deletes and waits for the object to be gone', async () => {
    fake.seed(configMap('doomed', {}));
    const run = await kubectl(['delete', 'cm', 'doomed']);
    expect(run.stdout).toBe('configmap "doomed" deleted\n');
    expect(cm('doomed')).toBeUndefined();
    expect(lastRequest('DELETE', '/configmaps/doomed')?.body).toContain('"propagationPolicy":"Background"');
  });

  it('delete --dry-run=server deletes nothing (dryRun travels in the body)', async () => {
    fake.seed(configMap('survivor', {}));
    const run = await kubectl(['delete', 'cm', 'survivor', '--dry-run=server']);
    expect(run.stdout).toBe('configmap "survivor" deleted (server dry run)\n');
    expect(cm('survivor')).toBeDefined();
    expect(JSON.parse(lastRequest('DELETE', '/configmaps/survivor')?.body ?? '{}')).toMatchObject({
      dryRun: ['All'],
    });
  });

  it('diffs against a server-side dry run: exit code 1, the change shown, nothing persisted', async () => {
    const path = await manifest('diffed.json', configMap('diffed', { key: 'old' }));
    await kubectl(['apply', '-f', path]);
    await manifest('diffed.json', configMap('diffed', { key: 'new' }));
    const run = await kubectl(['diff', '-f', path]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('-  key: old');
    expect(run.stdout).toContain('+  key: new');
    expect(lastRequest('PATCH', '/configmaps/diffed')?.query.get('dryRun')).toBe('All');
    expect(cm('diffed')?.data).toEqual({ key: 'old' });
  });

  it('execs over WebSocket: echo, stdin through cat, and exit codes', async () => {
    fake.seed(pod('shell'));
    expect(await kubectl(['exec', 'shell', '--', 'echo', 'hi'])).toMatchObject({ code: 0, stdout: 'hi\n' });
    expect(await kubectl(['exec', '-i', 'shell', '--', 'cat'], 'piped\n')).toMatchObject({
      code: 0,
      stdout: 'piped\n',
    });
    const failed = await kubectl(['exec', 'shell', '--', 'sh', '-c', 'exit 3']);
    expect(failed.code).toBe(3);
    expect(failed.stderr).toContain('command terminated with exit code 3');
    const exec = lastRequest('GET', '/pods/shell/exec');
    expect(exec?.headers['sec-websocket-protocol']).toEqual(['v5.channel.k8s.io']);
  });

  it('exec into a missing pod is a NotFound Status', async () => {
    const run = await kubectl(['exec', 'ghost', '--', 'echo', 'hi']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Error from server (NotFound): pods "ghost" not found');
  });

  it('prints logs from the pod annotation', async () => {
    fake.seed(pod('chatty', { [LOG_ANNOTATION]: 'line one\nline two\n' }));
    expect((await kubectl(['logs', 'chatty'])).stdout).toBe('line one\nline two\n');
    expect((await kubectl(['logs', 'chatty', '--tail=1'])).stdout).toBe('line two\n');
  });
});

describe('@kubernetes/client-node against the fake', () => {
  it('lists and creates config maps with the kubeconfig the fake renders', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(fake.kubeconfig());
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'from-client-node' }, data: { a: 'b' } },
    });
    const list = await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: '' });
    expect(list.items.map((i) => i.metadata?.name)).toContain('from-client-node');
    expect(cm('from-client-node')?.data).toEqual({ a: 'b' });
  });
});

describe('API semantics over HTTPS', () => {
  const cms = '/api/v1/namespaces/default/configmaps';

  it('answers a wrong token with the 401 Status kube-apiserver sends', async () => {
    const res = await call('GET', '/api/v1/namespaces', { token: 'wrong' });
    expect(res.status).toBe(401);
    expect(res.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
  });

  it('records every header line, so tests can see what a gateway forwarded', async () => {
    await call('GET', `${cms}?limit=1`, { headers: { 'impersonate-group': ['team-a', 'team-b'] } });
    const recorded = lastRequest('GET', cms);
    expect(recorded?.headers['impersonate-group']).toEqual(['team-a', 'team-b']);
    expect(recorded?.query.get('limit')).toBe('1');
  });

  it('shapes NotFound, AlreadyExists and the missing-namespace error like kube-apiserver', async () => {
    expect((await call('GET', `${cms}/nope`)).json()).toMatchObject({
      message: 'configmaps "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', kind: 'configmaps' },
      code: 404,
    });
    fake.seed(configMap('twice', {}));
    expect((await call('POST', cms, { body: configMap('twice', {}) })).json()).toMatchObject({
      message: 'configmaps "twice" already exists',
      reason: 'AlreadyExists',
      code: 409,
    });
    const missing = await call('POST', '/api/v1/namespaces/absent/configmaps', {
      body: configMap('x', {}, 'absent'),
    });
    expect(missing.json()).toMatchObject({ message: 'namespaces "absent" not found', code: 404 });
    const apps = await call('GET', '/apis/apps/v1/namespaces/default/deployments/nope');
    expect(apps.json()).toMatchObject({
      message: 'deployments.apps "nope" not found',
      details: { group: 'apps' },
    });
  });

  it('rejects a stale resourceVersion with the Conflict message kubectl users know', async () => {
    const live = fake.seed(configMap('contended', { v: '1' }));
    const stale = { ...live, data: { v: '2' } };
    expect((await call('PUT', `${cms}/contended`, { body: stale })).status).toBe(200);
    const res = await call('PUT', `${cms}/contended`, { body: { ...live, data: { v: '3' } } });
    expect(res.json()).toMatchObject({
      reason: 'Conflict',
      code: 409,
      message:
        'Operation cannot be fulfilled on configmaps "contended": the object has been modified; please apply your changes to the latest version and try again',
    });
    const patch = await call('PATCH', `${cms}/contended`, {
      body: { metadata: { resourceVersion: live.metadata.resourceVersion }, data: { v: '4' } },
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(patch.status).toBe(409);
    expect(cm('contended')?.data).toEqual({ v: '2' });
  });

  it('validates names and workloads with Invalid causes', async () => {
    const res = await call('POST', cms, { body: configMap('Bad_Name', {}) });
    expect(res.status).toBe(422);
    expect(res.json()).toMatchObject({
      reason: 'Invalid',
      details: {
        name: 'Bad_Name',
        kind: 'ConfigMap',
        causes: [{ reason: 'FieldValueInvalid', field: 'metadata.name' }],
      },
    });
    const broken = deployment('broken', 1);
    broken.spec = {
      selector: { matchLabels: { app: 'other' } },
      template: { metadata: { labels: { app: 'x' } }, spec: {} },
    };
    const invalid = (
      await call('POST', '/apis/apps/v1/namespaces/default/deployments', { body: broken })
    ).json();
    expect(invalid.message).toMatch(
      /^Deployment\.apps "broken" is invalid: \[spec\.template\.metadata\.labels: .*, spec\.template\.spec\.containers: Required value\]$/,
    );
  });

  it('refuses protobuf bodies and unknown patch types with 415', async () => {
    const proto = await call('POST', cms, {
      body: 'k8s\0',
      headers: { 'content-type': 'application/vnd.kubernetes.protobuf' },
    });
    expect(proto.json()).toMatchObject({ reason: 'UnsupportedMediaType', code: 415 });
    const patch = await call('PATCH', `${cms}/twice`, {
      body: {},
      headers: { 'content-type': 'application/json' },
    });
    expect(patch.status).toBe(415);
  });

  it('dry-runs create and patch without persisting; rejects dryRun values other than All', async () => {
    const created = await call('POST', `${cms}?dryRun=All`, { body: configMap('dry', { a: '1' }) });
    expect(created.status).toBe(201);
    expect(created.json()).toMatchObject({ metadata: { name: 'dry' }, data: { a: '1' } });
    expect(cm('dry')).toBeUndefined();
    fake.seed(configMap('wet', { a: '1' }));
    const patched = await call('PATCH', `${cms}/wet?dryRun=All`, {
      body: { data: { a: '2' } },
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(patched.json()).toMatchObject({ data: { a: '2' } });
    expect(cm('wet')?.data).toEqual({ a: '1' });
    const bad = await call('POST', `${cms}?dryRun=all`, { body: configMap('dry', {}) });
    expect(bad.status).toBe(422);
    expect(bad.json().message).toContain('dryRun: Unsupported value');
  });

  it('reads DeleteOptions from a non-empty body and ignores the query then', async () => {
    fake.seed(configMap('body-wins', {}));
    await call('DELETE', `${cms}/body-wins?dryRun=All`, { body: {} });
    expect(cm('body-wins')).toBeUndefined();
    fake.seed(configMap('query-counts', {}));
    await call('DELETE', `${cms}/query-counts?dryRun=All`);
    expect(cm('query-counts')).toBeDefined();
    const live = fake.seed(configMap('guarded', {}));
    const res = await call('DELETE', `${cms}/guarded`, { body: { preconditions: { uid: 'someone-else' } } });
    expect(res.json()).toMatchObject({ reason: 'Conflict', code: 409 });
    expect(res.json().message).toContain(`UID in object meta: ${live.metadata.uid ?? ''}`);
  });

  it('applies JSON patches and strategic merges of containers and env by name', async () => {
    fake.seed(deployment('patched', 1));
    const path = '/apis/apps/v1/namespaces/default/deployments/patched';
    const smp = {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'web',
                image: 'nginx:1.28',
                env: [
                  { name: 'B', value: '2' },
                  { name: 'A', $patch: 'delete' },
                ],
              },
              { name: 'sidecar', image: 'envoy' },
            ],
            $setElementOrder: { containers: [{ name: 'web' }, { name: 'sidecar' }] },
          },
        },
      },
    };
    await call('PATCH', path, {
      body: smp,
      headers: { 'content-type': 'application/strategic-merge-patch+json' },
    });
    const jsonPatch = [{ op: 'replace', path: '/spec/replicas', value: 3 }];
    const res = await call('PATCH', path, {
      body: jsonPatch,
      headers: { 'content-type': 'application/json-patch+json' },
    });
    const spec = res.json().spec as { replicas: number; template: { spec: { containers: unknown[] } } };
    expect(spec.replicas).toBe(3);
    expect(spec.template.spec.containers).toEqual([
      { name: 'web', image: 'nginx:1.28', env: [{ name: 'B', value: '2' }] },
      { name: 'sidecar', image: 'envoy' },
    ]);
    expect(res.json().metadata).toMatchObject({ generation: 3 });
    expect(await podNames('app=patched')).toHaveLength(3);
  });

  it('pages lists with limit and continue at one resourceVersion', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) fake.seed(configMap(name, {}, 'paged'));
    const first = (await call('GET', '/api/v1/namespaces/paged/configmaps?limit=2')).json();
    const meta = first.metadata as { continue: string; resourceVersion: string; remainingItemCount: number };
    expect(meta.remainingItemCount).toBe(1);
    const second = (
      await call('GET', `/api/v1/namespaces/paged/configmaps?limit=2&continue=${meta.continue}`)
    ).json();
    const names = [...(first.items as KubeObject[]), ...(second.items as KubeObject[])].map(
      (i) => i.metadata.name,
    );
    expect(names).toEqual(['page-a', 'page-b', 'page-c']);
    expect(second.metadata).toEqual({ resourceVersion: meta.resourceVersion });
    expect((first.items as KubeObject[])[0]).not.toHaveProperty('kind');
  });

  it('serves Tables with PartialObjectMetadata rows including annotations, or full objects on request', async () => {
    fake.seed({
      ...configMap('annotated', { secret: 'x' }),
      metadata: { name: 'annotated', annotations: { note: 'kept' } },
    });
    const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
    const table = (await call('GET', `${cms}/annotated`, { headers: { accept } })).json();
    expect(table).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    const [row] = table.rows as { cells: unknown[]; object: KubeObject }[];
    expect(row?.cells.slice(0, 2)).toEqual(['annotated', 1]);
    expect(row?.object).toMatchObject({
      kind: 'PartialObjectMetadata',
      metadata: { annotations: { note: 'kept' } },
    });
    expect(row?.object).not.toHaveProperty('data');
    const full = (await call('GET', `${cms}/annotated?includeObject=Object`, { headers: { accept } })).json();
    expect((full.rows as { object: KubeObject }[])[0]?.object).toMatchObject({ data: { secret: 'x' } });
  });

  it('replays watch events after a resourceVersion, filtered by field selector, until timeoutSeconds', async () => {
    const start = fake.seed(configMap('watched', { n: '0' }));
    fake.seed(configMap('watched', { n: '1' }));
    fake.seed(configMap('unwatched', {}));
    const selector = encodeURIComponent('metadata.name=watched');
    const res = await call(
      'GET',
      `${cms}?watch=1&resourceVersion=${start.metadata.resourceVersion ?? ''}&fieldSelector=${selector}&timeoutSeconds=1`,
    );
    const events = res.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; object: KubeObject });
    expect(events.map((e) => [e.type, e.object.data])).toEqual([['MODIFIED', { n: '1' }]]);
    expect(res.text.endsWith('}\n')).toBe(true);
  });

  it('cascades deletes: namespaces take their objects, Orphan keeps dependents', async () => {
    fake.seed(configMap('inside', {}, 'short-lived'));
    await call('DELETE', '/api/v1/namespaces/short-lived');
    expect(cm('inside', 'short-lived')).toBeUndefined();

    fake.seed(deployment('orphaner', 1));
    await call('DELETE', '/apis/apps/v1/namespaces/default/deployments/orphaner', {
      body: { propagationPolicy: 'Orphan' },
    });
    expect(await podNames('app=orphaner')).toHaveLength(1);
    fake.seed(deployment('cascader', 1));
    await call('DELETE', '/apis/apps/v1/namespaces/default/deployments/cascader', {
      body: { propagationPolicy: 'Foreground' },
    });
    expect(await podNames('app=cascader')).toEqual([]);
  });

  it('refuses SPDY exec upgrades with a 400 Status (kubectl 1.32 uses WebSocket first)', async () => {
    fake.seed(pod('spdy-target'));
    const res = await call(
      'POST',
      '/api/v1/namespaces/default/pods/spdy-target/exec?command=true&stdout=true',
      {
        headers: {
          connection: 'Upgrade',
          upgrade: 'SPDY/3.1',
          'x-stream-protocol-version': 'v4.channel.k8s.io',
        },
      },
    );
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
  });

  it('watches one object through the legacy /watch/ prefix', async () => {
    fake.seed(configMap('legacy-watched', {}));
    fake.seed(configMap('legacy-other', {}));
    const res = await call(
      'GET',
      '/api/v1/watch/namespaces/default/configmaps/legacy-watched?timeoutSeconds=1',
    );
    const events = res.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; object: KubeObject });
    expect(events.map((e) => [e.type, e.object.metadata.name])).toEqual([['ADDED', 'legacy-watched']]);
  });

  it('injects faults: a 503 Status a given number of times, then normal service', async () => {
    fake.addFault({ match: (r) => r.path === `${cms}/twice`, respond: { status: 503 }, times: 1 });
    const failed = await call('GET', `${cms}/twice`);
    expect(failed.json()).toMatchObject({ reason: 'ServiceUnavailable', code: 503 });
    expect((await call('GET', `${cms}/twice`)).status).toBe(200);
  });

  it('serves discovery with the scale subresource kubectl scale needs, and 404 for OpenAPI v2', async () => {
    const apps = (await call('GET', '/apis/apps/v1')).json();
    expect(apps.resources).toContainEqual(
      expect.objectContaining({
        name: 'deployments/scale',
        group: 'autoscaling',
        version: 'v1',
        kind: 'Scale',
      }),
    );
    expect((await call('GET', '/openapi/v2')).status).toBe(404);
    expect((await call('GET', '/version')).json()).toMatchObject({
      major: '1',
      minor: '32',
      gitVersion: 'v1.32.4',
    });
  });
});
