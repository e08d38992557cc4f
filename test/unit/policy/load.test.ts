import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicyFile, parsePolicy, PolicyError } from '../../../src/policy/load.js';
import type { Policy } from '../../../src/policy/model.js';
import { NO_DEFAULTS, policyWithRules } from './fixtures.js';

const HEADER = 'apiVersion: airlock.dev/v1\nkind: Policy\n';

/** The issues parsePolicy reports for `yaml`. */
function issuesOf(yaml: string): string[] {
  try {
    parsePolicy(yaml, NO_DEFAULTS, 'bad.yaml');
  } catch (err) {
    if (err instanceof PolicyError) return err.issues;
    throw err;
  }
  throw new Error('expected the policy to be rejected');
}

const ruleDecision = (policy: Policy, name: string) =>
  policy.rules.find((rule) => rule.name === name)?.decision;

describe('parsePolicy: defaults', () => {
  const loaderDefaults = { approvers: { users: ['U-ONCALL'], groups: ['S-SRE'] }, channel: 'C-DEFAULT' };

  it('applies the built-in fallbacks when the file sets none', () => {
    const policy = policyWithRules('  - { name: r, action: review }\n', loaderDefaults);
    expect(ruleDecision(policy, 'r')).toEqual({
      action: 'review',
      rule: 'r',
      review: {
        approvers: { users: ['U-ONCALL'], groups: ['S-SRE'] },
        approvals: 1,
        holdSeconds: 50,
        timeoutSeconds: 1800,
        maxGrantSeconds: 900,
        channel: 'C-DEFAULT',
        confirm: false,
      },
      unmasked: false,
      recording: { level: 'request', bestEffort: false },
    });
  });

  it('lets the file defaults override the fallbacks and rules override the file defaults, field by field', () => {
    const policy = parsePolicy(
      `${HEADER}
defaults:
  recording: { level: metadata, bestEffort: true }
  review: { approvers: { groups: [S-FILE] }, approvals: 2, hold: 1m, timeout: 1h, maxGrant: 0s, mention: S-FILE, confirm: true }
rules:
  - { name: inherits, action: review }
  - name: overrides
    action: review
    recording: { level: request-response }
    review: { approvers: { users: [U1, U2, U3] }, approvals: 3, hold: 10s, channel: C-RULE, confirm: false }
`,
      loaderDefaults,
    );
    expect(ruleDecision(policy, 'inherits')).toMatchObject({
      recording: { level: 'metadata', bestEffort: true },
      review: {
        approvers: { users: [], groups: ['S-FILE'] },
        approvals: 2,
        holdSeconds: 60,
        timeoutSeconds: 3600,
        maxGrantSeconds: 0,
        channel: 'C-DEFAULT',
        mention: 'S-FILE',
        confirm: true,
      },
    });
    expect(ruleDecision(policy, 'overrides')).toMatchObject({
      recording: { level: 'request-response', bestEffort: true },
      review: {
        approvers: { users: ['U1', 'U2', 'U3'], groups: [] },
        approvals: 3,
        holdSeconds: 10,
        timeoutSeconds: 3600,
        maxGrantSeconds: 0,
        channel: 'C-RULE',
        mention: 'S-FILE',
        confirm: false,
      },
    });
    expect(policy.defaultDeny.recording).toEqual({ level: 'metadata', bestEffort: true });
  });

  it('gives a confirm rule no grants unless the rule itself sets maxGrant', () => {
    const policy = policyWithRules(`
  - { name: risky, action: review, review: { confirm: true } }
  - { name: risky-with-grants, action: review, review: { confirm: true, maxGrant: 5m } }
`);
    expect(ruleDecision(policy, 'risky')?.review?.maxGrantSeconds).toBe(0);
    expect(ruleDecision(policy, 'risky-with-grants')?.review?.maxGrantSeconds).toBe(300);
  });

  it('gives review settings only to review rules, and keeps the message', () => {
    const policy = policyWithRules(`
  - { name: a, action: allow }
  - { name: d, action: deny, message: not here }
`);
    expect(ruleDecision(policy, 'a')).not.toHaveProperty('review');
    expect(ruleDecision(policy, 'd')).toMatchObject({ action: 'deny', message: 'not here' });
    expect(ruleDecision(policy, 'd')).not.toHaveProperty('review');
  });

  it('does not freeze or share the approver lists the caller passed in', () => {
    const approvers = { users: ['U1'], groups: [] };
    const policy = policyWithRules('  - { name: r, action: review }\n', { approvers });
    approvers.users.push('U2');
    expect(ruleDecision(policy, 'r')?.review?.approvers.users).toEqual(['U1']);
  });
});

