import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../../src/policy/evaluate.js';
import { parsePolicy } from '../../../src/policy/load.js';
import { nonResourceRequest, policyWithRules, resourceRequest, type ResourceFields } from './fixtures.js';

const getPods: ResourceFields = { verb: 'get', resource: 'pods', namespace: 'dev', name: 'web-0' };

/** The rule that decides `request` under a policy of one `match` rule (allow) followed by default-deny. */
function decidedBy(match: string, request = resourceRequest(getPods)): string {
  return evaluatePolicy(policyWithRules(`  - { name: r, action: allow, match: ${match} }\n`), request).rule;
}

describe('evaluatePolicy', () => {
  it('lets the first matching rule decide, in file order', () => {
    const policy = policyWithRules(`
  - { name: first, match: { verbs: [list] }, action: deny }
  - { name: second, match: { verbs: [get] }, action: review }
  - { name: third, match: { verbs: [get] }, action: allow }
`);
    const decision = evaluatePolicy(policy, resourceRequest(getPods));
    expect(decision).toMatchObject({ action: 'review', rule: 'second' });
  });

  it('denies with rule default-deny and an explanation when nothing matches', () => {
    const policy = policyWithRules('  - { name: only-lists, match: { verbs: [list] }, action: allow }\n');
    const decision = evaluatePolicy(policy, resourceRequest(getPods));
    expect(decision).toMatchObject({ action: 'deny', rule: 'default-deny', unmasked: false });
    expect(decision.message).toMatch(/no rule .* allows this request/);
  });

  it('matches an empty match on every resource request', () => {
    expect(decidedBy('{}')).toBe('r');
  });

  it.each([
    ['agents', '{ agents: [ci-*] }', { agent: 'ci-bot' }, { agent: 'dev-bot' }],
    [
      'groups (any of the agent groups)',
      '{ groups: [team-*] }',
      { groups: ['x', 'team-a'] },
      { groups: ['x'] },
    ],
    ['clusters', '{ clusters: [prod] }', { cluster: 'prod' }, { cluster: 'production' }],
    ['verbs', '{ verbs: [get, list] }', { verb: 'list' }, { verb: 'watch' }],
    ["apiGroups ('' is core)", "{ apiGroups: [''] }", { apiGroup: '' }, { apiGroup: 'apps' }],
    [
      'apiGroups globs',
      '{ apiGroups: ["*.k8s.io"] }',
      { apiGroup: 'rbac.authorization.k8s.io' },
      { apiGroup: 'apps' },
    ],
    ['resources', '{ resources: [pods] }', { resource: 'pods' }, { resource: 'secrets' }],
    [
      'resources without a subresource',
      '{ resources: [pods] }',
      { resource: 'pods' },
      { subresource: 'exec' },
    ],
    ['resource/subresource', '{ resources: [pods/exec] }', { subresource: 'exec' }, { subresource: 'log' }],
    ['*/subresource', '{ resources: ["*/proxy"] }', { resource: 'services', subresource: 'proxy' }, {}],
    ['namespaces', '{ namespaces: [prod-*, "*-prod"] }', { namespace: 'pay-prod' }, { namespace: 'prodx' }],
    ["namespaces ('' is cluster scope)", "{ namespaces: [''] }", { namespace: '' }, { namespace: 'dev' }],
    ['names', '{ names: [web-*] }', { name: 'web-1' }, { name: 'api-1' }],
    ['dryRun: true', '{ dryRun: true }', { dryRun: true }, { dryRun: false }],
    ['dryRun: false', '{ dryRun: false }', { dryRun: false }, { dryRun: true }],
  ] satisfies [string, string, Partial<ResourceFields>, Partial<ResourceFields>][])(
    'matches on %s',
    (_field, match, matching, notMatching) => {
      expect(decidedBy(match, resourceRequest({ ...getPods, ...matching }))).toBe('r');
      expect(decidedBy(match, resourceRequest({ ...getPods, ...notMatching }))).toBe('default-deny');
    },
  );

  it('matches podSpec when the body could set any one of the listed facts', () => {
    const create = resourceRequest({ verb: 'create', resource: 'pods', namespace: 'dev' });
    const rule = '{ podSpec: [hostPath, privileged] }';
    expect(decidedBy(rule, { ...create, podSpec: new Set(['privileged', 'secretMounts']) })).toBe('r');
    expect(decidedBy(rule, { ...create, podSpec: new Set(['secretMounts']) })).toBe('default-deny');
    expect(decidedBy(rule, create)).toBe('default-deny');
  });

  it('requires every field of a rule to match', () => {
    const match = '{ verbs: [get], namespaces: [prod] }';
    expect(decidedBy(match, resourceRequest({ ...getPods, namespace: 'prod' }))).toBe('r');
    expect(decidedBy(match, resourceRequest({ ...getPods, namespace: 'prod', verb: 'delete' }))).toBe(
      'default-deny',
    );
  });

  it('matches no group when the agent has none', () => {
    expect(decidedBy('{ groups: ["*"] }', resourceRequest({ ...getPods, groups: [] }))).toBe('default-deny');
  });

  describe('resource and non-resource requests', () => {
    const version = nonResourceRequest({ verb: 'get', path: '/version' });

    it('matches non-resource requests only with nonResourceURLs rules', () => {
      expect(decidedBy('{}', version)).toBe('default-deny');
      expect(decidedBy('{ verbs: [get] }', version)).toBe('default-deny');
      expect(decidedBy('{ nonResourceURLs: [/version] }', version)).toBe('r');
    });

    it('never matches a resource request with a nonResourceURLs rule', () => {
      expect(decidedBy('{ nonResourceURLs: ["*"] }')).toBe('default-deny');
    });

    it('matches nonResourceURLs globs across path segments and checks the verb', () => {
      const openapi = nonResourceRequest({ verb: 'get', path: '/openapi/v3/apis/apps/v1' });
      expect(decidedBy('{ nonResourceURLs: [/openapi/*] }', openapi)).toBe('r');
      expect(decidedBy('{ nonResourceURLs: [/openapi/*] }', version)).toBe('default-deny');
      const post = nonResourceRequest({ verb: 'post', path: '/version' });
      expect(decidedBy('{ verbs: [get], nonResourceURLs: [/version] }', post)).toBe('default-deny');
    });

    it('applies agent and cluster matches to non-resource requests too', () => {
      const match = '{ agents: [ci-*], clusters: [prod], nonResourceURLs: [/version] }';
      expect(
        decidedBy(
          match,
          nonResourceRequest({ verb: 'get', path: '/version', agent: 'ci-1', cluster: 'prod' }),
        ),
      ).toBe('r');
      expect(decidedBy(match, nonResourceRequest({ verb: 'get', path: '/version', agent: 'ci-1' }))).toBe(
        'default-deny',
      );
    });
  });

  it('returns the decision the rule resolved to, frozen so one request cannot change it for the next', () => {
    const policy = policyWithRules(`
  - name: masked-off
    match: { resources: [secrets] }
    action: allow
    masking: { unmask: true }
    recording: { level: request-response, bestEffort: true }
`);
    const decision = evaluatePolicy(policy, resourceRequest({ verb: 'get', resource: 'secrets' }));
    expect(decision).toEqual({
      action: 'allow',
      rule: 'masked-off',
      unmasked: true,
      recording: { level: 'request-response', bestEffort: true },
    });
    expect(Object.isFrozen(decision) && Object.isFrozen(decision.recording)).toBe(true);
  });
});

describe('interactive stream subresources', () => {
  const policy = parsePolicy(
    `
apiVersion: airlock.dev/v1
kind: Policy
rules:
  - name: reads
    match: { verbs: [get, list, watch] }
    action: allow
  - name: exec
    match: { resources: [pods/exec, pods/attach, pods/portforward] }
    action: deny
    message: no shells
`,
    { approvers: { users: [], groups: [] } },
  );

  it.each(['exec', 'attach', 'portforward'])('a WebSocket GET to pods/%s is never a read', (subresource) => {
    const decision = evaluatePolicy(policy, {
      agent: { name: 'a', groups: [] },
      cluster: 'default',
      request: {
        path: `/api/v1/namespaces/default/pods/web/${subresource}`,
        dryRun: false,
        info: {
          isResourceRequest: true,
          verb: 'get',
          apiPrefix: 'api',
          apiGroup: '',
          apiVersion: 'v1',
          namespace: 'default',
          resource: 'pods',
          subresource,
          name: 'web',
          parts: ['pods', 'web', subresource],
        },
      },
    });
    expect(decision.rule).toBe('exec');
  });
});
