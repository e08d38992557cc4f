/**
 * What the card's thread says about each transition, and what the owner's DM says about the outcome.
 * Pure functions of the engine's event; every untrusted string goes through the escaping helpers.
 */
import type { Review, ReviewEvent } from '../../reviews/model.js';
import { describeGrant } from '../../reviews/render-text.js';
import { shownGrant } from '../../reviews/shown.js';
import { ACTION_IDS, revokeGrantValue } from '../ids.js';
import type { RenderedMessage } from './review-card.js';
import { approvalsSoFar, stateLabel, targetLabel } from './review-facts.js';
import { codeBlock, escapeMrkdwn, humanDuration, inlineCode, slackDate, truncate } from './text.js';

const who = (name: string): string => `*${escapeMrkdwn(truncate(name, 80))}*`;

function decisionLine(event: ReviewEvent): string {
  const d = event.decision;
  if (!d) return `${who(event.actor.name)} decided.`;
  const { have, need } = approvalsSoFar(event.review);
  const grant = d.grantSeconds ? ` for ${humanDuration(d.grantSeconds)} (a grant)` : '';
  const glass = d.breakGlass
    ? ' using break-glass from the terminal'
    : d.approver.via === 'terminal'
      ? ' from the terminal'
      : '';
  const reason = d.reason ? `\n${codeBlock(truncate(d.reason, 1500))}` : '';
  return d.decision === 'approve'
    ? `✅ ${who(d.approver.name)} approved${grant}${glass}: ${have}/${need} approval${need > 1 ? 's' : ''}.${reason}`
    : `⛔ ${who(d.approver.name)} denied${glass}.${reason}`;
}

function resultLine(review: Review): string {
  const o = review.outcome;
  const { emoji, label } = stateLabel(review);
  if (!o) return `${emoji} ${label}.`;
  if (o.unknown) return `${emoji} ${label}.${o.message ? `\n${codeBlock(truncate(o.message, 1500))}` : ''}`;
  const rv = o.resourceVersion ? `, new resourceVersion ${inlineCode(o.resourceVersion, 64)}` : '';
  const message = o.message ? `\n${codeBlock(truncate(o.message, 1500))}` : '';
  return `${emoji} ${label}: HTTP ${o.status}${rv}.${message}`;
}

/** The thread reply for an event, or undefined when the card update alone tells it. */
export function threadReply(event: ReviewEvent): string | undefined {
  const { review } = event;
  switch (event.type) {
    case 'created':
    case 'executing':
      return undefined;
    case 'attached':
      return `🔁 Agent ${inlineCode(review.agent.name)} re-ran the same request and is waiting again.`;
    case 'approval-added':
      return `${decisionLine(event)} Waiting for more approvals.`;
    case 'approved':
      return `${decisionLine(event)} Approved: it runs, exactly as reviewed, when the agent's waiting request picks it up or the agent re-runs it before ${slackDate(review.expiresAt)}; otherwise it expires unused.`;
    case 'denied':
      return `${decisionLine(event)} The agent was refused with this reason.`;
    case 'executed':
    case 'failed':
    case 'conflicted':
      return resultLine(review);
    case 'expired':
      return review.decidedAt
        ? `⌛ ${stateLabel(review).label}. Nothing ran; the agent must ask again.`
        : `⌛ Expired at ${slackDate(event.at)} without a decision; the agent must ask again.`;
    case 'cancelled':
      return `🚫 Cancelled by ${who(event.actor.name)}.`;
    case 'grant-created':
      return event.grant
        ? `⏱️ Grant ${inlineCode(event.grant.id)}: ${inlineCode(describeGrant(shownGrant(event.grant, event.review)), 300)} by agent ${inlineCode(event.grant.agent.name)}, where rule ${inlineCode(event.grant.rule)} applies, passes without review until ${slackDate(event.grant.expiresAt)}.`
        : undefined;
    case 'grant-revoked':
      return event.grant
        ? `⏹️ Grant ${inlineCode(event.grant.id)} revoked by ${who(event.actor.name)}.`
        : undefined;
  }
}

/** A thread reply; a grant's reply carries a Revoke button (the grant id is only a lookup key). */
export function threadReplyMessage(
  reviewId: string,
  text: string,
  revokeGrantId?: string,
): Pick<RenderedMessage, 'text'> & Partial<RenderedMessage> {
  if (!revokeGrantId) return { text };
  return {
    text,
    blocks: [
      {
        type: 'section',
        block_id: 'airlock.thread.text',
        text: { type: 'mrkdwn', text: truncate(text, 3000) },
      },
      {
        type: 'actions',
        block_id: 'airlock.thread.grant',
        elements: [
          {
            type: 'button',
            action_id: ACTION_IDS.revokeGrant,
            text: { type: 'plain_text', text: 'Revoke' },
            style: 'danger',
            value: revokeGrantValue(reviewId, revokeGrantId),
          },
        ],
      },
    ],
  };
}

/** The outcome as the agent's owner hears it in a DM. */
export function ownerNotice(review: Review): string {
  const { emoji, label } = stateLabel(review);
  const deny = review.decisions.find((d) => d.decision === 'deny');
  const reason = deny?.reason ? `\n${codeBlock(truncate(deny.reason, 1500))}` : '';
  return `${emoji} Your agent ${inlineCode(review.agent.name)}: ${inlineCode(targetLabel(review), 300)}: ${label}.${reason}`;
}