describe('parsePolicy: errors name the path (and line) of each problem', () => {
  it('reports an unknown key with the keys allowed there', () => {
    const issues = issuesOf(`${HEADER}rules:\n  - name: r\n    action: allow\n    match: { verb: [get] }\n`);
    expect(issues).toEqual([
      expect.stringMatching(
        /^rules\[0\]\.match\.verb: unknown key \(allowed here: agents, .*verbs.*\) \(line 6\)$/,
      ),
    ]);
  });

  it('reports unknown top-level keys one by one', () => {
    const issues = issuesOf(`${HEADER}rules: []\nrule: []\nversion: 2\n`);
    expect(issues).toEqual([
      expect.stringMatching(/^rule: unknown key .*\(line 4\)$/),
      expect.stringMatching(/^version: unknown key .*\(line 5\)$/),
    ]);
  });

  it('reports a bad action with the allowed ones', () => {
    const issues = issuesOf(
      `${HEADER}rules:\n  - { name: a, action: allow }\n  - { name: b, action: allow }\n  - { name: c, action: permit }\n`,
    );
    expect(issues).toEqual(['rules[2].action: must be one of allow, deny, review (line 6)']);
  });

  it('reports a bad duration, quoting it', () => {
    const issues = issuesOf(`${HEADER}defaults:\n  review: { hold: 50 seconds }\nrules: []\n`);
    expect(issues).toEqual([
      expect.stringMatching(/^defaults\.review\.hold: "50 seconds" is not a duration: .*\(line 4\)$/),
    ]);
  });

  it('reports a glob field that is not a list, and a list item that is not a string', () => {
    const issues = issuesOf(
      `${HEADER}rules:\n  - name: r\n    action: deny\n    match:\n      namespaces: prod\n      names: [web, 404]\n`,
    );
    expect(issues).toEqual([
      'rules[0].match.namespaces: must be a list of globs, e.g. [prod, prod-*] (line 7)',
      "rules[0].match.names[1]: must be a string (write '404' in quotes) (line 8)",
    ]);
  });

  it.each([
    ['a missing action', '  - { name: r }', 'rules[0].action: is required'],
    [
      'an empty glob list',
      '  - { name: r, action: deny, match: { agents: [] } }',
      'rules[0].match.agents: must not be empty',
    ],
    [
      'a misspelt verb',
      '  - { name: r, action: deny, match: { verbs: [delet] } }',
      'rules[0].match.verbs[0]: must be a Kubernetes verb',
    ],
    [
      'approvals that are not a whole number',
      '  - { name: r, action: review, review: { approvals: 1.5 } }',
      'rules[0].review.approvals: must be a whole number',
    ],
    [
      'a pod-spec fact that does not exist',
      '  - { name: r, action: review, match: { podSpec: [privilegd] } }',
      'rules[0].match.podSpec[0]: must be one of privileged, hostPath, hostNamespaces, addedCapabilities, secretMounts',
    ],
    [
      'an empty pod-spec list',
      '  - { name: r, action: review, match: { podSpec: [] } }',
      'rules[0].match.podSpec: must not be empty',
    ],
    [
      'a bad recording level',
      '  - { name: r, action: allow, recording: { level: full } }',
      'rules[0].recording.level: must be one of none, metadata, request, request-response',
    ],
  ])('reports %s', (_case, rule, issue) => {
    expect(issuesOf(`${HEADER}rules:\n${rule}\n`)[0]).toContain(issue);
  });

  it.each([
    [
      'nonResourceURLs mixed with resource fields',
      '{ name: r, action: allow, match: { nonResourceURLs: [/version], namespaces: [a] } }',
      'rules[0].match.nonResourceURLs: cannot be combined with namespaces',
    ],
    [
      'nonResourceURLs mixed with podSpec',
      '{ name: r, action: review, match: { nonResourceURLs: [/version], podSpec: [hostPath] } }',
      'rules[0].match.nonResourceURLs: cannot be combined with podSpec',
    ],
    [
      'review settings on an allow rule',
      '{ name: r, action: allow, review: { approvals: 2 } }',
      'rules[0].review: only applies to action: review',
    ],
    [
      'a message on an allow rule',
      '{ name: r, action: allow, message: hi }',
      'rules[0].message: is shown only for deny and review',
    ],
    [
      'unmask on a deny rule',
      '{ name: r, action: deny, masking: { unmask: true } }',
      'rules[0].masking.unmask: has no effect on a deny rule',
    ],
    [
      'the reserved rule name',
      '{ name: default-deny, action: deny }',
      'rules[0].name: "default-deny" is reserved',
    ],
    [
      'more approvals than approvers',
      '{ name: r, action: review, review: { approvers: { users: [U1] }, approvals: 2 } }',
      'rules[0].review.approvals: needs 2 approvals but only 1 approver(s) can decide (U1)',
    ],
    [
      'a hold longer than the timeout',
      '{ name: r, action: review, review: { hold: 1h, timeout: 30m } }',
      'rules[0].review.hold: 1h is longer than the review timeout (30m)',
    ],
  ])('refuses settings that could never take effect: %s', (_case, rule, issue) => {
    expect(issuesOf(`${HEADER}rules:\n  - ${rule}\n`)).toEqual([expect.stringContaining(issue)]);
  });

  it('refuses duplicate rule names and tests that expect a rule that does not exist', () => {
    const issues = issuesOf(`${HEADER}rules:
  - { name: r, action: allow }
  - { name: r, action: deny }
tests:
  - { name: t, request: { agent: a, verb: get, path: /version }, expect: { action: deny, rule: missing } }
`);
    expect(issues).toEqual([
      'rules[1].name: "r" is already the name of rules[0] (line 5)',
      'tests[0].expect.rule: no rule is named "missing" (line 7)',
    ]);
  });

  it('checks test requests are either resource or non-resource requests', () => {
    const issues = issuesOf(`${HEADER}rules: []
tests:
  - { name: both, request: { agent: a, verb: get, path: /version, resource: pods }, expect: deny }
  - { name: neither, request: { agent: a, verb: get }, expect: deny }
`);
    expect(issues).toEqual([
      'tests[0].request.resource: cannot be combined with path (a non-resource request) (line 5)',
      'tests[1].request.resource: is required (or give `path` for a non-resource request) (line 6)',
    ]);
  });

  it('reports the header, YAML syntax errors and non-mappings', () => {
    expect(issuesOf('apiVersion: v1\nkind: Policy\nrules: []\n')).toEqual([
      'apiVersion: must be airlock.dev/v1 (line 1)',
    ]);
    expect(issuesOf(`${HEADER}`)).toEqual(['rules: is required (line 1)']);
    expect(issuesOf(`${HEADER}rules: [\n`)[0]).toMatch(/at line \d+, column \d+$/);
    expect(issuesOf('- just a list\n')).toEqual(['(document): must be a mapping (line 1)']);
  });

  it('puts every issue in the error message, under the source name', () => {
    expect(() =>
      parsePolicy(`${HEADER}rules:\n  - { name: r, action: nope }\n`, NO_DEFAULTS, 'team.yaml'),
    ).toThrow(
      'invalid policy (team.yaml):\n  - rules[0].action: must be one of allow, deny, review (line 4)',
    );
  });
});

describe('loadPolicyFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-policy-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a file and records where it came from', async () => {
    const path = join(dir, 'policy.yaml');
    await writeFile(path, `${HEADER}rules:\n  - { name: everything, action: allow }\n`);
    const policy = await loadPolicyFile(path, NO_DEFAULTS);
    expect(policy.source).toBe(path);
    expect(policy.rules.map((rule) => rule.name)).toEqual(['everything']);
  });

  it('reports an unreadable file as a PolicyError naming it', async () => {
    const path = join(dir, 'missing.yaml');
    const error = await loadPolicyFile(path, NO_DEFAULTS).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).issues).toEqual([expect.stringMatching(/^cannot read the file: ENOENT/)]);
    expect((error as PolicyError).message).toContain(path);
  });
});
