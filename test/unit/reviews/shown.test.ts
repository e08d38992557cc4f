import { describe, expect, it } from 'vitest';
import { MASKED_TEXT } from '../../../src/masking/index.js';
import { shownGrant, shownTarget } from '../../../src/reviews/shown.js';
import { storedReview } from '../../support/slack/reviews.js';

const TOKEN_NAME = 'xoxb-1234567890-leaked-name';

describe('shownTarget: the reviewed object as people may see it', () => {
  it('shows the name and namespace the stored request still holds', () => {
    expect(shownTarget(storedReview())).toEqual({ name: 'web', namespace: 'prod' });
  });

  it('shows the placeholder for a name masking removed from the stored request, keeping the real one', () => {
    const review = storedReview({
      classification: { ...storedReview().classification, name: TOKEN_NAME },
      redactedRequest: `DELETE /apis/apps/v1/namespaces/prod/deployments/${MASKED_TEXT}`,
    });
    expect(shownTarget(review)).toEqual({ name: MASKED_TEXT, namespace: 'prod' });
    expect(review.classification.name).toBe(TOKEN_NAME);
  });

  it('masks a namespace the same way', () => {
    const review = storedReview({
      classification: { ...storedReview().classification, namespace: TOKEN_NAME },
      redactedRequest: `PATCH /apis/apps/v1/namespaces/${MASKED_TEXT}/deployments/web`,
    });
    expect(shownTarget(review)).toEqual({ name: 'web', namespace: MASKED_TEXT });
  });

  it("names a create by its preview's name (which the preview masks), and shows nothing when there is none", () => {
    const create = { ...storedReview().classification, method: 'POST', verb: 'create', name: '' };
    const preview = {
      summary: '',
      diff: '',
      omittedLines: 0,
      changes: [],
      risks: [],
      objectName: 'settings',
    };
    expect(shownTarget(storedReview({ classification: create, preview })).name).toBe('settings');
    expect(shownTarget(storedReview({ classification: create })).name).toBe('');
  });
});

describe('shownGrant: a grant as people may see it', () => {
  const review = storedReview({
    classification: { ...storedReview().classification, name: TOKEN_NAME },
    redactedRequest: `DELETE /apis/apps/v1/namespaces/prod/deployments/${MASKED_TEXT}`,
  });
  const grant = {
    verb: 'delete',
    apiGroup: 'apps',
    resource: 'deployments',
    subresource: '',
    namespace: 'prod',
  };

  it('names the object as the card does when the grant binds a name', () => {
    expect(shownGrant({ ...grant, name: TOKEN_NAME }, review)).toEqual({ ...grant, name: MASKED_TEXT });
  });

  it('keeps a grant for any name unbound', () => {
    expect(shownGrant(grant, review)).toEqual(grant);
  });
});

describe('shownTarget does not take text the agent chose elsewhere as the name', () => {
  it('ignores a body or query that holds the name where a detector does not match it', () => {
    // `axoxb-…` is not a token to the detector (a word character precedes it), so it survives in the body and query.
    const review = storedReview({
      classification: { ...storedReview().classification, name: TOKEN_NAME },
      redactedRequest:
        `DELETE /apis/apps/v1/namespaces/prod/deployments/${MASKED_TEXT}?x=a${TOKEN_NAME}\n` +
        `Content-Type: application/json\n\n{"note":"a${TOKEN_NAME}"}`,
    });
    expect(shownTarget(review).name).toBe(MASKED_TEXT);
  });
});
