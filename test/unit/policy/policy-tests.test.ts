import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadPolicyFile } from '../../../src/policy/load.js';
import { formatPolicyReport, runPolicyTests } from '../../../src/policy/policy-tests.js';
import { NO_DEFAULTS, policyWithRules } from './fixtures.js';

const RULES = `
  - name: read-masked
    match: { verbs: [get] }
    action: allow
  - name: backup-unmasked
    match: { agents: [backup], verbs: [list] }
    action: allow
    masking: { unmask: true }
    recording: { level: metadata }
`;

const policyWithTests = (testsYaml: string) => policyWithRules(`${RULES}tests:\n${testsYaml}`);

describe('runPolicyTests', () => {
  it('passes tests whose expectation matches the decision, including the `expect: deny` shorthand', () => {
    const policy = policyWithTests(`
  - name: reads are masked
    request: { agent: ci, verb: get, resource: secrets, namespace: prod, name: db }
    expect: { action: allow, rule: read-masked, unmasked: false, recording: request }
  - name: the backup agent lists unmasked
    request: { agent: backup, verb: list, resource: secrets, namespace: prod }
    expect: { action: allow, unmasked: true, recording: metadata }
  - name: others cannot list
    request: { agent: ci, verb: list, resource: secrets, namespace: prod }
    expect: deny
`);
    expect(runPolicyTests(policy)).toEqual([
      {
        name: 'reads are masked',
        passed: true,
        expected: 'allow by rule "read-masked", masked, recording request',
        actual: 'allow by rule "read-masked", masked, recording request',
      },
      {
        name: 'the backup agent lists unmasked',
        passed: true,
        expected: 'allow, unmasked, recording metadata',
        actual: 'allow by rule "backup-unmasked", unmasked, recording metadata',
      },
      { name: 'others cannot list', passed: true, expected: 'deny', actual: 'deny by rule "default-deny"' },
    ]);
  });

  it.each([
    ['the action', '{ action: deny }', 'deny', 'allow by rule "read-masked"'],
    [
      'the rule',
      '{ action: allow, rule: backup-unmasked }',
      'allow by rule "backup-unmasked"',
      'allow by rule "read-masked"',
    ],
    [
      'masking',
      '{ action: allow, unmasked: true }',
      'allow, unmasked',
      'allow by rule "read-masked", masked',
    ],
    [
      'the recording level',
      '{ action: allow, recording: metadata }',
      'allow, recording metadata',
      'allow by rule "read-masked", recording request',
    ],
  ])('fails a test when %s differs, showing expected and actual', (_field, expectation, expected, actual) => {
    const policy = policyWithTests(
      `  - { name: t, request: { agent: ci, verb: get, resource: pods }, expect: ${expectation} }\n`,
    );
    expect(runPolicyTests(policy)).toEqual([{ name: 't', passed: false, expected, actual }]);
  });

  it('runs non-resource test requests and splits resource/subresource', () => {
    const policy = policyWithRules(`
  - { name: version, match: { nonResourceURLs: [/version] }, action: allow }
  - { name: exec, match: { resources: [pods/exec], namespaces: [dev], names: [web] }, action: review }
tests:
  - { name: version, request: { agent: a, verb: get, path: /version }, expect: { action: allow, rule: version } }
  - { name: exec, request: { agent: a, verb: create, resource: pods/exec, namespace: dev, name: web }, expect: review }
  - { name: plain pods, request: { agent: a, verb: create, resource: pods, namespace: dev, name: web }, expect: deny }
`);
    expect(runPolicyTests(policy).map((result) => result.passed)).toEqual([true, true, true]);
  });
});

describe('formatPolicyReport', () => {
  it('lists each test, details failures and counts', () => {
    const policy = policyWithTests(`
  - { name: reads pass, request: { agent: ci, verb: get, resource: pods }, expect: allow }
  - { name: lists fail, request: { agent: ci, verb: list, resource: pods }, expect: allow }
`);
    expect(formatPolicyReport('team.yaml', policy, runPolicyTests(policy))).toBe(
      [
        'team.yaml: 2 rules, 2 tests',
        '  PASS  reads pass',
        '  FAIL  lists fail',
        '        expected: allow',
        '        actual:   deny by rule "default-deny"',
        '1 passed, 1 failed',
        '',
      ].join('\n'),
    );
  });

  it('says so when there are no tests', () => {
    const policy = policyWithRules('  - { name: only, action: allow }\n');
    expect(formatPolicyReport('p.yaml', policy, [])).toBe(
      'p.yaml: 1 rule, 0 tests\nno tests: add a `tests:` section to check what the rules decide\n',
    );
  });
});

const EXAMPLE = fileURLToPath(new URL('../../../examples/policy.yaml', import.meta.url));

describe('examples/policy.yaml', () => {
  it('loads and passes its own tests', async () => {
    const policy = await loadPolicyFile(EXAMPLE, NO_DEFAULTS);
    const results = runPolicyTests(policy);
    expect(results.length).toBeGreaterThan(5);
    expect(results.filter((result) => !result.passed)).toEqual([]);
  });
});
