import { countApprovals } from '../../reviews/decision-rules.js';
import type { Review, ReviewState } from '../../reviews/model.js';
import { shownTarget } from '../../reviews/shown.js';
import { humanDuration } from './text.js';

/** Plain-text facts about a review shared by the card, the thread replies and the owner's DM (not mrkdwn). */

export const STATE_LABELS: Record<ReviewState, { emoji: string; label: string }> = {
  pending: { emoji: '🔐', label: 'Approval needed' },
  approved: { emoji: '👍', label: 'Approved, waiting for the agent to run it' },
  executing: { emoji: '⏳', label: 'Approved, running' },
  executed: { emoji: '✅', label: 'Approved and applied' },
  failed: { emoji: '❌', label: 'Approved, but the cluster refused it' },
  conflicted: { emoji: '⚠️', label: 'Approved, but not applied: the object changed since the review' },
  denied: { emoji: '⛔', label: 'Denied' },
  expired: { emoji: '⌛', label: 'Expired without a decision' },
  cancelled: { emoji: '🚫', label: 'Cancelled' },
};

/**
 * The review's state in words. An approval nobody ran (the agent did not re-run in time) and an execution whose
 * result was never reported say exactly that, not "without a decision" or a refusal the cluster never gave.
 */
export function stateLabel(review: Review): { emoji: string; label: string } {
  if (review.state === 'expired' && review.decidedAt) {
    const window = Math.round((review.expiresAt.getTime() - review.decidedAt.getTime()) / 1000);
    return {
      emoji: '⌛',
      label: `Approved, but the agent did not re-run within ${humanDuration(window)}: expired unused`,
    };
  }
  if (review.state === 'failed' && review.outcome?.unknown) {
    return { emoji: '❓', label: 'Approved and sent, but the outcome is unknown: check the object' };
  }
  return STATE_LABELS[review.state];
}

/**
 * `patch deployments.apps/web`, `patch deployments.apps/web/scale`, `create configmaps/settings` (named in the body);
 * names as people may see them (`shownTarget`).
 */
export function operation(review: Review): string {
  const c = review.classification;
  const { name } = shownTarget(review);
  const path = [`${c.resource}${c.apiGroup ? `.${c.apiGroup}` : ''}`, name, c.subresource].filter(Boolean);
  return `${c.verb} ${path.join('/')}`;
}

/** `patch deployments.apps/web in prod on cluster default` */
export function targetLabel(review: Review): string {
  const ns = shownTarget(review).namespace;
  return `${operation(review)}${ns ? ` in ${ns}` : ''} on cluster ${review.cluster}`;
}

export function approvalsSoFar(review: Review): { have: number; need: number } {
  return { have: countApprovals(review.decisions), need: Math.max(1, review.settings.approvals) };
}

/** Grant lengths offered on the card: common ones up to the rule's maximum, plus the maximum itself. */
export function grantChoices(maxGrantSeconds: number): number[] {
  if (maxGrantSeconds <= 0) return [];
  const common = [5 * 60, 15 * 60, 60 * 60, 4 * 60 * 60].filter((s) => s < maxGrantSeconds);
  return [...common, maxGrantSeconds];
}
