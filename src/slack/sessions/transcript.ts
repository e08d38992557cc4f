/**
 * The redacted transcript of a whole session, as the terminal renders it (one text core for both), and its upload
 * into a channel or a card's thread through Slack's files.uploadV2 flow.
 */
import { renderReplayStep, renderSessionSummary } from '../../recording/render-text.js';
import type { RecordedEvent, SessionSummary } from '../../recording/types.js';
import { escapeMrkdwn, inlineCode, truncate } from '../blocks/text.js';
import type { WebClient } from '../web-client.js';

export function sessionTranscript(session: SessionSummary, events: readonly RecordedEvent[]): string {
  const steps = events.map((event, i) => renderReplayStep(event, i, events.length, session.startedAt));
  return [renderSessionSummary(session, events), ...steps].join('\n');
}

export interface TranscriptDestination {
  channel: string;
  /** The parent message of the thread (an approval card). */
  threadTs?: string;
}

/** Uploads the transcript as a file; the comment says whose session it is and who shared it. */
export async function uploadTranscript(
  client: WebClient,
  session: SessionSummary,
  transcript: string,
  to: TranscriptDestination,
  postedBy: string,
): Promise<void> {
  // Slack's types tell a thread reply (channel and thread_ts) from a channel post by the shape of the destination.
  const destination = to.threadTs
    ? { channel_id: to.channel, thread_ts: to.threadTs }
    : { channel_id: to.channel };
  await client.files.uploadV2({
    ...destination,
    filename: `airlock-session-${session.id}.txt`,
    title: `Agent session ${session.id} (redacted)`,
    content: transcript,
    initial_comment: `Redacted transcript of agent *${escapeMrkdwn(truncate(session.agent, 80))}*'s session \`${session.id}\` on cluster ${inlineCode(session.cluster, 60)}, shared by <@${postedBy}>.`,
  });
}
