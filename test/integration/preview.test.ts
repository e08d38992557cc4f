/**
 * Previews against the fake API server: the cluster's own dry run (never persisted), the diff a reviewer reads,
 * risk facts, the execution pin, deletion impact, secrets kept out, and the labelled fallbacks.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Agent } from '../../src/identity/agent.js';
import { classifyRequest } from '../../src/kube/classify.js';
import type { UpstreamCluster } from '../../src/kube/upstream.js';
import { createMasker, defaultMaskingConfig } from '../../src/masking/index.js';
import { createPreviewer, type Previewer } from '../../src/preview/previewer.js';
import type { ParkInput } from '../../src/reviews/engine.js';
import { startFakeApiServer, type FakeApiServer, type KubeObject } from '../support/fake-apiserver/index.js';
import { loadTestCluster } from '../support/upstream-cluster.js';

const masker = createMasker(defaultMaskingConfig());
const agent: Agent = {
  name: 'test-agent',
  subject: 'agent:test',
  issuer: 'https://issuer.test',
  groups: ['agents'],
  tokenId: 'tok-1',
  expiresAt: new Date(Date.now() + 600_000),
};
const CANARY = 'canary-5e1f0c2b9a7d';
const b64 = (s: string) => Buffer.from(s).toString('base64');

let fake: FakeApiServer;
let dir: string;
let cluster: UpstreamCluster;
let preview: Previewer;

function parkInput(method: string, target: string, contentType: string, body?: unknown): ParkInput {
  const bytes = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
  const request = classifyRequest({ method, target, headers: { 'content-type': contentType }, body: bytes });
  return {
    agent,
    cluster: 'fake',
    request,
    redacted: masker.maskRequest(request),
    contentType,
    body: bytes,
    // What the gateway's review gate passes: the request line and the body with secrets masked.
    ...(body !== undefined ? { redactedBody: JSON.stringify(masker.maskDocument(body), null, 2) } : {}),
    rule: 'test',
    settings: {
      approvers: { users: [], groups: [] },
      approvals: 1,
      holdSeconds: 5,
      timeoutSeconds: 60,
      maxGrantSeconds: 0,
      confirm: false,
    },
  };
}

const deployment = (name: string, namespace: string, image: string, replicas = 3): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image }] } },
  },
});

const prodSecret = (name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'prod' },
  type: 'Opaque',
  data,
});

const dryRunsSeen = () => fake.requests.filter((r) => r.query.getAll('dryRun').includes('All'));

beforeAll(async () => {
  fake = await startFakeApiServer();
  dir = await mkdtemp(join(tmpdir(), 'airlock-preview-'));
  const kubeconfig = join(dir, 'fake.kubeconfig');
  await writeFile(kubeconfig, fake.kubeconfig());
  cluster = await loadTestCluster('fake', kubeconfig);
  preview = createPreviewer({ clusters: new Map([['fake', cluster]]), masker, timeoutMs: 2_000 });
});

afterAll(async () => {
  await cluster.close();
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  fake.requests.length = 0;
});

describe('previews of writes, from the cluster’s dry run', () => {
  it('scale a deployment to 0: replicas change, a high risk, the pin, and nothing persisted', async () => {
    fake.seed(deployment('web', 'prod', 'app:1.4'));
    const { preview: p, pin } = await preview(
      parkInput(
        'PATCH',
        '/apis/apps/v1/namespaces/prod/deployments/web/scale',
        'application/merge-patch+json',
        { spec: { replicas: 0 } },
      ),
    );
    expect(p.source).toBe('dry-run');
    expect(p.changes).toEqual([{ path: 'spec.replicas', kind: 'changed', before: '3', after: '0' }]);
    expect(p.summary).toBe('patch deployments.apps/scale "web" in prod: spec.replicas: 3 → 0');
    expect(p.risks.map((r) => r.id)).toEqual(['scale-to-zero', 'production-namespace']);
    expect(p.risks[0]?.text).toBe('Scales Deployment web to zero replicas (from 3).');
    expect(p.diff).toContain('-  replicas: 3\n+  replicas: 0');
    expect(dryRunsSeen().map((r) => r.method)).toEqual(['PATCH']);
    const stored = fake.getObject({
      group: 'apps',
      version: 'v1',
      resource: 'deployments',
      namespace: 'prod',
      name: 'web',
    });
    expect(stored?.spec).toMatchObject({ replicas: 3 });
    expect(pin).toEqual({ resourceVersion: stored?.metadata.resourceVersion, uid: stored?.metadata.uid });
  });

  it('change an image: the container is named and the change is a risk fact', async () => {
    fake.seed(deployment('api', 'prod', 'app:1.4'));
    const { preview: p } = await preview(
      parkInput(
        'PATCH',
        '/apis/apps/v1/namespaces/prod/deployments/api',
        'application/strategic-merge-patch+json',
        {
          spec: { template: { spec: { containers: [{ name: 'web', image: 'app:1.5' }] } } },
        },
      ),
    );
    expect(p.changes).toEqual([
      {
        path: 'spec.template.spec.containers[web].image',
        kind: 'changed',
        before: 'app:1.4',
        after: 'app:1.5',
      },
    ]);
    expect(p.risks).toEqual([
      {
        id: 'image-change',
        severity: 'medium',
        text: 'Changes the image of container web: app:1.4 → app:1.5.',
      },
      { id: 'production-namespace', severity: 'medium', text: 'In production namespace prod.' },
    ]);
  });

  it('strategic-merge patch of a container list: merged by name by the cluster, not replaced', async () => {
    fake.seed(deployment('shop', 'prod', 'shop:2'));
    const { preview: p } = await preview(
      parkInput(
        'PATCH',
        '/apis/apps/v1/namespaces/prod/deployments/shop',
        'application/strategic-merge-patch+json',
        {
          spec: {
            template: {
              spec: {
                containers: [{ name: 'proxy', image: 'envoy:1.30', securityContext: { privileged: true } }],
              },
            },
          },
        },
      ),
    );
    expect(p.source).toBe('dry-run');
    expect(p.changes.map((c) => `${c.kind} ${c.path}`)).toEqual([
      'added spec.template.spec.containers[proxy]',
    ]);
    expect(p.risks.map((r) => r.id)).toEqual(['privileged', 'production-namespace']);
  });

  it('add an RBAC rule with *: a wildcard grant, shown as a new rule', async () => {
    fake.seed({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'admin-lite' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }],
    });
    const { preview: p } = await preview(
      parkInput(
        'PATCH',
        '/apis/rbac.authorization.k8s.io/v1/clusterroles/admin-lite',
        'application/json-patch+json',
        [{ op: 'add', path: '/rules/-', value: { apiGroups: ['*'], resources: ['*'], verbs: ['*'] } }],
      ),
    );
    expect(p.source).toBe('dry-run');
    expect(p.changes).toEqual([
      { path: 'rules[1]', kind: 'added', after: '{"apiGroups":["*"],"resources":["*"],"verbs":["*"]}' },
    ]);
    expect(p.risks[0]).toMatchObject({ id: 'rbac-wildcard', severity: 'high' });
    expect(p.risks[0]?.text).toContain('ClusterRole admin-lite');
  });

  it('create: the name comes from the body, for the summary and everything that names the object', async () => {
    const { preview: p } = await preview(
      parkInput('POST', '/api/v1/namespaces/default/configmaps', 'application/json', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'fresh' },
        data: { mode: 'slow' },
      }),
    );
    expect(p.objectName).toBe('fresh');
    expect(p.summary).toMatch(/^create configmaps "fresh" in default: /);
  });

  it('server-side apply creating an object: a diff from nothing, no pin, nothing created', async () => {
    const { preview: p, pin } = await preview(
      parkInput(
        'PATCH',
        '/api/v1/namespaces/default/configmaps/settings?fieldManager=kubectl&force=false',
        'application/apply-patch+yaml',
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'settings' },
          data: { mode: 'fast' },
        },
      ),
    );
    expect(p.source).toBe('dry-run');
    expect(p.diff).toContain('+data:\n+  mode: fast');
    expect(p.changes.map((c) => `${c.kind} ${c.path}`)).toContain('added data');
    expect(pin).toBeUndefined();
    expect(
      fake.getObject({
        group: '',
        version: 'v1',
        resource: 'configmaps',
        namespace: 'default',
        name: 'settings',
      }),
    ).toBeUndefined();
    const dryRun = dryRunsSeen()[0];
    expect(dryRun?.query.get('fieldManager')).toBe('kubectl');
    expect(dryRun?.headers['content-type']).toEqual(['application/apply-patch+yaml']);
  });

  it('update a Secret: keys only, the canary value appears nowhere in the preview', async () => {
    fake.seed(prodSecret('db', { password: b64('old'), user: b64('app') }));
    const { preview: p } = await preview(
      parkInput('PUT', '/api/v1/namespaces/prod/secrets/db', 'application/json', {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'db', namespace: 'prod' },
        type: 'Opaque',
        data: { password: b64(CANARY), user: b64('app'), token: b64(`${CANARY}-2`) },
      }),
    );
    expect(p.source).toBe('dry-run');
    expect(p.changes).toEqual([
      { path: 'data.password', kind: 'changed' },
      { path: 'data.token', kind: 'added' },
    ]);
    const stored = JSON.stringify(p);
    for (const value of [CANARY, b64(CANARY), b64(`${CANARY}-2`), b64('old'), b64('app')])
      expect(stored).not.toContain(value);
  });
});

describe('previews of deletes', () => {
  it('delete a deployment: what it owns goes with it (ReplicaSet and Pods)', async () => {
    fake.seed(deployment('worker', 'jobs', 'worker:1', 2));
    const { preview: p, pin } = await preview(
      parkInput('DELETE', '/apis/apps/v1/namespaces/jobs/deployments/worker', 'application/json', {
        propagationPolicy: 'Foreground',
      }),
    );
    expect(p.source).toBe('delete');
    expect(p.dependents?.total).toBe(3);
    expect(p.dependents?.sample.filter((ref) => ref.startsWith('pods/'))).toHaveLength(2);
    expect(p.diff).toContain('# deletes deployments.apps/worker (propagationPolicy: Foreground)');
    expect(p.diff).toContain('-kind: Deployment');
    expect(p.risks.map((r) => r.id)).toEqual(['delete-running', 'delete-dependents']);
    expect(p.deleted).toEqual({
      kind: 'Deployment',
      name: 'worker',
      replicas: expect.objectContaining({ desired: 2 }),
      images: ['worker:1'],
    });
    expect(pin?.uid).toBeDefined();
  });

  it('delete a namespace holding objects: its contents are counted', async () => {
    fake.seed(deployment('web', 'team-a', 'web:1', 1));
    fake.seed({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c1', namespace: 'team-a' },
      data: {},
    });
    const { preview: p } = await preview(
      parkInput('DELETE', '/api/v1/namespaces/team-a', 'application/json'),
    );
    expect(p.source).toBe('delete');
    // deployment + ReplicaSet + Pod + ConfigMap
    expect(p.dependents?.total).toBe(4);
    expect(p.risks[0]).toEqual({
      id: 'delete-namespace',
      severity: 'high',
      text: 'Deletes namespace team-a and everything in it (4 objects counted).',
    });
    expect(p.summary).toBe('delete namespaces "team-a": 4 objects go with it');
  });

  it('deletecollection: the objects the selector matches, counted and named', async () => {
    for (const name of ['a', 'b']) {
      fake.seed({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: 'batch', labels: { tier: 'cache' } },
        data: {},
      });
    }
    fake.seed({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'keep', namespace: 'batch' },
      data: {},
    });
    const { preview: p } = await preview(
      parkInput(
        'DELETE',
        '/api/v1/namespaces/batch/configmaps?labelSelector=tier%3Dcache',
        'application/json',
      ),
    );
    expect(p.dependents).toEqual({ total: 2, sample: ['configmaps/a', 'configmaps/b'] });
    expect(p.diff).toBe('# deletes 2 configmaps (tier=cache)\n- configmaps/a\n- configmaps/b');
  });
});

describe('fallbacks when the dry run is not possible', () => {
  const failDryRuns = (respond: Parameters<FakeApiServer['addFault']>[0]['respond']) =>
    fake.addFault({ match: (r) => r.query.getAll('dryRun').includes('All'), respond, times: 1 });
  /** The cluster refuses the next dry run with a 422 saying `message`. */
  const refuseDryRuns = (message: string) =>
    failDryRuns({
      status: 422,
      body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Invalid', code: 422, message },
    });

  it('a JSON patch is computed exactly by Airlock, labelled with why', async () => {
    fake.seed(deployment('batch', 'prod', 'batch:1', 2));
    failDryRuns({ status: 500 });
    const { preview: p } = await preview(
      parkInput('PATCH', '/apis/apps/v1/namespaces/prod/deployments/batch', 'application/json-patch+json', [
        { op: 'replace', path: '/spec/replicas', value: 0 },
      ]),
    );
    expect(p.source).toBe('client');
    expect(p.unavailableReason).toContain('the cluster refused the dry run (HTTP 500 InternalError');
    expect(p.changes).toEqual([{ path: 'spec.replicas', kind: 'changed', before: '2', after: '0' }]);
    expect(p.risks.map((r) => r.id)).toEqual(['scale-to-zero', 'production-namespace']);
  });

  it('a strategic-merge patch that times out shows the labelled, redacted request instead', async () => {
    fake.seed(deployment('slow', 'prod', 'slow:1'));
    const quick = createPreviewer({ clusters: new Map([['fake', cluster]]), masker, timeoutMs: 300 });
    failDryRuns('hang');
    const { preview: p } = await quick(
      parkInput(
        'PATCH',
        '/apis/apps/v1/namespaces/prod/deployments/slow',
        'application/strategic-merge-patch+json',
        { spec: { paused: true } },
      ),
    );
    expect(p.source).toBe('unavailable');
    expect(p.unavailableReason).toBe(
      'the dry run failed: the cluster did not answer within 300 ms; a patch with application/strategic-merge-patch+json can only be computed by the cluster',
    );
    expect(p.diff.split('\n').slice(0, 3)).toEqual([
      `# preview unavailable: ${p.unavailableReason}`,
      '# the request as received, secret values masked:',
      'PATCH /apis/apps/v1/namespaces/prod/deployments/slow',
    ]);
    expect(p.diff).toContain('"paused": true');
    expect(p.summary).toBe('patch deployments.apps "slow" in prod: preview unavailable');
  });

  it('a refusal that echoes the live Secret keeps its value out of the reason', async () => {
    fake.seed(prodSecret('live-echo', { password: b64(CANARY) }));
    refuseDryRuns(`denied: ${b64(CANARY)}`);
    const { preview: p } = await preview(
      parkInput('PATCH', '/api/v1/namespaces/prod/secrets/live-echo', 'application/merge-patch+json', {
        metadata: { labels: { a: 'b' } },
      }),
    );
    expect(p.unavailableReason).toContain('denied: **masked-by-airlock**');
    expect(JSON.stringify(p)).not.toContain(b64(CANARY));
  });

  it('a dry-run answer that carries a Secret value in an unmasked field shows it nowhere', async () => {
    const secret = prodSecret('copied', { password: b64(CANARY) });
    fake.seed(secret);
    // As a mutating webhook (or a JSON-patch copy, which admission refuses) would answer.
    failDryRuns({
      status: 200,
      body: { ...secret, metadata: { ...secret.metadata, annotations: { copy: b64(CANARY) } } },
    });
    const { preview: p } = await preview(
      parkInput('PATCH', '/api/v1/namespaces/prod/secrets/copied', 'application/merge-patch+json', {
        metadata: { labels: { a: 'b' } },
      }),
    );
    expect(p.source).toBe('dry-run');
    expect(p.diff).toContain('copy: "**masked-by-airlock**"');
    expect(JSON.stringify(p)).not.toContain(b64(CANARY));
  });

  it('a refused Secret update keeps the secret out of the reason even when the cluster echoes it', async () => {
    fake.seed({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'api', namespace: 'prod' },
      type: 'Opaque',
      stringData: { key: 'x' },
    });
    refuseDryRuns(`stringData[key]: Invalid value: "${CANARY}"`);
    const { preview: p } = await preview(
      parkInput('PUT', '/api/v1/namespaces/prod/secrets/api', 'application/json', {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'api', namespace: 'prod' },
        stringData: { key: CANARY },
      }),
    );
    expect(p.source).toBe('unavailable');
    expect(p.unavailableReason).toContain(
      'HTTP 422 Invalid: stringData[key]: Invalid value: "**masked-by-airlock**"',
    );
    expect(JSON.stringify(p)).not.toContain(CANARY);
  });
});
