import type { types } from '@slack/bolt';
import { formatDuration } from '../../../lib/duration.js';
import { sessionDurationMs } from '../../../recording/describe.js';
import type { SessionSummary } from '../../../recording/types.js';
import { escapeMrkdwn, inlineCode, slackDate, truncate } from '../../blocks/text.js';
import { PAGE_SIZE, type SessionListView } from '../load.js';
import { actions, context, filterText, header, type RenderedMessage, section, viewButton } from './common.js';

/** One session in a list or above its steps: who, where, when, how long, and what happened. */
export function sessionFacts(session: SessionSummary): string {
  const { counts } = session;
  const owner = session.owner ? ` for ${escapeMrkdwn(truncate(session.owner, 120))}` : '';
  const label = session.label ? ` ${inlineCode(session.label, 80)}` : '';
  return [
    `*${escapeMrkdwn(truncate(session.agent, 80))}*${owner} on ${inlineCode(session.cluster, 60)}${label}`,
    `started ${slackDate(session.startedAt)} · ${formatDuration(sessionDurationMs(session) / 1000)} · ${session.events} step${session.events === 1 ? '' : 's'}`,
    `✅ ${counts.allowed} allowed · 👀 ${counts.reviewed} reviewed · ⛔ ${counts.denied} denied · ❌ ${counts.failed} failed`,
  ].join('\n');
}

function sessionBlock(session: SessionSummary, position: number): types.SectionBlock {
  return {
    ...section(`session.${position}`, `${sessionFacts(session)}\n${inlineCode(session.id, 30)}`),
    accessory: viewButton(`show.${position}`, 'Show', { view: 'steps', sessionId: session.id, offset: 0 }),
  };
}

const HELP_LINE =
  'Filter with `/agent-sessions list agent:NAME owner:EMAIL cluster:C ns:NS status:denied since:2h` · more in `/agent-sessions help`';

/** Sessions newest first, ten at a time, with a Show button each and Prev/Next paging. */
export function sessionListMessage(list: SessionListView, opts: { recent: boolean }): RenderedMessage {
  const { sessions, filter, offset, hasMore } = list;
  const range =
    sessions.length > 0 ? `sessions ${offset + 1}–${offset + sessions.length}` : 'no sessions on this page';
  const paging = [
    ...(offset > 0
      ? [
          viewButton('prev', '‹ Prev', {
            view: 'list',
            filter,
            offset: Math.max(0, offset - PAGE_SIZE.sessions),
          }),
        ]
      : []),
    ...(hasMore
      ? [viewButton('next', 'Next ›', { view: 'list', filter, offset: offset + PAGE_SIZE.sessions })]
      : []),
  ];
  const blocks: types.KnownBlock[] = [
    header(opts.recent ? 'Recent agent sessions' : 'Agent sessions'),
    context('filter', `${filterText(filter)} · ${range}`),
    ...(sessions.length > 0
      ? sessions.map(sessionBlock)
      : [section('empty', offset > 0 ? 'No more sessions.' : 'No sessions match.')]),
    ...actions('paging', paging),
    context('help', HELP_LINE),
  ];
  return { text: `Agent sessions (${filterText(filter)}): ${range}`, blocks };
}
