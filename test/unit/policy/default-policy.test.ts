import { describe, expect, it } from 'vitest';
import type { Action } from '../../../src/policy/decision.js';
import { evaluatePolicy, type PolicyInput } from '../../../src/policy/evaluate.js';
import { builtInPolicy } from '../../../src/policy/load.js';
import { runPolicyTests } from '../../../src/policy/policy-tests.js';
import { nonResourceRequest, resourceRequest } from './fixtures.js';

const policy = builtInPolicy({ approvers: { users: ['U-ONCALL'], groups: [] }, channel: 'C-ONCALL' });

const rbac = 'rbac.authorization.k8s.io';

const TABLE: [string, Action, PolicyInput][] = [
  ['GET /version', 'allow', nonResourceRequest({ verb: 'get', path: '/version' })],
  ['GET /api (discovery)', 'allow', nonResourceRequest({ verb: 'get', path: '/api' })],
  ['GET /apis/apps/v1 (discovery)', 'allow', nonResourceRequest({ verb: 'get', path: '/apis/apps/v1' })],
  ['GET /openapi/v3', 'allow', nonResourceRequest({ verb: 'get', path: '/openapi/v3' })],
  ['GET /healthz', 'allow', nonResourceRequest({ verb: 'get', path: '/healthz' })],
  ['POST /version', 'deny', nonResourceRequest({ verb: 'post', path: '/version' })],
  ['GET /metrics', 'deny', nonResourceRequest({ verb: 'get', path: '/metrics' })],
  ['get pod', 'allow', resourceRequest({ verb: 'get', resource: 'pods', namespace: 'prod', name: 'web' })],
  ['list secrets', 'allow', resourceRequest({ verb: 'list', resource: 'secrets', namespace: 'prod' })],
  [
    'watch deployments',
    'allow',
    resourceRequest({ verb: 'watch', apiGroup: 'apps', resource: 'deployments' }),
  ],
  [
    'get pod logs',
    'allow',
    resourceRequest({ verb: 'get', resource: 'pods', subresource: 'log', namespace: 'dev', name: 'w' }),
  ],
  [
    'dry-run create in kube-system',
    'allow',
    resourceRequest({ verb: 'create', resource: 'configmaps', namespace: 'kube-system', dryRun: true }),
  ],
  [
    'dry-run secret update',
    'allow',
    resourceRequest({ verb: 'update', resource: 'secrets', namespace: 'dev', name: 's', dryRun: true }),
  ],
  ['impersonate a user', 'deny', resourceRequest({ verb: 'impersonate', resource: 'users', name: 'admin' })],
  [
    'impersonate a service account',
    'deny',
    resourceRequest({
      verb: 'impersonate',
      resource: 'serviceaccounts',
      namespace: 'kube-system',
      name: 'x',
    }),
  ],
  [
    'mint a token',
    'deny',
    resourceRequest({
      verb: 'create',
      resource: 'serviceaccounts',
      subresource: 'token',
      namespace: 'dev',
      name: 'sa',
    }),
  ],
  [
    'dry-run token mint',
    'deny',
    resourceRequest({
      verb: 'create',
      resource: 'serviceaccounts',
      subresource: 'token',
      namespace: 'dev',
      name: 'sa',
      dryRun: true,
    }),
  ],
  [
    'GET nodes/proxy',
    'deny',
    resourceRequest({ verb: 'get', resource: 'nodes', subresource: 'proxy', name: 'node-1' }),
  ],
  [
    'escalate a role',
    'deny',
    resourceRequest({ verb: 'escalate', apiGroup: rbac, resource: 'clusterroles', name: 'admin' }),
  ],
  [
    'bind a role',
    'deny',
    resourceRequest({ verb: 'bind', apiGroup: rbac, resource: 'roles', namespace: 'dev', name: 'edit' }),
  ],
  [
    'approve a CSR',
    'deny',
    resourceRequest({
      verb: 'update',
      apiGroup: 'certificates.k8s.io',
      resource: 'certificatesigningrequests',
      subresource: 'approval',
      name: 'c',
    }),
  ],
  [
    'exec via SPDY (POST)',
    'review',
    resourceRequest({ verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'dev', name: 'w' }),
  ],
  [
    'exec via WebSocket (GET)',
    'review',
    resourceRequest({ verb: 'get', resource: 'pods', subresource: 'exec', namespace: 'dev', name: 'w' }),
  ],
  [
    'attach',
    'review',
    resourceRequest({ verb: 'create', resource: 'pods', subresource: 'attach', namespace: 'dev', name: 'w' }),
  ],
  [
    'port-forward',
    'review',
    resourceRequest({
      verb: 'get',
      resource: 'pods',
      subresource: 'portforward',
      namespace: 'dev',
      name: 'w',
    }),
  ],
  [
    'add an ephemeral container',
    'review',
    resourceRequest({
      verb: 'patch',
      resource: 'pods',
      subresource: 'ephemeralcontainers',
      namespace: 'dev',
      name: 'w',
    }),
  ],
  [
    'pod proxy',
    'review',
    resourceRequest({ verb: 'get', resource: 'pods', subresource: 'proxy', namespace: 'dev', name: 'w' }),
  ],
  [
    'service proxy',
    'review',
    resourceRequest({
      verb: 'create',
      resource: 'services',
      subresource: 'proxy',
      namespace: 'dev',
      name: 's',
    }),
  ],
  [
    'delete a pod',
    'review',
    resourceRequest({ verb: 'delete', resource: 'pods', namespace: 'dev', name: 'w' }),
  ],
  [
    'delete a namespace',
    'review',
    resourceRequest({ verb: 'delete', resource: 'namespaces', namespace: 'dev', name: 'dev' }),
  ],
  [
    'deletecollection',
    'review',
    resourceRequest({ verb: 'deletecollection', resource: 'pods', namespace: 'dev' }),
  ],
  [
    'create a role',
    'review',
    resourceRequest({ verb: 'create', apiGroup: rbac, resource: 'roles', namespace: 'dev' }),
  ],
  [
    'update a role binding',
    'review',
    resourceRequest({
      verb: 'update',
      apiGroup: rbac,
      resource: 'rolebindings',
      namespace: 'dev',
      name: 'b',
    }),
  ],
  [
    'create a cluster role binding',
    'review',
    resourceRequest({ verb: 'create', apiGroup: rbac, resource: 'clusterrolebindings' }),
  ],
  ['create a secret', 'review', resourceRequest({ verb: 'create', resource: 'secrets', namespace: 'dev' })],
  [
    'patch a secret',
    'review',
    resourceRequest({ verb: 'patch', resource: 'secrets', namespace: 'dev', name: 's' }),
  ],
  ['write in prod', 'review', resourceRequest({ verb: 'create', resource: 'configmaps', namespace: 'prod' })],
  [
    'write in prod-eu',
    'review',
    resourceRequest({ verb: 'update', resource: 'configmaps', namespace: 'prod-eu', name: 'c' }),
  ],
  [
    'write in shop-prod',
    'review',
    resourceRequest({
      verb: 'patch',
      apiGroup: 'apps',
      resource: 'deployments',
      namespace: 'shop-prod',
      name: 'd',
    }),
  ],
  [
    'write in production',
    'review',
    resourceRequest({
      verb: 'patch',
      apiGroup: 'apps',
      resource: 'deployments',
      namespace: 'production',
      name: 'd',
    }),
  ],
  [
    'write in kube-system',
    'review',
    resourceRequest({ verb: 'create', resource: 'configmaps', namespace: 'kube-system' }),
  ],
  [
    'create a CRD',
    'review',
    resourceRequest({
      verb: 'create',
      apiGroup: 'apiextensions.k8s.io',
      resource: 'customresourcedefinitions',
    }),
  ],
  [
    'patch a validating webhook',
    'review',
    resourceRequest({
      verb: 'patch',
      apiGroup: 'admissionregistration.k8s.io',
      resource: 'validatingwebhookconfigurations',
      name: 'v',
    }),
  ],
  [
    'create a mutating webhook',
    'review',
    resourceRequest({
      verb: 'create',
      apiGroup: 'admissionregistration.k8s.io',
      resource: 'mutatingwebhookconfigurations',
    }),
  ],
  [
    'evict a pod',
    'review',
    resourceRequest({
      verb: 'create',
      resource: 'pods',
      subresource: 'eviction',
      namespace: 'dev',
      name: 'w',
    }),
  ],
  [
    'create a deployment in dev',
    'allow',
    resourceRequest({ verb: 'create', apiGroup: 'apps', resource: 'deployments', namespace: 'dev' }),
  ],
  [
    'scale a deployment in staging',
    'allow',
    resourceRequest({
      verb: 'update',
      apiGroup: 'apps',
      resource: 'deployments',
      subresource: 'scale',
      namespace: 'staging',
      name: 'd',
    }),
  ],
  [
    'legacy proxy verb',
    'deny',
    resourceRequest({ verb: 'proxy', resource: 'pods', namespace: 'dev', name: 'w' }),
  ],
];

