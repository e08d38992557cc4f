import { describe, expect, it } from 'vitest';
import { classifyRequest } from '../../../src/kube/classify.js';
import { riskFacts } from '../../../src/preview/risk-facts.js';

const request = (method: string, target: string, body?: unknown) =>
  classifyRequest({
    method,
    target,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: Buffer.from(JSON.stringify(body)) } : {}),
  });

const patchDeployment = request('PATCH', '/apis/apps/v1/namespaces/shop/deployments/web', {});
const deployment = (
  container: Record<string, unknown>,
  podSpec: Record<string, unknown> = {},
  replicas = 3,
) => ({
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: { replicas, template: { spec: { ...podSpec, containers: [{ name: 'web', ...container }] } } },
});
const ids = (facts: { id: string }[]) => facts.map((f) => f.id);

describe('riskFacts', () => {
  it('flags scaling to zero, with the previous count', () => {
    const facts = riskFacts(patchDeployment, deployment({ image: 'a' }), deployment({ image: 'a' }, {}, 0));
    expect(facts).toEqual([
      { id: 'scale-to-zero', severity: 'high', text: 'Scales Deployment web to zero replicas (from 3).' },
    ]);
  });

  it('names the object, not the Scale, for the scale subresource', () => {
    const scale = request('PATCH', '/apis/apps/v1/namespaces/shop/deployments/web/scale', {});
    const facts = riskFacts(
      scale,
      { kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 2 } },
      { kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 0 } },
    );
    expect(facts[0]?.text).toBe('Scales Deployment web to zero replicas (from 2).');
  });

  it('flags image changes and removed limits', () => {
    const live = deployment({ image: 'app:1.4', resources: { limits: { cpu: '1', memory: '1Gi' } } });
    const result = deployment({ image: 'app:1.5', resources: { limits: { cpu: '1' } } });
    expect(riskFacts(patchDeployment, live, result).map((f) => f.text)).toEqual([
      'Changes the image of container web: app:1.4 → app:1.5.',
      'Removes the memory limit of container web.',
    ]);
  });

  it('flags host namespaces, privilege, capabilities and host paths only when the change introduces them', () => {
    const risky = deployment(
      { image: 'a', securityContext: { privileged: true, capabilities: { add: ['SYS_ADMIN'] } } },
      { hostNetwork: true, volumes: [{ name: 'sock', hostPath: { path: '/var/run/docker.sock' } }] },
    );
    expect(ids(riskFacts(patchDeployment, deployment({ image: 'a' }), risky))).toEqual([
      'host-namespaces',
      'privileged',
      'capabilities',
      'host-path',
    ]);
    expect(riskFacts(patchDeployment, risky, risky)).toEqual([]);
  });

  it('flags wildcard RBAC rules and admin bindings', () => {
    const rbac = request('PATCH', '/apis/rbac.authorization.k8s.io/v1/clusterroles/admin-lite', {});
    const role = (rules: unknown[]) => ({ kind: 'ClusterRole', metadata: { name: 'admin-lite' }, rules });
    const read = { apiGroups: [''], resources: ['pods'], verbs: ['get'] };
    const facts = riskFacts(
      rbac,
      role([read]),
      role([read, { apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]),
    );
    expect(facts).toEqual([
      {
        id: 'rbac-wildcard',
        severity: 'high',
        text: 'Grants wildcard (*) access in ClusterRole admin-lite: * on * (apiGroups *).',
      },
      {
        id: 'cluster-wide',
        severity: 'medium',
        text: 'Cluster-scoped: ClusterRole admin-lite applies across every namespace.',
      },
    ]);

    const binding = request('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {});
    const bound = {
      kind: 'ClusterRoleBinding',
      metadata: { name: 'agent-admin' },
      roleRef: { kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'User', name: 'agent' }],
    };
    expect(riskFacts(binding, undefined, bound).map((f) => f.text)).toEqual([
      'Binds User agent to cluster-admin via ClusterRoleBinding agent-admin.',
      'Cluster-scoped: ClusterRoleBinding agent-admin applies across every namespace.',
    ]);
  });

  it('describes what a deletion takes with it', () => {
    const ns = request('DELETE', '/api/v1/namespaces/team-a');
    expect(
      riskFacts(ns, { kind: 'Namespace', metadata: { name: 'team-a' } }, undefined, { total: 7 })[0]?.text,
    ).toBe('Deletes namespace team-a and everything in it (7 objects counted).');
    const many = request('DELETE', '/api/v1/namespaces/shop/pods?labelSelector=app%3Dweb');
    expect(riskFacts(many, undefined, undefined, { total: 12 })[0]).toMatchObject({
      id: 'delete-many',
      severity: 'high',
      text: 'Deletes 12 Pods at once.',
    });
    const orphaning = request('DELETE', '/apis/apps/v1/namespaces/shop/deployments/web', {
      propagationPolicy: 'Orphan',
    });
    expect(ids(riskFacts(orphaning, deployment({ image: 'a' }, {}, 0), undefined, { total: 4 }))).toEqual([
      'orphans-dependents',
    ]);
  });

  it('states what a delete puts at stake, gravest first: running replicas, production, owned objects', () => {
    const del = request('DELETE', '/apis/apps/v1/namespaces/prod/deployments/web');
    const live = { ...deployment({ image: 'a' }), status: { readyReplicas: 2 } };
    expect(riskFacts(del, live, undefined, { total: 1 })).toEqual([
      { id: 'delete-running', severity: 'high', text: 'Deletes Deployment web and its 2 running replicas.' },
      { id: 'delete-dependents', severity: 'medium', text: 'Also deletes 1 object owned by Deployment web.' },
      { id: 'production-namespace', severity: 'medium', text: 'In production namespace prod.' },
    ]);
    // Without a status, what the spec asks for is what runs.
    expect(riskFacts(del, deployment({ image: 'a' }), undefined)[0]?.text).toBe(
      'Deletes Deployment web and its 3 running replicas.',
    );
    expect(riskFacts(del, deployment({ image: 'a' }, {}, 0), undefined).map((f) => f.id)).toEqual([
      'production-namespace',
    ]);
  });

  it('grades deleting storage by what happens to the data', () => {
    const pvc = request('DELETE', '/api/v1/namespaces/shop/persistentvolumeclaims/data');
    expect(riskFacts(pvc, { kind: 'PersistentVolumeClaim', metadata: { name: 'data' } }, undefined)).toEqual([
      expect.objectContaining({ id: 'data-loss', severity: 'high' }),
    ]);
    const pv = request('DELETE', '/api/v1/persistentvolumes/pv-1');
    const volume = (policy: string) => ({
      kind: 'PersistentVolume',
      metadata: { name: 'pv-1' },
      spec: { persistentVolumeReclaimPolicy: policy },
    });
    expect(riskFacts(pv, volume('Delete'), undefined).map((f) => [f.id, f.severity, f.text])).toEqual([
      [
        'data-loss',
        'high',
        'Deletes PersistentVolume pv-1 (reclaim policy Delete): the data on it is destroyed.',
      ],
      ['cluster-wide', 'medium', 'Cluster-scoped: PersistentVolume pv-1 applies across every namespace.'],
    ]);
    expect(riskFacts(pv, volume('Retain'), undefined)[0]).toMatchObject({
      id: 'data-loss',
      severity: 'medium',
    });
  });
});
