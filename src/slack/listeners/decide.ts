/**
 * The one path from a click (or a submitted deny form) to a decision: load the review, identify the clicker,
 * let the engine decide, and explain any refusal privately. The card itself changes through the outbox.
 */
import type { Logger } from '../../lib/logger.js';
import type { DecisionRequest } from '../../reviews/decision-rules.js';
import type { ReviewEngine } from '../../reviews/engine.js';
import type { PeopleDirectory } from '../../reviews/people.js';
import type { SlackDirectory } from '../directory.js';
import type { WebClient } from '../web-client.js';
import { type Clicker, identifyClicker } from './identity.js';

export interface ListenerDeps {
  reviews: () => ReviewEngine;
  directory: SlackDirectory;
  people: PeopleDirectory;
  /** Queues a re-render of the review's card (a click on a stale card refreshes it). */
  refreshCard(reviewId: string): void;
  logger: Logger;
}

export interface SlackDecision {
  client: WebClient;
  clicker: Clicker;
  /** Where the clicker sees the ephemeral explanation: the card's channel. */
  channel?: string;
  reviewId: string;
  request: DecisionRequest;
}

/** A private note to the clicker; failing to send it is logged, never thrown (the decision is what matters). */
export async function tellClicker(
  deps: ListenerDeps,
  d: Pick<SlackDecision, 'client' | 'clicker' | 'channel'>,
  text: string,
): Promise<void> {
  if (!d.channel) return;
  try {
    await d.client.chat.postEphemeral({ channel: d.channel, user: d.clicker.id, text });
  } catch (e) {
    deps.logger.warn(
      { user: d.clicker.id, err: (e as Error).message },
      'could not send an ephemeral Slack message',
    );
  }
}

export async function decideFromSlack(deps: ListenerDeps, d: SlackDecision): Promise<void> {
  const log = deps.logger.child({
    review: d.reviewId,
    slackUser: d.clicker.id,
    decision: d.request.decision,
  });
  try {
    const review = await deps.reviews().get(d.reviewId);
    if (!review) return await tellClicker(deps, d, `There is no Airlock review ${d.reviewId}.`);
    const channel = d.channel ?? review.notification?.channel;
    const who = await identifyClicker(deps.directory, deps.people, d.clicker, review);
    if (!who.ok) {
      log.warn({ why: who.message }, 'Slack decision refused');
      return await tellClicker(deps, { ...d, channel }, `🚫 ${who.message} Nothing was changed.`);
    }
    const result = await deps.reviews().decide(review.id, who.approver, d.request);
    if (result.ok) return log.info({ state: result.review.state }, 'decision recorded from Slack');
    log.info({ refusal: result.refusal.code }, 'Slack decision refused by the review engine');
    if (result.refusal.code === 'already-decided') deps.refreshCard(review.id);
    await tellClicker(deps, { ...d, channel }, `🚫 ${result.refusal.message}`);
  } catch (e) {
    log.error({ err: (e as Error).message }, 'Slack decision failed');
    await tellClicker(
      deps,
      d,
      `Airlock could not record your decision (${(e as Error).message}). Try again, or from a terminal: \`airlock reviews ${d.request.decision} ${d.reviewId}\`.`,
    );
  }
}
