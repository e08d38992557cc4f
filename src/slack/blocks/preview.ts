import type { MutationPreview } from '../../preview/model.js';
import type { Review } from '../../reviews/model.js';

/**
 * The review's stored preview, if it has the shape the preview module writes. `Review.preview` is `unknown`
 * because the review engine does not depend on the preview module; the card must not crash on an old row.
 */
export function previewOf(review: Review): MutationPreview | undefined {
  const p = review.preview;
  if (typeof p !== 'object' || p === null) return undefined;
  const candidate = p as Partial<MutationPreview>;
  const valid =
    typeof candidate.summary === 'string' &&
    typeof candidate.diff === 'string' &&
    typeof candidate.omittedLines === 'number' &&
    Array.isArray(candidate.risks) &&
    Array.isArray(candidate.changes);
  return valid ? (p as MutationPreview) : undefined;
}

/** Everything a reviewer can read of the change: the full diff when the preview kept one, else the shown diff. */
export function completeDiff(review: Review): string {
  const preview = previewOf(review);
  return preview ? (preview.fullDiff ?? preview.diff) : review.redactedRequest;
}
