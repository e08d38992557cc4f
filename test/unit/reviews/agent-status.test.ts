import { describe, expect, it } from 'vitest';
import { parkRefusal } from '../../../src/reviews/agent-status.js';
import type { Review, ReviewState } from '../../../src/reviews/model.js';

const review = (state: ReviewState, extra: Partial<Review> = {}): Review =>
  ({
    id: 'rv-1',
    state,
    rule: 'prod-deletes',
    settings: { approvals: 2 },
    classification: { name: 'web', apiGroup: 'apps', resource: 'deployments' },
    decisions: [],
    expiresAt: new Date('2026-11-28T10:30:00Z'),
    ...extra,
  }) as unknown as Review;

describe('parkRefusal', () => {
  it('tells a waiting agent to re-run, where the review is, and uses 429 without a retry hint', () => {
    const status = parkRefusal({
      kind: 'pending',
      review: review('pending', { notification: { channel: 'C42' } }),
    }).toStatus();
    expect(status).toMatchObject({
      code: 429,
      reason: 'TooManyRequests',
      details: { name: 'web', group: 'apps', kind: 'deployments' },
    });
    expect(status.message).toBe(
      'review rv-1 is waiting for approval (rule prod-deletes, 0/2 approvals, posted in Slack channel C42). ' +
        'Run the same command again to keep waiting: an identical request re-attaches to this review. It expires at 2026-11-28T10:30:00.000Z.',
    );
    expect(status.details?.retryAfterSeconds).toBeUndefined();
  });

  it('carries the reviewer and the reason of a denial', () => {
    const denied = review('denied', {
      decisions: [
        {
          approver: { id: 'b', name: 'bob', via: 'slack' },
          decision: 'deny',
          reason: 'scale to 0 instead',
          breakGlass: false,
          at: new Date(),
        },
      ],
    });
    expect(parkRefusal({ kind: 'denied', review: denied }).toStatus()).toMatchObject({
      code: 403,
      message: 'review rv-1 was denied by bob: scale to 0 instead. Nothing was sent to the cluster.',
    });
  });

  it('maps closed reviews to codes kubectl explains', () => {
    const codes = (['expired', 'cancelled', 'conflicted', 'executed', 'failed'] as const).map((state) => {
      const s = parkRefusal({
        kind: 'closed',
        review: review(state, { outcome: { status: 409, message: 'changed' } }),
      }).toStatus();
      return [state, s.code, s.reason];
    });
    expect(codes).toEqual([
      ['expired', 410, 'Expired'],
      ['cancelled', 403, 'Forbidden'],
      ['conflicted', 409, 'Conflict'],
      ['executed', 409, 'Conflict'],
      ['failed', 409, 'Conflict'],
    ]);
  });
});
