/** The short replies: open reviews, help, refusals and problems with what was typed or clicked. */
import type { types } from '@slack/bolt';
import type { Review } from '../../../reviews/model.js';
import { shownTarget } from '../../../reviews/shown.js';
import { operation, STATE_LABELS } from '../../blocks/review-facts.js';
import { escapeMrkdwn, inlineCode, slackDate, truncate } from '../../blocks/text.js';
import { SESSIONS_COMMAND } from '../ids.js';
import { approvalCardLink, context, header, type RenderedMessage, section } from './common.js';

function pendingLine(review: Review, workspaceDomain: string): string {
  const link = approvalCardLink(review, workspaceDomain);
  const ns = shownTarget(review).namespace;
  return [
    `${STATE_LABELS.pending.emoji} *${escapeMrkdwn(truncate(operation(review), 150))}*${ns ? ` in ${inlineCode(ns, 60)}` : ''} on ${inlineCode(review.cluster, 60)}`,
    `agent ${inlineCode(review.agent.name, 60)}${review.owner ? ` for ${escapeMrkdwn(truncate(review.owner, 120))}` : ''} · requested ${slackDate(review.createdAt)} · expires ${slackDate(review.expiresAt)}`,
    link ? `<${link}|Open the approval card>` : `_no card posted yet_ · review ${inlineCode(review.id, 40)}`,
  ].join('\n');
}

/** Open reviews, newest first, each with a link to its card. */
export function pendingReviewsMessage(reviews: readonly Review[], workspaceDomain: string): RenderedMessage {
  const blocks: types.KnownBlock[] = [
    header(`Open reviews (${reviews.length})`),
    ...(reviews.length > 0
      ? reviews.map((r, i) => section(`pending.${i}`, pendingLine(r, workspaceDomain)))
      : [section('empty', 'No review is waiting for a decision.')]),
  ];
  return { text: `${reviews.length} open review${reviews.length === 1 ? '' : 's'}`, blocks };
}

const USAGE = [
  `\`${SESSIONS_COMMAND}\`: the most recent sessions`,
  `\`${SESSIONS_COMMAND} list [agent:NAME] [owner:EMAIL] [cluster:C] [ns:NS] [status:denied|reviewed|pending|failed] [since:2h|1d]\`: sessions matching, newest first`,
  `\`${SESSIONS_COMMAND} show ID\`: a session's summary and its steps`,
  `\`${SESSIONS_COMMAND} replay ID [from:N]\`: the steps one at a time, with redacted bodies and the kubectl equivalent`,
  `\`${SESSIONS_COMMAND} pending\`: reviews waiting for a decision, with links to their cards`,
  `\`${SESSIONS_COMMAND} help\`: this help`,
].join('\n');

/** Usage, optionally after a note on what went wrong. */
export function helpMessage(problem?: string): RenderedMessage {
  const blocks: types.KnownBlock[] = [
    ...(problem ? [section('problem', `⚠️ ${problem}`)] : []),
    section('usage', USAGE),
    context(
      'note',
      'Replies are visible only to you; everything shown comes from the redacted session store.',
    ),
  ];
  return { text: problem ? `${SESSIONS_COMMAND}: ${problem}` : `${SESSIONS_COMMAND} help`, blocks };
}

/** A short private note (refusals, things that do not exist, failures). */
export function noticeMessage(text: string): RenderedMessage {
  return { text, blocks: [section('notice', text)] };
}
