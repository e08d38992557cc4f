/** Stored reviews and previews as the Slack card sees them: the cases reviewers meet most. */
import type { MutationPreview } from '../../../src/preview/model.js';
import type { ReviewSettings } from '../../../src/policy/decision.js';
import type { Review, ReviewClassification } from '../../../src/reviews/model.js';

/** A recorded session's id, as the gateway names it on reviews. */
export const SESSION_ID = '5e5510a0c0ffee0123456789';

export const HOSTILE_TEXT =
  'ping <!channel> and <https://evil.example|click here> *bold* `code` ```fence``` & done';

export function settings(overrides: Partial<ReviewSettings> = {}): ReviewSettings {
  return {
    approvers: { users: ['U0ALICE'], groups: ['S0ONCALL'] },
    approvals: 1,
    holdSeconds: 30,
    timeoutSeconds: 1800,
    maxGrantSeconds: 3600,
    mention: 'S0ONCALL',
    confirm: false,
    message: 'changes a production or system namespace',
    ...overrides,
  };
}

function classification(overrides: Partial<ReviewClassification>): ReviewClassification {
  return {
    method: 'PATCH',
    path: '/apis/apps/v1/namespaces/prod/deployments/web',
    verb: 'patch',
    apiGroup: 'apps',
    resource: 'deployments',
    subresource: '',
    namespace: 'prod',
    name: 'web',
    dryRun: false,
    ...overrides,
  };
}

/** The stored request as masking left it, its path naming the object: reviewers see a name only where it survives there. */
function redactedRequestOf(c: ReviewClassification): string {
  const path = !c.name || c.path.endsWith(`/${c.name}`) ? c.path : `${c.path}/${c.name}`;
  return `${c.method} ${path}\nContent-Type: application/merge-patch+json\n\n{"spec":{"replicas":0}}`;
}

export function storedReview(overrides: Partial<Review> = {}): Review {
  const c = overrides.classification ?? classification({});
  return {
    id: 'rv-0123456789abcdef',
    state: 'pending',
    version: 1,
    agent: { name: 'ci-bot', subject: 'agent-ci-bot', issuer: 'https://issuer.test', groups: ['agents'] },
    owner: 'dave@example.com',
    sessionId: SESSION_ID,
    cluster: 'prod-eu',
    classification: c,
    rule: 'scale-to-zero',
    settings: settings(),
    reason: 'Traffic is drained; scaling down to save cost.',
    fingerprint: 'f1e2d3c4b5a697887766554433221100ffeeddccbbaa99887766554433221100',
    redactedRequest: redactedRequestOf(c),
    decisions: [],
    createdAt: new Date('2026-11-28T10:00:00Z'),
    expiresAt: new Date('2026-11-28T10:30:00Z'),
    ...overrides,
  };
}

export const scaleToZero: MutationPreview = {
  source: 'dry-run',
  summary: 'patch deployments.apps "web" in prod: spec.replicas 3 → 0',
  diff: '--- live\n+++ after\n@@ -10,7 +10,7 @@\n spec:\n-  replicas: 3\n+  replicas: 0\n   selector:',
  omittedLines: 0,
  changes: [{ path: 'spec.replicas', kind: 'changed', before: '3', after: '0' }],
  risks: [
    { id: 'scale-to-zero', severity: 'high', text: 'Scales Deployment web to zero replicas (from 3).' },
    { id: 'production-namespace', severity: 'medium', text: 'In production namespace prod.' },
  ],
  pin: { resourceVersion: '4711' },
};

export const rbacWildcard: MutationPreview = {
  source: 'dry-run',
  summary: 'create clusterroles.rbac.authorization.k8s.io "agent-admin"',
  diff: '+apiVersion: rbac.authorization.k8s.io/v1\n+kind: ClusterRole\n+metadata:\n+  name: agent-admin\n+rules:\n+- apiGroups: ["*"]\n+  resources: ["*"]\n+  verbs: ["*"]',
  omittedLines: 0,
  changes: [{ path: 'rules[0]', kind: 'added', after: '*/*: *' }],
  risks: [
    {
      id: 'rbac-wildcard',
      severity: 'high',
      text: 'Grants every verb on every resource in every API group.',
    },
    { id: 'cluster-scoped', severity: 'medium', text: 'Cluster-scoped: applies to all namespaces.' },
  ],
};

export const secretUpdate: MutationPreview = {
  source: 'dry-run',
  summary: 'update secrets "db-credentials" in prod: data.password changed',
  diff: ' data:\n-  password: <masked sha256:1a2b3c>\n+  password: <masked sha256:4d5e6f>\n   username: <masked sha256:778899>',
  omittedLines: 0,
  changes: [{ path: 'data.password', kind: 'changed' }],
  risks: [
    {
      id: 'secret-change',
      severity: 'medium',
      text: 'Changes a Secret: values are compared by hash, never shown.',
    },
  ],
};

