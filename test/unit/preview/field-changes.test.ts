import { describe, expect, it } from 'vitest';
import { describeChange, fieldChanges } from '../../../src/preview/field-changes.js';
import { MASKED_TEXT } from '../../../src/masking/index.js';

const deployment = (image: string, replicas: number) => ({
  metadata: { name: 'web', labels: { 'app.kubernetes.io/name': 'web' } },
  spec: {
    replicas,
    template: {
      spec: {
        containers: [
          { name: 'sidecar', image: 'proxy:2' },
          { name: 'web', image },
        ],
      },
    },
  },
});

describe('fieldChanges', () => {
  it('names list items by their name and renders before → after', () => {
    const changes = fieldChanges(deployment('app:1.4', 3), deployment('app:1.5', 0));
    expect(changes.map(describeChange)).toEqual([
      'spec.replicas: 3 → 0',
      'spec.template.spec.containers[web].image: app:1.4 → app:1.5',
    ]);
  });

  it('quotes keys that are not identifiers', () => {
    const before = { metadata: { labels: { 'app.kubernetes.io/name': 'web' } } };
    const after = { metadata: { labels: { 'app.kubernetes.io/name': 'api' } } };
    expect(fieldChanges(before, after)[0]?.path).toBe('metadata.labels["app.kubernetes.io/name"]');
  });

  it('reports unkeyed list items that came and went (RBAC rules)', () => {
    const rule = { apiGroups: [''], resources: ['pods'], verbs: ['get'] };
    const wildcard = { apiGroups: ['*'], resources: ['*'], verbs: ['*'] };
    const changes = fieldChanges({ rules: [rule] }, { rules: [rule, wildcard] });
    expect(changes).toEqual([{ path: 'rules[1]', kind: 'added', after: JSON.stringify(wildcard) }]);
  });

  it('never renders a masked value, only that it changed', () => {
    const changes = fieldChanges(
      { data: { password: `${MASKED_TEXT} (before)`, user: MASKED_TEXT } },
      { data: { password: `${MASKED_TEXT} (after)`, user: MASKED_TEXT, token: MASKED_TEXT } },
    );
    expect(changes).toEqual([
      { path: 'data.password', kind: 'changed' },
      { path: 'data.token', kind: 'added' },
    ]);
    expect(changes.map(describeChange)).toEqual(['data.password changed', '+data.token']);
  });

  it('treats a missing side as an empty object', () => {
    expect(fieldChanges(undefined, { kind: 'ConfigMap' })).toEqual([
      { path: 'kind', kind: 'added', after: 'ConfigMap' },
    ]);
  });
});
