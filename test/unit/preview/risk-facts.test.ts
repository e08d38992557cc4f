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

const patchDeployment = request('PATCH', '/apis/apps/v1/namespaces/prod/deployments/web', {});
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
    const scale = request('PATCH', '/apis/apps/v1/namespaces/prod/deployments/web/scale', {});
    const facts = riskFacts(
      scale,
      { kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 2 } },
      { kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 0 } },
    );
    expect(facts[0]?.text).toBe('Scales deployments web to zero replicas (from 2).');
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
    ]);

    const binding = request('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {});
    const bound = {
      kind: 'ClusterRoleBinding',
      metadata: { name: 'agent-admin' },
      roleRef: { kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'User', name: 'agent' }],
    };
    expect(riskFacts(binding, undefined, bound)[0]?.text).toBe(
      'Binds User agent to cluster-admin via ClusterRoleBinding agent-admin.',
    );
  });

  it('describes what a deletion takes with it', () => {
    const ns = request('DELETE', '/api/v1/namespaces/team-a');
    expect(
      riskFacts(ns, { kind: 'Namespace', metadata: { name: 'team-a' } }, undefined, { total: 7 })[0]?.text,
    ).toBe('Deletes namespace team-a and everything in it (7 objects counted).');
    const many = request('DELETE', '/api/v1/namespaces/prod/pods?labelSelector=app%3Dweb');
    expect(riskFacts(many, undefined, undefined, { total: 12 })[0]).toMatchObject({
      id: 'delete-many',
      severity: 'high',
    });
    const orphaning = request('DELETE', '/apis/apps/v1/namespaces/prod/deployments/web', {
      propagationPolicy: 'Orphan',
    });
    expect(riskFacts(orphaning, deployment({ image: 'a' }), undefined, { total: 4 })[0]?.id).toBe(
      'orphans-dependents',
    );
  });
});
