/**
 * What the agent is told when its parked request does not run: a Kubernetes `Status` that kubectl prints
 * verbatim, naming the review and what the agent can do next.
 */
import { StatusError } from '../kube/status.js';
import type { ParkResult } from './engine.js';
import type { Review } from './model.js';

function details(review: Review) {
  const c = review.classification;
  return { name: c.name, group: c.apiGroup, kind: c.resource };
}

function where(review: Review): string {
  return review.notification?.channel
    ? `posted in Slack channel ${review.notification.channel}`
    : `visible with \`airlock reviews show ${review.id}\``;
}

/**
 * The Status for every park result except `execute`. Pending is 429 without `Retry-After`: kubectl 1.32
 * prints it once and exits 1 (checked), while a `Retry-After` header would make client-go retry silently.
 */
export function parkRefusal(result: Exclude<ParkResult, { kind: 'execute' }>): StatusError {
  const { review } = result;
  const id = `review ${review.id}`;
  if (result.kind === 'pending') {
    const approved = review.decisions.filter((d) => d.decision === 'approve').length;
    return new StatusError(
      'TooManyRequests',
      `${id} is waiting for approval (rule ${review.rule}, ${approved}/${review.settings.approvals} approvals, ${where(review)}). ` +
        `Run the same command again to keep waiting: an identical request re-attaches to this review. It expires at ${review.expiresAt.toISOString()}.`,
      details(review),
    );
  }
  if (result.kind === 'denied') {
    const denial = review.decisions.find((d) => d.decision === 'deny');
    return new StatusError(
      'Forbidden',
      `${id} was denied by ${denial?.approver.name ?? 'a reviewer'}: ${denial?.reason ?? 'no reason given'}. Nothing was sent to the cluster.`,
      details(review),
    );
  }
  const outcome = review.outcome
    ? ` (HTTP ${review.outcome.status}${review.outcome.message ? `: ${review.outcome.message}` : ''})`
    : '';
  switch (review.state) {
    case 'expired':
      return new StatusError(
        'Expired',
        `${id} expired at ${review.expiresAt.toISOString()}; nothing was sent. Run the command again to ask for a new review.`,
        details(review),
      );
    case 'cancelled':
      return new StatusError('Forbidden', `${id} was cancelled; nothing was sent.`, details(review));
    case 'conflicted':
      return new StatusError(
        'Conflict',
        `${id}: the object changed after it was reviewed${outcome}, so nothing was written. Run the command again for a new review of the current object.`,
        details(review),
      );
    default:
      return new StatusError(
        'Conflict',
        `${id} was already used (${review.state}${outcome}); an approval runs its request once, so this one was not sent. Run the command again for a new review.`,
        details(review),
      );
  }
}
