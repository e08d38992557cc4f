/**
 * Sends one outbox message to Slack. Cards are rendered from the review as stored at this moment; a card that is
 * already posted is never posted again, which is what makes retries after a lost response safe.
 */
import type { Logger } from '../../lib/logger.js';
import type { ReviewEngine } from '../../reviews/engine.js';
import type { Review } from '../../reviews/model.js';
import { completeDiff } from '../blocks/preview.js';
import { type CardContext, type RenderedMessage, reviewCard } from '../blocks/review-card.js';
import { operation } from '../blocks/review-facts.js';
import { threadReplyMessage } from '../blocks/thread-messages.js';
import type { SlackDirectory } from '../directory.js';
import type { WebClient } from '../web-client.js';
import type { OutboxEntry } from './store.js';

export interface DeliveryDeps {
  client: WebClient;
  reviews: () => ReviewEngine;
  directory: SlackDirectory;
  /** Where cards go when the rule names no channel. */
  defaultChannel?: string;
  logger: Logger;
}

export type Deliver = (entry: OutboxEntry) => Promise<void>;

type Card = { channel: string; ts: string };

/** Cards whose last render this process remembers; past it the oldest is forgotten (one more update, no harm). */
const REMEMBERED_RENDERS = 1_000;

function cardOf(review: Review): Card | undefined {
  const { channel, ts } = review.notification ?? {};
  return channel && ts ? { channel, ts } : undefined;
}

export function createDelivery(deps: DeliveryDeps): Deliver {
  const { client, logger } = deps;
  /** What each card last showed in Slack: an update that would show the same (a stale click's refresh) is skipped. */
  const shown = new Map<string, string>();
  const remember = (reviewId: string, message: RenderedMessage): void => {
    shown.delete(reviewId);
    shown.set(reviewId, JSON.stringify(message));
    if (shown.size > REMEMBERED_RENDERS) shown.delete(shown.keys().next().value ?? '');
  };

  /** The owner as Slack knows them; a failed lookup only costs the mention, never the card. */
  async function ownerContext(review: Review): Promise<CardContext> {
    if (!review.owner) return {};
    try {
      const ownerSlackId = await deps.directory.ownerUserId(review.owner);
      return ownerSlackId ? { ownerSlackId } : {};
    } catch (e) {
      logger.debug({ review: review.id, err: (e as Error).message }, 'could not look up the owner in Slack');
      return {};
    }
  }

  async function cardContext(review: Review): Promise<CardContext> {
    const agent = review.state === 'pending' ? await deps.reviews().agentPresence(review.id) : undefined;
    return { ...(await ownerContext(review)), ...(agent ? { agent } : {}) };
  }

  async function updateCard(review: Review, card: Card): Promise<void> {
    const message = reviewCard(review, await cardContext(review));
    if (shown.get(review.id) === JSON.stringify(message)) return;
    await client.chat.update({ channel: card.channel, ts: card.ts, ...message });
    remember(review.id, message);
  }

  async function postCard(review: Review): Promise<void> {
    if (cardOf(review)) return;
    const channel = review.settings.channel ?? deps.defaultChannel;
    if (!channel) {
      logger.warn(
        { review: review.id, rule: review.rule },
        'no Slack channel for this review: set AIRLOCK_SLACK_CHANNEL or the rule’s channel',
      );
      return;
    }
    const message = reviewCard(review, await cardContext(review));
    const posted = await client.chat.postMessage({
      channel,
      ...message,
      unfurl_links: false,
      unfurl_media: false,
    });
    if (!posted.channel || !posted.ts) throw new Error('chat.postMessage answered without channel/ts');
    remember(review.id, message);
    await deps.reviews().setNotification(review.id, { channel: posted.channel, ts: posted.ts });
  }

  async function uploadDiff(review: Review, card: Card): Promise<void> {
    await client.filesUploadV2({
      channel_id: card.channel,
      thread_ts: card.ts,
      content: completeDiff(review),
      filename: `${review.id}.diff`,
      title: `Full diff: ${operation(review)}`,
      snippet_type: 'diff',
    });
  }

  return async (entry) => {
    const review = await deps.reviews().get(entry.reviewId);
    if (!review) {
      logger.warn(
        { review: entry.reviewId, kind: entry.message.kind },
        'Slack message for a review that no longer exists: dropped',
      );
      return;
    }
    const { message } = entry;
    if (message.kind === 'post-card') return postCard(review);
    if (message.kind === 'dm-owner') {
      const user = review.owner ? await deps.directory.ownerUserId(review.owner) : undefined;
      if (user) await client.chat.postMessage({ channel: user, text: message.text, unfurl_links: false });
      return;
    }
    // Everything else lives on the card; no card (no channel configured) means nothing to say.
    const card = cardOf(review);
    if (!card) return;
    switch (message.kind) {
      case 'update-card':
        await updateCard(review, card);
        return;
      case 'thread-reply':
        await client.chat.postMessage({
          channel: card.channel,
          thread_ts: card.ts,
          ...threadReplyMessage(review.id, message.text, message.revokeGrantId),
          unfurl_links: false,
        });
        return;
      case 'upload-diff':
        await uploadDiff(review, card);
        return;
    }
  };
}
