import { describeRequest } from '../../../kube/describe.js';
import type { types } from '@slack/bolt';
import { includesRequestBody, includesResponseBody } from '../../../recording/capture.js';
import {
  decisionText,
  formatBody,
  formatOffset,
  outcomeText,
  requestLine,
} from '../../../recording/describe.js';
import { kubectlEquivalent } from '../../../recording/kubectl.js';
import type { RecordedEvent } from '../../../recording/types.js';
import type { Review } from '../../../reviews/model.js';
import { asMutationPreview } from '../../../preview/model.js';
import { stateLabel } from '../../blocks/review-facts.js';
import {
  codeBlock,
  codeBlockWithin,
  escapeMrkdwn,
  inlineCode,
  slackDate,
  truncate,
} from '../../blocks/text.js';
import { PAGE_SIZE, type ReplayView } from '../load.js';
import { viewActionId } from '../ids.js';
import { encodeView } from '../state.js';
import {
  actions,
  approvalCardLink,
  context,
  decisionEmoji,
  header,
  type RenderedMessage,
  section,
  transcriptButton,
  viewButton,
} from './common.js';

/** Per-part budgets keep one step under ~9k characters of text, whatever was recorded. */
const LIMITS = { body: 2_400, kubectl: 1_000, summary: 600, reason: 300, decisions: 5, jumpOptions: 100 };

export interface ReplayContext {
  /** The workspace's domain (`acme` in acme.slack.com) from the signed payload, for links to approval cards. */
  workspaceDomain: string;
}

function reviewSection(review: Review, workspaceDomain: string): types.SectionBlock {
  const { emoji, label } = stateLabel(review);
  const link = approvalCardLink(review, workspaceDomain);
  const decisions = review.decisions.slice(0, LIMITS.decisions).map((d) => {
    const verb = d.decision === 'approve' ? '✅ approved' : '⛔ denied';
    const reason = d.reason ? `: ${inlineCode(d.reason, LIMITS.reason)}` : '';
    return `• *${escapeMrkdwn(truncate(d.approver.name, 80))}* ${verb} ${slackDate(d.at)}${d.breakGlass ? ' (break-glass)' : ''}${reason}`;
  });
  const hidden = review.decisions.length - decisions.length;
  return section(
    'review',
    [
      `*Review* ${inlineCode(review.id, 40)}: ${emoji} ${label}${link ? ` · <${link}|approval card>` : ''}`,
      ...(decisions.length > 0 ? decisions : ['_No decisions recorded._']),
      ...(hidden > 0 ? [`…and ${hidden} more`] : []),
    ].join('\n'),
  );
}

interface BodyPart {
  part: string;
  title: string;
  body: string | undefined;
  /** Why there is no body, when there is none. */
  absent: string;
}

function bodyBlocks({ part, title, body, absent }: BodyPart): types.KnownBlock[] {
  if (body === undefined) return [section(part, `*${title}*: _${absent}_`)];
  const { block, omittedLines } = codeBlockWithin(formatBody(body), LIMITS.body);
  return [
    section(part, `*${title}*\n${block}`),
    ...(omittedLines > 0
      ? [
          context(
            `${part}.more`,
            `…${omittedLines} more line${omittedLines === 1 ? '' : 's'}: the transcript has all of it.`,
          ),
        ]
      : []),
  ];
}

/** The reviewed diff when the review kept a preview, else the recorded request body. */
function requestPart(event: RecordedEvent, review: Review | undefined): BodyPart {
  const preview = review && asMutationPreview(review.preview);
  if (preview) return { part: 'diff', title: `Diff (${preview.source})`, body: preview.diff, absent: '' };
  return {
    part: 'request',
    title: 'Request body',
    body: event.requestBody,
    absent: includesRequestBody(event.recordingLevel)
      ? 'none'
      : `not recorded at level ${event.recordingLevel}`,
  };
}

function responsePart(event: RecordedEvent): BodyPart {
  return {
    part: 'response',
    title: 'Response body',
    body: event.responseBody,
    absent: includesResponseBody(event.recordingLevel)
      ? 'none'
      : `not recorded at level ${event.recordingLevel}`,
  };
}

