/**
 * Pieces shared by the `/agent-sessions` messages. Everything recorded came from an agent and is untrusted: it
 * reaches mrkdwn only through the escaping helpers of the approval card.
 */
import type { types } from '@slack/bolt';
import { verdictOf } from '../../../recording/describe.js';
import type { RecordedEvent } from '../../../recording/types.js';
import type { Review } from '../../../reviews/model.js';
import { escapeMrkdwn, truncate } from '../../blocks/text.js';
import type { ListFilter } from '../command.js';
import { blockId, transcriptActionId, viewActionId } from '../ids.js';
import { encodeTranscriptTarget, encodeView, type SessionsView } from '../state.js';

export type { RenderedMessage } from '../../blocks/review-card.js';

/** Slack's section text limit is 3,000; the margin leaves room for the label before a code block. */
export const SECTION_TEXT_MAX = 2_900;

export function section(part: string, text: string): types.SectionBlock {
  return { type: 'section', block_id: blockId(part), text: { type: 'mrkdwn', text } };
}

export function context(part: string, text: string): types.ContextBlock {
  return { type: 'context', block_id: blockId(part), elements: [{ type: 'mrkdwn', text }] };
}

export function header(text: string): types.HeaderBlock {
  return {
    type: 'header',
    block_id: blockId('header'),
    text: { type: 'plain_text', text: truncate(text, 150) },
  };
}

export function viewButton(
  suffix: string,
  label: string,
  view: SessionsView,
  style?: 'primary',
): types.Button {
  return {
    type: 'button',
    action_id: viewActionId(suffix),
    text: { type: 'plain_text', text: label },
    value: encodeView(view),
    ...(style ? { style } : {}),
  };
}

export function transcriptButton(
  suffix: string,
  label: string,
  sessionId: string,
  reviewId?: string,
): types.Button {
  return {
    type: 'button',
    action_id: transcriptActionId(suffix),
    text: { type: 'plain_text', text: label },
    value: encodeTranscriptTarget({ sessionId, ...(reviewId ? { reviewId } : {}) }),
  };
}

export function actions(part: string, elements: types.ActionsBlockElement[]): types.KnownBlock[] {
  return elements.length > 0 ? [{ type: 'actions', block_id: blockId(part), elements }] : [];
}

const DECISION_EMOJI = { allow: '✅', review: '👀', deny: '⛔' } as const;

/**
 * ✅ allowed, 👀 reviewed, ⛔ denied (by policy or a person), ⏳ still waiting for a decision when the hold ended; a
 * failed request is marked ❌ whatever its decision.
 */
export function decisionEmoji(event: Pick<RecordedEvent, 'decision' | 'status' | 'summary'>): string {
  const verdict = verdictOf(event)?.state;
  if (verdict === 'denied') return DECISION_EMOJI.deny;
  if (verdict === 'waiting') return '⏳';
  const failed = event.decision !== 'deny' && (event.status === undefined || event.status >= 400);
  return failed ? '❌' : DECISION_EMOJI[event.decision];
}

/** `https://acme.slack.com/archives/C…/p1700000001000100`: the card's permalink, built from the workspace domain. */
export function approvalCardLink(
  review: Pick<Review, 'notification'>,
  workspaceDomain: string,
): string | undefined {
  const { channel, ts } = review.notification ?? {};
  if (!channel || !ts || !/^[a-z0-9-]{1,64}$/.test(workspaceDomain)) return undefined;
  if (!/^[CGD][A-Z0-9]{2,20}$/.test(channel) || !/^\d+\.\d+$/.test(ts)) return undefined;
  return `https://${workspaceDomain}.slack.com/archives/${channel}/p${ts.replace('.', '')}`;
}

/** `agent ci-bot · status denied · since 2026-11-28 08:00:00Z`, or `all sessions`. */
export function filterText(filter: ListFilter): string {
  const parts = [
    filter.agent && `agent ${filter.agent}`,
    filter.owner && `owner ${filter.owner}`,
    filter.cluster && `cluster ${filter.cluster}`,
    filter.namespace && `namespace ${filter.namespace}`,
    filter.status && `status ${filter.status}`,
    filter.sinceMs !== undefined && `active since ${new Date(filter.sinceMs).toISOString()}`,
  ].filter((p): p is string => typeof p === 'string');
  return parts.length > 0 ? escapeMrkdwn(truncate(parts.join(' · '), 400)) : 'all sessions';
}

/** Groups lines into as few sections as fit Slack's per-section limit (a line never splits). */
export function linesInSections(part: string, lines: readonly string[]): types.SectionBlock[] {
  const chunks: string[] = [];
  for (const line of lines) {
    const last = chunks.at(-1);
    if (last !== undefined && last.length + 1 + line.length <= SECTION_TEXT_MAX)
      chunks[chunks.length - 1] = `${last}\n${line}`;
    else chunks.push(truncate(line, SECTION_TEXT_MAX));
  }
  return chunks.map((text, i) => section(`${part}.${i}`, text));
}
