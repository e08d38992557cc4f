import { describe, expect, it } from 'vitest';
import { formatScope, outsideScope, parseScope, ScopeSyntaxError } from '../../../src/identity/scope.js';

const info = (fields: Partial<Parameters<typeof outsideScope>[2]> = {}) => ({
  isResourceRequest: true,
  namespace: 'team-a',
  resource: 'pods',
  subresource: '',
  apiGroup: '',
  ...fields,
});

describe('token scope', () => {
  it('parses the OAuth scope parameter and formats it back', () => {
    const scope = parseScope('namespace:team-a  verb:get cluster:prod verb:get resource:deployments.apps');
    expect(scope).toEqual({
      clusters: ['prod'],
      namespaces: ['team-a'],
      verbs: ['get'],
      resources: ['deployments.apps'],
    });
    expect(formatScope(scope)).toBe('cluster:prod namespace:team-a verb:get resource:deployments.apps');
    expect(parseScope('')).toEqual({});
  });

  it.each(['namespace:*', 'verb:escalate', 'pods', 'group:admins', 'resource:Pods'])('refuses %j', (text) => {
    expect(() => parseScope(text)).toThrow(ScopeSyntaxError);
  });

  it('lets through what every narrowed dimension names, and leaves open dimensions to policy', () => {
    const scope = parseScope('cluster:prod namespace:team-a verb:get verb:list resource:pods');
    expect(outsideScope(scope, 'prod', info(), 'get')).toBeUndefined();
    expect(
      outsideScope(parseScope('verb:get'), 'any', info({ namespace: 'x', resource: 'secrets' }), 'get'),
    ).toBeUndefined();
  });

  it.each([
    ['another cluster', 'staging', info(), 'get', 'cluster "staging"'],
    ['another namespace', 'prod', info({ namespace: 'team-b' }), 'get', 'namespace "team-b"'],
    [
      'cluster-scoped resources',
      'prod',
      info({ namespace: '', resource: 'nodes' }),
      'get',
      'cluster-scoped resources',
    ],
    ['another verb', 'prod', info(), 'delete', 'verb "delete"'],
    ['another resource', 'prod', info({ resource: 'secrets' }), 'get', 'resource "secrets"'],
    ['a subresource not named', 'prod', info({ subresource: 'exec' }), 'get', 'resource "pods/exec"'],
  ])('names %s as outside the scope', (_what, cluster, request, verb, named) => {
    const scope = parseScope('cluster:prod namespace:team-a verb:get verb:list resource:pods');
    expect(outsideScope(scope, cluster, request, verb)).toBe(named);
  });

  it('matches a resource without a group in any group, and with one only there', () => {
    const apps = info({ resource: 'deployments', apiGroup: 'apps' });
    expect(outsideScope(parseScope('resource:deployments'), 'c', apps, 'get')).toBeUndefined();
    expect(outsideScope(parseScope('resource:deployments.apps'), 'c', apps, 'get')).toBeUndefined();
    expect(outsideScope(parseScope('resource:deployments.extensions'), 'c', apps, 'get')).toBe(
      'resource "deployments (group apps)"',
    );
  });

  it('leaves non-resource requests (discovery) to policy, except for the cluster', () => {
    const discovery = info({ isResourceRequest: false, namespace: '', resource: '' });
    const scope = parseScope('cluster:prod namespace:team-a resource:pods');
    expect(outsideScope(scope, 'prod', discovery, 'get')).toBeUndefined();
    expect(outsideScope(scope, 'dev', discovery, 'get')).toBe('cluster "dev"');
  });
});
