import { asMutationPreview } from '../../preview/model.js';
import type { Review } from '../../reviews/model.js';

/** Everything a reviewer can read of the change: the full diff when the preview kept one, else the shown diff. */
export function completeDiff(review: Review): string {
  const preview = asMutationPreview(review.preview);
  return preview ? (preview.fullDiff ?? preview.diff) : review.redactedRequest;
}
