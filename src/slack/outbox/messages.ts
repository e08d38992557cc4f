/**
 * What Slack must be told about a review event, as outbox messages. Cards are rendered when delivered (from the
 * review as stored then), so a card that waited out a Slack outage shows the present, not the past.
 */
import type { ReviewEvent, ReviewEventType } from '../../reviews/model.js';
import { cardShowsWholeDiff } from '../blocks/review-card.js';
import { ownerNotice, threadReply } from '../blocks/thread-messages.js';

export type OutboxMessage =
  | { kind: 'post-card' }
  | { kind: 'update-card' }
  | { kind: 'upload-diff' }
  /**
   * With a grant id, the reply offers to revoke that grant. With `quietMs`, the same reply is not posted again to the
   * same thread within that window (an agent re-running a parked request in a loop must not flood the channel).
   */
  | { kind: 'thread-reply'; text: string; revokeGrantId?: string; quietMs?: number }
  | { kind: 'dm-owner'; text: string };

export type OutboxKind = OutboxMessage['kind'];

/** Events after which the card looks different. */
const CHANGES_CARD: ReadonlySet<ReviewEventType> = new Set([
  // The card says whether the agent still waits.
  'attached',
  'released',
  'approval-added',
  'approved',
  'denied',
  'executing',
  'executed',
  'failed',
  'conflicted',
  'expired',
  'cancelled',
]);

/** How often the thread hears that the agent re-ran the same request; the card shows presence at all times. */
export const REATTACH_REPLY_QUIET_MS = 10 * 60_000;

/** Outcomes the agent's owner hears about directly. */
const TELLS_OWNER: ReadonlySet<ReviewEventType> = new Set([
  'denied',
  'executed',
  'failed',
  'conflicted',
  'expired',
]);

export function outboxMessagesFor(event: ReviewEvent): OutboxMessage[] {
  if (event.type === 'created') {
    return [
      { kind: 'post-card' },
      ...(cardShowsWholeDiff(event.review) ? [] : [{ kind: 'upload-diff' as const }]),
    ];
  }
  const reply = threadReply(event);
  return [
    ...(reply
      ? [
          {
            kind: 'thread-reply' as const,
            text: reply,
            ...(event.type === 'grant-created' && event.grant ? { revokeGrantId: event.grant.id } : {}),
            ...(event.type === 'attached' ? { quietMs: REATTACH_REPLY_QUIET_MS } : {}),
          },
        ]
      : []),
    ...(CHANGES_CARD.has(event.type) ? [{ kind: 'update-card' as const }] : []),
    ...(TELLS_OWNER.has(event.type) && event.review.owner
      ? [{ kind: 'dm-owner' as const, text: ownerNotice(event.review) }]
      : []),
  ];
}
