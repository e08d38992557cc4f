import type { Review, ReviewState } from '../../reviews/model.js';

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

/** `patch deployments.apps/web` */
export function operation(review: Review): string {
  const c = review.classification;
  const kind = `${c.resource}${c.subresource ? `/${c.subresource}` : ''}${c.apiGroup ? `.${c.apiGroup}` : ''}`;
  return `${c.verb} ${kind}${c.name ? `/${c.name}` : ''}`;
}

/** `patch deployments.apps/web in prod on cluster default` */
export function targetLabel(review: Review): string {
  const ns = review.classification.namespace;
  return `${operation(review)}${ns ? ` in ${ns}` : ''} on cluster ${review.cluster}`;
}

export function approvalsSoFar(review: Review): { have: number; need: number } {
  const approvers = new Set(
    review.decisions.filter((d) => d.decision === 'approve').map((d) => d.approver.id),
  );
  return { have: approvers.size, need: Math.max(1, review.settings.approvals) };
}

/** Grant lengths offered on the card: common ones up to the rule's maximum, plus the maximum itself. */
export function grantChoices(maxGrantSeconds: number): number[] {
  if (maxGrantSeconds <= 0) return [];
  const common = [5 * 60, 15 * 60, 60 * 60, 4 * 60 * 60].filter((s) => s < maxGrantSeconds);
  return [...common, maxGrantSeconds];
}
