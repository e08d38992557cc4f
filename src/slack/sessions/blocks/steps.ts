import type { types } from '@slack/bolt';
import { describeRequest } from '../../../kube/describe.js';
import { foldDiscovery, formatOffset, verdictOf, verdictText } from '../../../recording/describe.js';
import { escapeMrkdwn, inlineCode, truncate } from '../../blocks/text.js';
import { PAGE_SIZE, type SessionStep, type StepsView } from '../load.js';
import { revokeSessionButton } from '../revoke.js';
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

/** `#3 +0:01.250 ⛔ `delete deployments prod/web` reviewed (rule) · denied by bob · 403` */
function stepLine(step: SessionStep, sessionStart: Date): string {
  const { event } = step;
  const verdict = verdictOf(event);
  const status = event.status === undefined ? 'no status' : String(event.status);
  return [
    `\`#${step.index + 1}\` ${formatOffset(event.time.getTime() - sessionStart.getTime())}`,
    `${decisionEmoji(event)} ${inlineCode(describeRequest(event), 160)}`,
    `${event.decision} (${escapeMrkdwn(truncate(event.rule, 60))})`,
    ...(verdict ? [escapeMrkdwn(truncate(verdictText(verdict), 120))] : []),
    status,
  ].join(' · ');
}

/** `#1–#4 +0:00.012 🔎 kubectl discovery ×4 (version, API groups, OpenAPI) · 200, 404` */
function discoveryLine(steps: readonly SessionStep[], sessionStart: Date): string {
  const first = steps[0]!;
  const last = steps.at(-1)!;
  const statuses = [...new Set(steps.map((s) => s.event.status ?? 'no status'))].join(', ');
  return [
    `\`#${first.index + 1}${steps.length > 1 ? `–#${last.index + 1}` : ''}\` ${formatOffset(first.event.time.getTime() - sessionStart.getTime())}`,
    `🔎 kubectl discovery ×${steps.length} (version, API groups, OpenAPI)`,
    statuses,
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
    revokeSessionButton(id),
  ];
  const blocks: types.KnownBlock[] = [
    header(`Session of ${session.agent}`),
    section('summary', `${sessionFacts(session)}\n${inlineCode(id, 30)}`),
    ...(steps.length > 0
      ? linesInSections(
          'steps',
          foldDiscovery(steps, (s) => s.event).map((entry) =>
            entry.kind === 'step'
              ? stepLine(entry.step, session.startedAt)
              : discoveryLine(entry.steps, session.startedAt),
          ),
        )
      : [section('empty', 'No steps stored on this page (they may have been pruned).')]),
    context('range', range),
    ...actions('paging', paging),
  ];
  return { text: `Session ${id} of agent ${escapeMrkdwn(session.agent)}: ${range}`, blocks };
}
