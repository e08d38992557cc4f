/**
 * Action ids of the `/agent-sessions` messages. Slack wants action ids unique within a block, so each button
 * gets its own suffix; the listeners match on the prefix.
 */
export const SESSIONS_COMMAND = '/agent-sessions';

const VIEW_PREFIX = 'airlock.sessions.view.';
const TRANSCRIPT_PREFIX = 'airlock.sessions.transcript.';

/** Buttons and menus that replace the message with another view (their value is an encoded SessionsView). */
export const viewActionId = (suffix: string): string => `${VIEW_PREFIX}${suffix}`;
/** Buttons that upload the transcript (their value is an encoded TranscriptTarget). */
export const transcriptActionId = (suffix: string): string => `${TRANSCRIPT_PREFIX}${suffix}`;

export const VIEW_ACTION = new RegExp(`^${VIEW_PREFIX.replaceAll('.', '\\.')}`);
export const TRANSCRIPT_ACTION = new RegExp(`^${TRANSCRIPT_PREFIX.replaceAll('.', '\\.')}`);

/** Block ids only need to be unique within one message. */
export const blockId = (part: string): string => `airlock.sessions.${part}`;
