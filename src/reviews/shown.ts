import { MASKED_TEXT } from '../masking/placeholder.js';
import { keptWholeIn } from '../masking/request-line.js';
import { reviewedObjectName } from '../preview/model.js';
import type { Review } from './model.js';

/** The reviewed object's name and namespace as people may see them (Slack cards and replies). */
export interface ShownTarget {
  name: string;
  namespace: string;
}

/**
 * A review keeps the real name and namespace: the release of the parked request and name-scoped grants match on them,
 * and inspect reads the object. People see each only where it survives whole as a segment of the masked path in the
 * stored request line (`redactedRequest`, masked by the same detectors): a detector-matched name, such as a Slack
 * token (a valid object name), appears there only as the placeholder, so it is shown as the placeholder too. Only the
 * path counts: text the agent chose elsewhere (a body, a query) cannot vouch for a name.
 */
export function shownTarget(
  review: Pick<Review, 'classification' | 'preview' | 'redactedRequest'>,
): ShownTarget {
  const line = review.redactedRequest.split('\n', 1)[0] ?? '';
  const kept = keptWholeIn(line.slice(line.indexOf(' ') + 1).split('?', 1)[0] ?? '');
  const shown = (value: string) => (kept(value) ? value : MASKED_TEXT);
  const { name } = review.classification;
  return {
    // A create's name comes from its body, read by the preview, which masks what it shows.
    name: name ? shown(name) : reviewedObjectName(review),
    namespace: shown(review.classification.namespace),
  };
}

/** A grant from a review, named as people may see it: its namespace and (when it binds one) its name are the review's. */
export function shownGrant<G extends { namespace: string; name?: string }>(
  grant: G,
  review: Parameters<typeof shownTarget>[0],
): G {
  const shown = shownTarget(review);
  return { ...grant, namespace: shown.namespace, ...(grant.name ? { name: shown.name } : {}) };
}
