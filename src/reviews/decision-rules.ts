/**
 * Who may decide a review and what a set of decisions amounts to. Pure functions over stored data; the engine
 * applies them inside the compare-and-set transaction.
 */
import type { ReviewSettings } from '../policy/decision.js';
import type { Approver, GrantScope, Review, ReviewerDecision, ReviewState } from './model.js';

export interface DecisionRequest {
  decision: 'approve' | 'deny';
  reason?: string;
  /** Approve for a time window: later matching requests pass without a review until it ends. */
  grantSeconds?: number;
  /** What the grant covers; the reviewed object name unless the approver chose any name. */
  grantScope?: GrantScope;
  /** Terminal only: skip the eligibility check (recorded as such); the owner rule still applies. */
  breakGlass?: boolean;
}

export type DecideRefusalCode =
  | 'not-found'
  | 'already-decided'
  | 'already-voted'
  | 'not-eligible'
  | 'unknown-person'
  | 'owner-self-approval'
  | 'reason-required'
  | 'grant-too-long';

export interface DecideRefusal {
  code: DecideRefusalCode;
  /** A sentence for the person who tried: what was refused and why. */
  message: string;
}

const same = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();

/** The agent's owner is matched on the person's immutable identifiers (never a display name), case-insensitively. */
export function isOwner(owner: string | undefined, approver: Approver): boolean {
  return owner !== undefined && owner.trim() !== '' && approver.identifiers.some((id) => same(id, owner));
}

/**
 * Listed by an immutable identifier (person id, Slack user id, an email the directory or Slack reports) or a
 * member of a listed group as the directory or Slack says. An unverified terminal name is never eligible.
 */
export function isEligible(settings: ReviewSettings, approver: Approver): boolean {
  if (!approver.verified) return false;
  const byIdentity = settings.approvers.users.some((user) =>
    approver.identifiers.some((id) => same(id, user)),
  );
  const byGroup = settings.approvers.groups.some((group) => approver.groups.some((g) => same(g, group)));
  return byIdentity || byGroup;
}

/** Break-glass exists for when Slack is down; it is honoured only from the terminal. */
export function usesBreakGlass(approver: Approver, request: DecisionRequest): boolean {
  return request.breakGlass === true && approver.via === 'terminal';
}

/** Why this person may not record this decision on this review now, or undefined when they may. */
export function refusalFor(
  review: Review,
  approver: Approver,
  request: DecisionRequest,
): DecideRefusal | undefined {
  if (review.state !== 'pending') {
    return {
      code: 'already-decided',
      message: `Review ${review.id} is already ${review.state}; nothing was changed.`,
    };
  }
  const earlier = review.decisions.find((d) => same(d.approver.id, approver.id));
  if (earlier) {
    return {
      code: 'already-voted',
      message: `${approver.name} already decided (${earlier.decision}) on review ${review.id} at ${earlier.at.toISOString()}.`,
    };
  }
  if (request.decision === 'deny' && !request.reason?.trim()) {
    return { code: 'reason-required', message: 'A denial needs a reason: the agent reads it and adapts.' };
  }
  if (request.decision === 'approve' && isOwner(review.owner, approver)) {
    return {
      code: 'owner-self-approval',
      message: `${approver.name} owns agent ${review.agent.name} and cannot approve its requests; another approver must.`,
    };
  }
  if (!approver.verified && !usesBreakGlass(approver, request)) {
    return {
      code: 'unknown-person',
      message: `${approver.name} is not a person in Airlock's directory (configuration \`people\`), so a terminal decision by that name counts only as break-glass: add --break-glass, or use your directory id.`,
    };
  }
  if (!usesBreakGlass(approver, request) && !isEligible(review.settings, approver)) {
    return {
      code: 'not-eligible',
      message: `${who(approver)} is not an approver for rule ${review.rule} (approvers: ${describeApprovers(review.settings)}). ${howToBecomeEligible(review.settings, approver)}`,
    };
  }
  if (request.decision === 'approve' && request.grantSeconds !== undefined) {
    const max = review.settings.maxGrantSeconds;
    if (!Number.isInteger(request.grantSeconds) || request.grantSeconds <= 0 || request.grantSeconds > max) {
      return {
        code: 'grant-too-long',
        message:
          max > 0
            ? `Rule ${review.rule} allows grants of at most ${max} s; ${request.grantSeconds} s was asked.`
            : `Rule ${review.rule} does not allow time-boxed grants; approve this request alone instead.`,
      };
    }
  }
  return undefined;
}

/** The display name with the immutable id beside it when they differ: a name alone may imitate someone. */
function who(approver: Approver): string {
  return approver.name === approver.id ? approver.name : `${approver.name} (${approver.id})`;
}

/** What would make this person eligible, from where their identity and groups come from. */
function howToBecomeEligible(settings: ReviewSettings, approver: Approver): string {
  const groups = approver.groups.length > 0 ? approver.groups.join(', ') : 'none';
  const source =
    approver.via === 'terminal'
      ? 'their groups come from their entry in the configuration `people`'
      : 'their groups come from `people` or their Slack user groups';
  const fixes = [
    'list one of their ids in the rule’s `review.approvers.users`',
    ...(settings.approvers.groups.length > 0
      ? [`add them to group ${settings.approvers.groups.join(' or ')}`]
      : []),
  ];
  return `They are in groups: ${groups} (${source}). To make them eligible, ${fixes.join(', or ')}.`;
}

function describeApprovers(settings: ReviewSettings): string {
  const names = [...settings.approvers.users, ...settings.approvers.groups.map((g) => `group ${g}`)];
  return names.length > 0 ? names.join(', ') : 'none configured';
}

export interface Tally {
  state: Extract<ReviewState, 'pending' | 'approved' | 'denied'>;
  /** When approved and every approval asked for a grant: the shortest of the asked windows. */
  grantSeconds?: number;
  grantScope?: GrantScope;
}

/**
 * How many different people approved: each verified person once; all unverified (break-glass) terminal names
 * together at most once, since nothing shows they are different people.
 */
export function countApprovals(decisions: readonly ReviewerDecision[]): number {
  const approvals = decisions.filter((d) => d.decision === 'approve');
  const people = new Set(
    approvals.filter((d) => d.approver.verified).map((d) => d.approver.id.toLowerCase()),
  );
  return people.size + (approvals.some((d) => !d.approver.verified) ? 1 : 0);
}

/** One deny ends a review; approvals from the rule's number of different people approve it. */
export function tally(settings: ReviewSettings, decisions: readonly ReviewerDecision[]): Tally {
  if (decisions.some((d) => d.decision === 'deny')) return { state: 'denied' };
  if (countApprovals(decisions) < Math.max(1, settings.approvals)) return { state: 'pending' };
  const approvals = decisions.filter((d) => d.decision === 'approve');
  const windows = approvals.map((d) => d.grantSeconds);
  // A grant stands in for future reviews, so it needs the agreement of every approver, as the review did,
  // and covers no more than the narrowest scope any of them saw.
  if (!windows.every((w): w is number => w !== undefined)) return { state: 'approved' };
  const grantScope = approvals.every((d) => d.grantScope === 'any-name') ? 'any-name' : 'name';
  return { state: 'approved', grantSeconds: Math.min(...windows), grantScope };
}
