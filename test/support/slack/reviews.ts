/** Stored reviews and previews as the Slack card sees them: the cases reviewers meet most. */
import type { MutationPreview } from '../../../src/preview/model.js';
import type { ReviewSettings } from '../../../src/policy/decision.js';
import type { Review, ReviewClassification } from '../../../src/reviews/model.js';

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

export function storedReview(overrides: Partial<Review> = {}): Review {
  return {
    id: 'rv-0123456789abcdef',
    state: 'pending',
    version: 1,
    agent: { name: 'ci-bot', subject: 'agent-ci-bot', issuer: 'https://issuer.test', groups: ['agents'] },
    owner: 'dave@example.com',
    sessionId: 'ses-42',
    cluster: 'prod-eu',
    classification: classification({}),
    rule: 'scale-to-zero',
    settings: settings(),
    reason: 'Traffic is drained; scaling down to save cost.',
    fingerprint: 'f1e2d3c4b5a697887766554433221100ffeeddccbbaa99887766554433221100',
    redactedRequest:
      'PATCH /apis/apps/v1/namespaces/prod/deployments/web\nContent-Type: application/merge-patch+json\n\n{"spec":{"replicas":0}}',
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
    { id: 'scale-to-zero', severity: 'high', text: 'Scales web to 0 replicas: the service stops serving.' },
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
    settings: settings({ approvals: 2, maxGrantSeconds: 0, confirm: true }),
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
  'huge diff': storedReview({
    classification: classification({ verb: 'update', apiGroup: '', resource: 'configmaps', name: 'big' }),
    rule: 'config-changes',
    preview: hugeDiff,
    reason: 'r'.repeat(5000),
  }),
};