describe('the built-in default policy', () => {
  it.each(TABLE)('%s → %s', (_request, action, input) => {
    expect(evaluatePolicy(policy, input).action).toBe(action);
  });

  it('explains every denial in its own words', () => {
    for (const [request, , input] of TABLE.filter(([, action]) => action === 'deny')) {
      expect(evaluatePolicy(policy, input).message, request).toMatch(/not allowed through Airlock|denied/);
    }
  });

  it('masks secrets on reads', () => {
    const read = evaluatePolicy(
      policy,
      resourceRequest({ verb: 'get', resource: 'secrets', namespace: 'dev', name: 's' }),
    );
    expect(read).toMatchObject({
      action: 'allow',
      unmasked: false,
      recording: { level: 'request', bestEffort: false },
    });
  });

  it('unmasks nothing anywhere', () => {
    expect(policy.rules.filter((rule) => rule.decision.unmasked)).toEqual([]);
  });

  it('reviews with one approval, a 50s hold, a 30m timeout and grants of up to 15m, sent to the configured approvers', () => {
    const review = evaluatePolicy(
      policy,
      resourceRequest({ verb: 'delete', resource: 'pods', namespace: 'dev', name: 'w' }),
    ).review;
    expect(review).toEqual({
      approvers: { users: ['U-ONCALL'], groups: [] },
      approvals: 1,
      holdSeconds: 50,
      timeoutSeconds: 1800,
      maxGrantSeconds: 900,
      channel: 'C-ONCALL',
      confirm: false,
      message: 'deletion cannot be undone',
    });
  });

  it('asks for confirmation on the highest-risk reviews', () => {
    const exec = resourceRequest({
      verb: 'create',
      resource: 'pods',
      subresource: 'exec',
      namespace: 'dev',
      name: 'w',
    });
    const crd = resourceRequest({
      verb: 'create',
      apiGroup: 'apiextensions.k8s.io',
      resource: 'customresourcedefinitions',
    });
    expect(evaluatePolicy(policy, exec).review?.confirm).toBe(true);
    expect(evaluatePolicy(policy, crd).review?.confirm).toBe(true);
    const confirms = (verb: string, resource: string, namespace: string) =>
      evaluatePolicy(policy, resourceRequest({ verb, resource, namespace, name: 'x' })).review?.confirm;
    // Deletes: in production, of a namespace, of stored data; an ordinary delete elsewhere does not ask.
    expect(confirms('delete', 'configmaps', 'prod')).toBe(true);
    expect(confirms('delete', 'namespaces', 'team-a')).toBe(true);
    expect(confirms('delete', 'persistentvolumeclaims', 'dev')).toBe(true);
    expect(confirms('delete', 'configmaps', 'dev')).toBe(false);
  });

  it('offers no grants on RBAC and the other confirm rules: each such change gets its own card', () => {
    const binding = resourceRequest({
      verb: 'create',
      apiGroup: 'rbac.authorization.k8s.io',
      resource: 'clusterrolebindings',
    });
    const confirmRules = policy.rules.filter((rule) => rule.decision.review?.confirm);
    expect(confirmRules.map((rule) => rule.name)).toContain('review-rbac-writes');
    for (const rule of confirmRules) expect(rule.decision.review?.maxGrantSeconds, rule.name).toBe(0);
    expect(evaluatePolicy(policy, binding).review?.maxGrantSeconds).toBe(0);
  });

  it('passes its own inline tests', () => {
    const results = runPolicyTests(policy);
    expect(results.length).toBeGreaterThan(20);
    expect(results.filter((result) => !result.passed)).toEqual([]);
  });
});
