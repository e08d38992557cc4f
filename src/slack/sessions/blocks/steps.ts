import type { types } from '@slack/bolt';
import { describeRequest } from '../../../kube/describe.js';
import { formatOffset } from '../../../recording/describe.js';
import { escapeMrkdwn, inlineCode, truncate } from '../../blocks/text.js';
import { PAGE_SIZE, type SessionStep, type StepsView } from '../load.js';
import {
  actions,
  context,
  decisionEmoji,
  header,
  linesInSections,
  type RenderedMessage,
  section,
  transcriptButton,
  viewButton,
} from './common.js';
import { sessionFacts } from './list.js';

/** The names of the people who decided a review, as stored with it. */
export function reviewerNames(step: SessionStep): string | undefined {
  const names = [...new Set(step.review?.decisions.map((d) => d.approver.name) ?? [])];
  return names.length > 0 ? escapeMrkdwn(truncate(names.join(', '), 120)) : undefined;
}

/** `#3 +0:01.250 ⛔ `exec pods/exec prod/web` denied (rule) · 403` */
function stepLine(step: SessionStep, sessionStart: Date): string {
  const { event } = step;
  const reviewers = reviewerNames(step);
  const status = event.status === undefined ? 'no status' : String(event.status);
  return [
    `\`#${step.index + 1}\` ${formatOffset(event.time.getTime() - sessionStart.getTime())}`,
    `${decisionEmoji(event)} ${inlineCode(describeRequest(event), 160)}`,
    `${event.decision} (${escapeMrkdwn(truncate(event.rule, 60))})${reviewers ? ` by ${reviewers}` : ''}`,
    status,
  ].join(' · ');
}

/** The session summary and a page of its steps (time offset, verb and target, decision, reviewer, status). */
export function sessionStepsMessage(view: StepsView): RenderedMessage {
  const { session, steps, offset, total } = view;
  const id = session.id;
  const range =
    steps.length > 0 ? `steps ${offset + 1}–${offset + steps.length} of ${total}` : `${total} steps`;
  const paging: types.ActionsBlockElement[] = [
    ...(offset > 0
      ? [
          viewButton('prev', '‹ Prev', {
            view: 'steps',
            sessionId: id,
            offset: Math.max(0, offset - PAGE_SIZE.steps),
          }),
        ]
      : []),
    ...(offset + PAGE_SIZE.steps < total
      ? [viewButton('next', 'Next ›', { view: 'steps', sessionId: id, offset: offset + PAGE_SIZE.steps })]
      : []),
    ...(steps.length > 0
      ? [
          viewButton(
            'replay',
            `Replay from #${offset + 1}`,
            { view: 'replay', sessionId: id, step: offset },
            'primary',
          ),
        ]
      : []),
    transcriptButton('channel', 'Post transcript to channel', id),
  ];
  const blocks: types.KnownBlock[] = [
    header(`Session of ${session.agent}`),
    section('summary', `${sessionFacts(session)}\n${inlineCode(id, 30)}`),
    ...(steps.length > 0
      ? linesInSections(
          'steps',
          steps.map((s) => stepLine(s, session.startedAt)),
        )
      : [section('empty', 'No steps stored on this page (they may have been pruned).')]),
    context('range', range),
    ...actions('paging', paging),
  ];
  return { text: `Session ${id} of agent ${escapeMrkdwn(session.agent)}: ${range}`, blocks };
}
