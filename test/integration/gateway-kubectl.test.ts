import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateLocalIssuer } from '../../src/identity/local-issuer.js';
import { localCaPem } from '../../src/gateway/serving-certificate.js';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { startHarness, type Harness } from '../support/airlock-harness.js';
import { TEST_STORES } from '../support/postgres.js';

/** Real kubectl and @kubernetes/client-node through Airlock, in front of the fake API server. */

const POLICY = `
apiVersion: airlock.dev/v1
kind: Policy
rules:
  - name: discovery
    match: { nonResourceURLs: ['*'] }
    action: allow
  - name: no-configmap-deletes
    match: { verbs: [delete, deletecollection], resources: [configmaps] }
    action: deny
    message: configmaps are managed by the platform team; open a ticket instead
  - name: no-exec
    match: { resources: [pods/exec, pods/attach] }
    action: deny
    message: interactive access is not allowed for agents
  - name: everything-else
    match: {}
    action: allow
`;

/** A request with the path sent byte for byte (URL objects would normalise `..`). */
async function raw(
  h: Harness,
  path: string,
  headers: Record<string, string | string[]>,
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(h.airlock.proxyUrl);
  const ca = await localCaPem(h.dir);
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ hostname, port, path, headers, ca }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(TEST_STORES)('gateway with real kubectl (%s store)', (store) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ policy: POLICY, store });
  });
  afterAll(async () => h?.close());

  it('lists namespaces as a table and forwards with Airlock credentials only', async () => {
    h.fake.requests.length = 0;
    const res = await h.kubectl(['get', 'namespaces']);
    expect(res.stderr).toBe('');
    expect(res.stdout).toMatch(/NAME\s+STATUS\s+AGE/);
    expect(res.stdout).toContain('kube-system');
    const forwarded = h.fake.requests.filter((r) => r.path === '/api/v1/namespaces');
    expect(forwarded.length).toBeGreaterThan(0);
    for (const r of forwarded) {
      expect(r.headers.authorization).toEqual([`Bearer ${h.fake.token}`]);
      expect(Object.keys(r.headers).filter((n) => n.startsWith('impersonate-'))).toEqual([]);
    }
  });

  it('creates, applies and reads objects back as YAML', async () => {
    const manifest = `apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: default }
data: { color: blue }
`;
    const created = await h.kubectl(['apply', '-f', '-'], { input: manifest });
    expect(created.stderr).toBe('');
    expect(created.stdout).toContain('configmap/settings created');
    const changed = await h.kubectl(['apply', '-f', '-'], { input: manifest.replace('blue', 'green') });
    expect(changed.stdout).toContain('configmap/settings configured');
    const yaml = await h.kubectl(['get', 'configmap', 'settings', '-o', 'yaml']);
    expect(yaml.stdout).toContain('color: green');
  });

  it('refuses a delete with the policy message kubectl prints', async () => {
    const res = await h.kubectl(['delete', 'configmap', 'settings']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('Error from server (Forbidden)');
    expect(res.stderr).toContain('configmaps are managed by the platform team; open a ticket instead');
    expect(res.stderr).toContain('no-configmap-deletes');
    expect(
      h.fake.getObject({
        group: '',
        version: 'v1',
        resource: 'configmaps',
        namespace: 'default',
        name: 'settings',
      }),
    ).toBeDefined();
  });

  it('streams watch events as they happen', async () => {
    const watcher = await h.spawnKubectl(['get', 'configmaps', '--watch', '--output-watch-events']);
    let out = '';
    const seen = new Promise<void>((resolve) => {
      watcher.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('watched-later')) resolve();
      });
    });
    await eventually(
      () => h.fake.requests.some((r) => r.path.endsWith('/configmaps') && r.query.get('watch') === 'true'),
      'the watch to reach the cluster',
      15_000,
    );
    await h.kubectl(['create', '-f', '-'], {
      input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: watched-later, namespace: default }\n',
    });
    await seen;
    watcher.kill();
    expect(out).toMatch(/ADDED\s+watched-later/);
  });

  it('refuses exec before any upgrade, in both forms kubectl tries', async () => {
    h.fake.seed({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'default' },
      spec: { containers: [{ name: 'app', image: 'nginx' }] },
    });
    h.fake.requests.length = 0;
    const res = await h.kubectl(['exec', 'web', '--', 'echo', 'hi']);
    expect(res.code).not.toBe(0);
    expect(res.stdout).not.toContain('hi');
    expect(res.stderr).toContain('interactive access is not allowed for agents');
    expect(h.fake.requests.filter((r) => r.path.endsWith('/exec'))).toEqual([]);
  });

  it('prints the reason a token is refused', async () => {
    // Same issuer name, another signing key: what a forged or stale-key token looks like.
    const otherDir = await mkdtemp(join(tmpdir(), 'airlock-other-issuer-'));
    const forged = await (await loadOrCreateLocalIssuer(otherDir)).mint({ agent: 'forger', ttlSeconds: 300 });
    const res = await h.kubectl(['get', 'pods'], { token: forged });
    await rm(otherDir, { recursive: true, force: true });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('error: You must be logged in to the server (');
    expect(res.stderr).toMatch(/signed with a key/);
  });

  it('refuses agent-sent impersonation with a 403 Status, even when hidden in Connection', async () => {
    const token = await h.mint({ agent: 'sneaky' });
    const attempts: Record<string, string>[] = [
      { authorization: `Bearer ${token}`, 'impersonate-user': 'system:admin' },
      {
        authorization: `Bearer ${token}`,
        connection: 'Impersonate-Group',
        'impersonate-group': 'system:masters',
      },
    ];
    for (const headers of attempts) {
      const res = await raw(h, '/clusters/default/api/v1/namespaces/default/secrets', headers);
      expect(res.status).toBe(403);
      expect(JSON.parse(res.body)).toMatchObject({ kind: 'Status', reason: 'Forbidden' });
    }
  });

  it('refuses ambiguous paths instead of normalising them', async () => {
    const token = await h.mint({ agent: 'paths' });
    h.fake.requests.length = 0;
    for (const path of [
      '/clusters/default/api/v1/namespaces/default/%73ecrets',
      '/clusters/default/api/v1/namespaces//secrets',
      '/clusters/default/api/v1/namespaces/default/pods/../secrets',
    ]) {
      const res = await raw(h, path, { authorization: `Bearer ${token}` });
      expect(res.status, path).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    }
    expect(h.fake.requests).toEqual([]);
  });

  it('works with @kubernetes/client-node as the client', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(await h.kubeconfig({ agent: 'node-client' }));
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const created = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'from-node' }, data: { a: '1' } },
    });
    expect(created.metadata?.name).toBe('from-node');
    const list = await core.listNamespacedConfigMap({ namespace: 'default' });
    expect(list.items.map((i) => i.metadata?.name)).toContain('from-node');
    await expect(
      core.deleteNamespacedConfigMap({ namespace: 'default', name: 'from-node' }),
    ).rejects.toMatchObject({
      code: 403,
    });
  });
});
