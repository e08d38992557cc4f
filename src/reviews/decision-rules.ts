/**
 * Who may decide a review and what a set of decisions amounts to. Pure functions over stored data; the engine
 * applies them inside the compare-and-set transaction.
 */
import type { ReviewSettings } from '../policy/decision.js';
import type { Approver, Review, ReviewerDecision, ReviewState } from './model.js';

export interface DecisionRequest {
  decision: 'approve' | 'deny';
  reason?: string;
  /** Approve for a time window: later matching requests pass without a review until it ends. */
  grantSeconds?: number;
  /** Terminal only: skip the eligibility check (recorded as such); the owner rule still applies. */
  breakGlass?: boolean;
}

export type DecideRefusalCode =
  | 'not-found'
  | 'already-decided'
  | 'already-voted'
  | 'not-eligible'
  | 'owner-self-approval'
  | 'reason-required'
  | 'grant-too-long';

export interface DecideRefusal {
  code: DecideRefusalCode;
  /** A sentence for the person who tried: what was refused and why. */
  message: string;
}

const same = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();

function identities(approver: Approver): string[] {
  return [approver.id, approver.name, ...(approver.email ? [approver.email] : [])];
}

/** The agent's owner is matched on id, name or email, case-insensitively. */
export function isOwner(owner: string | undefined, approver: Approver): boolean {
  return owner !== undefined && owner.trim() !== '' && identities(approver).some((id) => same(id, owner));
}

export function isEligible(settings: ReviewSettings, approver: Approver): boolean {
  const byIdentity = settings.approvers.users.some((user) =>
    identities(approver).some((id) => same(id, user)),
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
  if (!usesBreakGlass(approver, request) && !isEligible(review.settings, approver)) {
    return {
      code: 'not-eligible',
      message: `${approver.name} is not an approver for rule ${review.rule} (approvers: ${describeApprovers(review.settings)}).`,
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

function describeApprovers(settings: ReviewSettings): string {
  const names = [...settings.approvers.users, ...settings.approvers.groups.map((g) => `group ${g}`)];
  return names.length > 0 ? names.join(', ') : 'none configured';
}

export interface Tally {
  state: Extract<ReviewState, 'pending' | 'approved' | 'denied'>;
  /** When approved and every approval asked for a grant: the shortest of the asked windows. */
  grantSeconds?: number;
}

/** One deny ends a review; N approvals from N distinct people approve it. */
export function tally(settings: ReviewSettings, decisions: readonly ReviewerDecision[]): Tally {
  if (decisions.some((d) => d.decision === 'deny')) return { state: 'denied' };
  const approvals = decisions.filter((d) => d.decision === 'approve');
  const distinct = new Set(approvals.map((d) => d.approver.id.trim().toLowerCase()));
  if (distinct.size < Math.max(1, settings.approvals)) return { state: 'pending' };
  const windows = approvals.map((d) => d.grantSeconds);
  // A grant stands in for future reviews, so it needs the agreement of every approver, as the review did.
  const grantSeconds = windows.every((w): w is number => w !== undefined) ? Math.min(...windows) : undefined;
  return grantSeconds === undefined ? { state: 'approved' } : { state: 'approved', grantSeconds };
}