/** Up to 100 steps to jump to (every step, or evenly spaced ones including the first and the last). */
export function jumpTargets(total: number, max = LIMITS.jumpOptions): number[] {
  if (total <= max) return Array.from({ length: total }, (_, i) => i);
  return Array.from({ length: max }, (_, i) => Math.round((i * (total - 1)) / (max - 1)));
}

function jumpMenu(sessionId: string, index: number, total: number): types.StaticSelect {
  const option = (step: number) => ({
    text: { type: 'plain_text' as const, text: `Step ${step + 1}` },
    value: encodeView({ view: 'replay', sessionId, step }),
  });
  const targets = jumpTargets(total);
  const current = targets.includes(index) ? [option(index)] : [];
  return {
    type: 'static_select',
    action_id: viewActionId('jump'),
    placeholder: { type: 'plain_text', text: 'Jump to step…' },
    options: targets.map(option),
    ...(current[0] ? { initial_option: current[0] } : {}),
  };
}

function navigation(view: ReplayView): types.ActionsBlockElement[] {
  const { session, step, total } = view;
  const id = session.id;
  const at = step.index;
  const stepsPage = at - (at % PAGE_SIZE.steps);
  return [
    ...(at > 0 ? [viewButton('prev', '‹ Prev', { view: 'replay', sessionId: id, step: at - 1 })] : []),
    ...(at + 1 < total
      ? [viewButton('next', 'Next ›', { view: 'replay', sessionId: id, step: at + 1 }, 'primary')]
      : []),
    ...(total > 1 ? [jumpMenu(id, at, total)] : []),
    viewButton('steps', 'All steps', { view: 'steps', sessionId: id, offset: stepsPage }),
  ];
}

function transcriptButtons(view: ReplayView): types.ActionsBlockElement[] {
  const { session, step } = view;
  const review = step.review;
  return [
    transcriptButton('channel', 'Post transcript to channel', session.id),
    ...(review?.notification?.ts
      ? [transcriptButton('thread', 'Post transcript to review thread', session.id, review.id)]
      : []),
  ];
}

/**
 * One step of a replay: the request line, the policy decision and rule, the review (who, when, why, with a link to
 * its card), the redacted request (or reviewed diff) and response, and the kubectl command a human would type.
 */
export function replayStepMessage(view: ReplayView, ctx: ReplayContext): RenderedMessage {
  const { session, step, total } = view;
  const { event, review } = step;
  const kubectl = kubectlEquivalent(event);
  const offset = formatOffset(event.time.getTime() - session.startedAt.getTime());
  const blocks: types.KnownBlock[] = [
    header(`Step ${step.index + 1}/${total} · ${session.agent}`),
    context('when', `${offset} into session ${inlineCode(session.id, 30)} · ${slackDate(event.time)}`),
    section('request-line', `*Request*\n${codeBlock(truncate(requestLine(event), 1_000))}`),
    section(
      'decision',
      `${decisionEmoji(event)} *${escapeMrkdwn(truncate(decisionText(event), 400))}*${event.dryRun ? ' · dry run' : ''}\n${escapeMrkdwn(outcomeText(event))}`,
    ),
    ...(review ? [reviewSection(review, ctx.workspaceDomain)] : []),
    ...(kubectl ? [section('kubectl', `*kubectl*\n${codeBlock(truncate(kubectl, LIMITS.kubectl))}`)] : []),
    ...(event.summary
      ? [
          section(
            'summary',
            `*Summary*\n${codeBlock(truncate(JSON.stringify(event.summary), LIMITS.summary))}`,
          ),
        ]
      : []),
    ...bodyBlocks(requestPart(event, review)),
    ...bodyBlocks(responsePart(event)),
    ...actions('navigation', navigation(view)),
    ...actions('transcript', transcriptButtons(view)),
  ];
  const text = `Step ${step.index + 1}/${total} of session ${session.id}: ${escapeMrkdwn(describeRequest(event))}, ${event.decision}`;
  return { text, blocks };
}
