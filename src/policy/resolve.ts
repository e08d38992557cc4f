/** Turns a validated policy document into the Policy the evaluator runs: defaults applied, decisions precomputed. */
import { requestInfo } from '../kube/request-info.js';
import { formatDuration } from '../lib/duration.js';
import type { Decision, ReviewSettings } from './decision.js';
import type { PolicyInput } from './evaluate.js';
import { podSpecFacts } from './pod-spec.js';
import {
  DEFAULT_DENY_RULE,
  type Policy,
  type PolicyDefaults,
  type PolicyDocument,
  type PolicyIssue,
  type ReviewDocument,
  type RuleDocument,
  type TestRequestDocument,
} from './model.js';

/** What applies when neither a rule nor the file's `defaults:` say otherwise. */
const FALLBACK = {
  recording: { level: 'request', bestEffort: false },
  review: {
    approvals: 1,
    holdSeconds: 50,
    timeoutSeconds: 30 * 60,
    maxGrantSeconds: 15 * 60,
    confirm: false,
  },
} as const;

const DEFAULT_DENY_MESSAGE =
  'no rule in the Airlock policy allows this request, so it is denied; ask an Airlock administrator to add a rule if the agent needs it';

/** Policy tests name a cluster only when it matters. */
const DEFAULT_TEST_CLUSTER = 'default';

export function resolvePolicy(
  doc: PolicyDocument,
  defaults: PolicyDefaults,
  source: string,
): { policy: Policy; issues: PolicyIssue[] } {
  const issues: PolicyIssue[] = [];
  const recordingOf = (rule?: RuleDocument): Decision['recording'] => ({
    level: rule?.recording?.level ?? doc.defaults?.recording?.level ?? FALLBACK.recording.level,
    bestEffort:
      rule?.recording?.bestEffort ?? doc.defaults?.recording?.bestEffort ?? FALLBACK.recording.bestEffort,
  });

  const rules = doc.rules.map((rule, i) => {
    const review =
      rule.action === 'review'
        ? resolveReview(rule.review ?? {}, doc.defaults?.review ?? {}, defaults, rule.message)
        : undefined;
    if (review) issues.push(...reviewIssues(review, ['rules', i, 'review']));
    const decision: Decision = {
      action: rule.action,
      rule: rule.name,
      ...(rule.message === undefined ? {} : { message: rule.message }),
      ...(review ? { review } : {}),
      unmasked: rule.masking?.unmask ?? false,
      recording: recordingOf(rule),
    };
    return { name: rule.name, match: rule.match, decision: deepFreeze(decision) };
  });

  const policy: Policy = {
    source,
    rules,
    defaultDeny: deepFreeze({
      action: 'deny',
      rule: DEFAULT_DENY_RULE,
      message: DEFAULT_DENY_MESSAGE,
      unmasked: false,
      recording: recordingOf(),
    }),
    tests: doc.tests.map((test) => ({
      name: test.name,
      input: testInput(test.request),
      expect: test.expect,
    })),
  };
  return { policy, issues };
}

function resolveReview(
  rule: ReviewDocument,
  file: ReviewDocument,
  defaults: PolicyDefaults,
  message: string | undefined,
): ReviewSettings {
  const approvers = rule.approvers ?? file.approvers ?? defaults.approvers;
  const channel = rule.channel ?? file.channel ?? defaults.channel;
  const mention = rule.mention ?? file.mention;
  const confirm = rule.confirm ?? file.confirm ?? FALLBACK.review.confirm;
  return {
    // Copied: the decision is frozen, and these lists may belong to the caller.
    approvers: { users: [...(approvers.users ?? [])], groups: [...(approvers.groups ?? [])] },
    approvals: rule.approvals ?? file.approvals ?? FALLBACK.review.approvals,
    holdSeconds: rule.hold ?? file.hold ?? FALLBACK.review.holdSeconds,
    timeoutSeconds: rule.timeout ?? file.timeout ?? FALLBACK.review.timeoutSeconds,
    // A high-risk (confirm) rule gives no grants unless it sets maxGrant itself: each such change gets its own card.
    maxGrantSeconds: rule.maxGrant ?? (confirm ? 0 : (file.maxGrant ?? FALLBACK.review.maxGrantSeconds)),
    ...(channel === undefined ? {} : { channel }),
    ...(mention === undefined ? {} : { mention }),
    confirm,
    // Stored with the review, so the card can say why it was flagged.
    ...(message === undefined ? {} : { message }),
  };
}

/** Settings that are each valid but together could never work, which only shows once defaults are applied. */
function reviewIssues(review: ReviewSettings, path: readonly PropertyKey[]): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  const { users, groups } = review.approvers;
  if (groups.length === 0 && users.length > 0 && users.length < review.approvals) {
    issues.push({
      path: [...path, 'approvals'],
      message: `needs ${review.approvals} approvals but only ${users.length} approver(s) can decide (${users.join(', ')})`,
    });
  }
  if (review.holdSeconds > review.timeoutSeconds) {
    issues.push({
      path: [...path, 'hold'],
      message: `${formatDuration(review.holdSeconds)} is longer than the review timeout (${formatDuration(review.timeoutSeconds)}): the agent would wait for a review that has expired`,
    });
  }
  return issues;
}

/** A test's request as the classifier would have produced it (`resource: pods/exec` splits into subresource). */
function testInput(request: TestRequestDocument): PolicyInput {
  const agent = { name: request.agent, groups: request.groups ?? [] };
  const cluster = request.cluster ?? DEFAULT_TEST_CLUSTER;
  if (request.path !== undefined) {
    const info = requestInfo({ isResourceRequest: false, verb: request.verb });
    return { agent, cluster, request: { path: request.path, info, dryRun: false } };
  }
  const [resource = '', subresource = ''] = (request.resource ?? '').split('/', 2);
  const apiGroup = request.apiGroup ?? '';
  const namespace = request.namespace ?? '';
  const name = request.name ?? '';
  const parts = [resource, name, subresource].filter(Boolean);
  const info = requestInfo({
    isResourceRequest: true,
    verb: request.verb,
    apiPrefix: apiGroup ? 'apis' : 'api',
    apiGroup,
    // Policy never looks at the version; v1 keeps the rebuilt path realistic.
    apiVersion: 'v1',
    namespace,
    resource,
    subresource,
    name,
    parts,
  });
  const segments = [
    info.apiPrefix,
    apiGroup,
    info.apiVersion,
    ...(namespace ? ['namespaces', namespace] : []),
    ...parts,
  ];
  const path = `/${segments.filter(Boolean).join('/')}`;
  const body =
    request.body === undefined
      ? { kind: 'none' as const }
      : { kind: 'document' as const, value: request.body };
  return {
    agent,
    cluster,
    request: { path, info, dryRun: request.dryRun ?? false },
    podSpec: podSpecFacts(info, body),
  };
}

/** Decisions are shared by every request a rule matches; freezing keeps one caller from changing another's. */
function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (typeof child === 'object' && child !== null) deepFreeze(child);
  }
  return Object.freeze(value);
}