function hugeDiffText(lines: number): string {
  return Array.from({ length: lines }, (_, i) => `+  key-${i}: "${'x'.repeat(60)} <&> ${i}"`).join('\n');
}

export const hugeDiff: MutationPreview = {
  source: 'dry-run',
  summary: 'update configmaps "big" in prod: 4000 keys added',
  diff: hugeDiffText(400),
  omittedLines: 3600,
  fullDiff: hugeDiffText(4000),
  changes: [],
  risks: Array.from({ length: 12 }, (_, i) => ({
    id: `risk-${i}`,
    severity: 'info' as const,
    text: `Risk fact number ${i}: ${'long '.repeat(60)}`,
  })),
};

export const deleteRunning: MutationPreview = {
  source: 'delete',
  summary: 'delete deployments.apps "web" in prod: 4 objects go with it',
  diff: [
    '# deletes deployments.apps/web (propagationPolicy: Background)',
    '# with it: 4 objects: replicasets.apps/web-7d9f, pods/web-7d9f-a, pods/web-7d9f-b, pods/web-7d9f-c',
    '-apiVersion: apps/v1',
    '-kind: Deployment',
    '-metadata:',
    '-  name: web',
    '-spec:',
    '-  replicas: 3',
  ].join('\n'),
  omittedLines: 0,
  changes: [],
  risks: [
    { id: 'delete-running', severity: 'high', text: 'Deletes Deployment web and its 3 running replicas.' },
    { id: 'delete-dependents', severity: 'medium', text: 'Also deletes 4 objects owned by Deployment web.' },
    { id: 'production-namespace', severity: 'medium', text: 'In production namespace prod.' },
  ],
  dependents: {
    total: 4,
    sample: ['replicasets.apps/web-7d9f', 'pods/web-7d9f-a', 'pods/web-7d9f-b', 'pods/web-7d9f-c'],
  },
  deleted: {
    kind: 'Deployment',
    name: 'web',
    replicas: { desired: 3, ready: 3 },
    images: ['registry.example/web:1.4', 'envoyproxy/envoy:v1.30'],
  },
  pin: { resourceVersion: '4711', uid: 'u-1' },
};

export const createBinding: MutationPreview = {
  source: 'dry-run',
  summary: 'create clusterrolebindings.rbac.authorization.k8s.io "agent-admin": roleRef added (+1 more)',
  diff: '+apiVersion: rbac.authorization.k8s.io/v1\n+kind: ClusterRoleBinding\n+metadata:\n+  name: agent-admin\n+roleRef:\n+  name: cluster-admin',
  omittedLines: 0,
  changes: [{ path: 'roleRef', kind: 'added' }],
  risks: [
    {
      id: 'rbac-admin-binding',
      severity: 'high',
      text: 'Binds User agent to cluster-admin via ClusterRoleBinding agent-admin.',
    },
  ],
  objectName: 'agent-admin',
};

export const scenarios: Record<string, Review> = {
  'scale to 0': storedReview({ preview: scaleToZero, settings: settings({ confirm: true }) }),
  'RBAC wildcard': storedReview({
    classification: classification({
      method: 'POST',
      path: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
      verb: 'create',
      apiGroup: 'rbac.authorization.k8s.io',
      resource: 'clusterroles',
      namespace: '',
      name: 'agent-admin',
    }),
    rule: 'rbac-changes',
    preview: rbacWildcard,
    settings: settings({
      approvals: 2,
      maxGrantSeconds: 0,
      confirm: true,
      message: 'changes who may do what in the cluster',
    }),
  }),
  'secret update': storedReview({
    classification: classification({
      method: 'PUT',
      verb: 'update',
      apiGroup: '',
      resource: 'secrets',
      name: 'db-credentials',
    }),
    rule: 'secret-writes',
    preview: secretUpdate,
  }),
  'delete with running replicas': storedReview({
    classification: classification({ method: 'DELETE', verb: 'delete' }),
    rule: 'review-production-deletes',
    preview: deleteRunning,
    settings: settings({
      confirm: true,
      maxGrantSeconds: 0,
      message: 'deletes in a production or system namespace, which cannot be undone',
    }),
  }),
  'create named in the body': storedReview({
    classification: classification({
      method: 'POST',
      path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
      verb: 'create',
      apiGroup: 'rbac.authorization.k8s.io',
      resource: 'clusterrolebindings',
      namespace: '',
      name: '',
    }),
    rule: 'review-rbac-writes',
    preview: createBinding,
    settings: settings({
      confirm: true,
      maxGrantSeconds: 0,
      message: 'changes who may do what in the cluster',
    }),
  }),
  'huge diff': storedReview({
    classification: classification({ verb: 'update', apiGroup: '', resource: 'configmaps', name: 'big' }),
    rule: 'config-changes',
    preview: hugeDiff,
    reason: 'r'.repeat(5000),
  }),
};
