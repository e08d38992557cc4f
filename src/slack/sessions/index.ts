/**
 * `/agent-sessions`: query and replay redacted agent sessions from Slack. Each request is acknowledged at once,
 * authorised from the signed payload, answered through its own response_url (a click brings a fresh one), and
 * kept private to the user unless they post a transcript.
 */
import type { App, BlockAction, BlockElementAction, RespondFn } from '@slack/bolt';
import type { Database } from '../../db/database.js';
import type { Logger } from '../../lib/logger.js';
import { SessionQueryError } from '../../recording/query.js';
import { SlackDirectory } from '../directory.js';
import type { WebClient } from '../web-client.js';
import { checkSessionsAccess, type SessionsAccess, type SlackCaller } from './access.js';
import { helpMessage, noticeMessage, pendingReviewsMessage } from './blocks/messages.js';
import type { RenderedMessage } from './blocks/common.js';
import { sessionListMessage } from './blocks/list.js';
import { replayStepMessage } from './blocks/replay.js';
import { sessionStepsMessage } from './blocks/steps.js';
import { CommandSyntaxError, parseCommand, type SessionsCommand } from './command.js';
import { SESSIONS_COMMAND, TRANSCRIPT_ACTION, VIEW_ACTION } from './ids.js';
import {
  loadPendingReviews,
  loadReplayStep,
  loadSessionList,
  loadSteps,
  loadTranscriptEvents,
  type ReviewsReader,
  SessionLookupError,
} from './load.js';
import { decodeTranscriptTarget, decodeView, type SessionsView, type TranscriptTarget } from './state.js';
import { registerSessionRevocation } from './revoke.js';
import { sessionTranscript, type TranscriptDestination, uploadTranscript } from './transcript.js';

export { sessionsAccessFrom, type SessionsAccess } from './access.js';

export interface AgentSessionsDeps {
  db: Database;
  /** From config.slack approvers + auditors (`sessionsAccessFrom`). */
  access: SessionsAccess;
  /** Who may revoke a session: approvers only (`sessionsAccessFrom` of the approvers alone). */
  revokers: SessionsAccess;
  /** For reviewers, card links, `pending` and `status:pending`; without it those say they are unavailable. */
  reviews?: ReviewsReader;
  logger: Logger;
  now?: () => Date;
}

/** One request from Slack, reduced to what answering it needs. */
interface Exchange {
  caller: SlackCaller;
  /** `acme` of acme.slack.com, for links to approval cards. */
  workspaceDomain: string;
  client: WebClient;
  respond: RespondFn;
}

const STALE_BUTTON =
  'That button is not one Airlock made (or it is from an older version): run `/agent-sessions` again.';

/** Errors the user can act on become a private explanation; anything else is logged and summarised. */
function problemMessage(error: unknown, logger: Logger): RenderedMessage {
  if (error instanceof CommandSyntaxError) return helpMessage(error.message);
  if (error instanceof SessionLookupError || error instanceof SessionQueryError)
    return noticeMessage(error.message);
  logger.error({ err: (error as Error).message }, '/agent-sessions failed');
  return noticeMessage(
    `Airlock could not read the session store (${(error as Error).message}). Try again shortly.`,
  );
}

export function registerAgentSessions(app: App, deps: AgentSessionsDeps): void {
  const { db, reviews, access } = deps;
  const now = deps.now ?? (() => new Date());
  const logger = deps.logger.child({ component: 'agent-sessions' });
  // Bolt hands every listener the same client per bot token; one directory (and cache) per client.
  const directories = new WeakMap<WebClient, SlackDirectory>();
  const directoryFor = (client: WebClient): SlackDirectory => {
    const known = directories.get(client);
    if (known) return known;
    const created = new SlackDirectory(client, { now });
    directories.set(client, created);
    return created;
  };

  function renderView(view: SessionsView, ex: Exchange): Promise<RenderedMessage> {
    switch (view.view) {
      case 'list':
        return loadSessionList(db, reviews, view.filter, view.offset).then((l) =>
          sessionListMessage(l, { recent: false }),
        );
      case 'steps':
        return loadSteps(db, reviews, view.sessionId, view.offset).then(sessionStepsMessage);
      case 'replay':
        return loadReplayStep(db, reviews, view.sessionId, view.step).then((r) =>
          replayStepMessage(r, { workspaceDomain: ex.workspaceDomain }),
        );
    }
  }

  async function renderCommand(command: SessionsCommand, ex: Exchange): Promise<RenderedMessage> {
    switch (command.kind) {
      case 'recent':
        return sessionListMessage(await loadSessionList(db, reviews, {}, 0), { recent: true });
      case 'list':
        return renderView({ view: 'list', filter: command.filter, offset: 0 }, ex);
      case 'show':
        return renderView({ view: 'steps', sessionId: command.sessionId, offset: 0 }, ex);
      case 'replay':
        return renderView({ view: 'replay', sessionId: command.sessionId, step: command.step }, ex);
      case 'pending':
        return pendingReviewsMessage(await loadPendingReviews(reviews), ex.workspaceDomain);
      case 'help':
        return helpMessage();
    }
  }

  /** Authorises, then answers privately; `replace` swaps the message a button sits in for the new view. */
  async function answer(
    ex: Exchange,
    opts: { replace: boolean; what: string },
    render: () => Promise<RenderedMessage>,
  ): Promise<void> {
    const log = logger.child({ slackUser: ex.caller.userId, request: opts.what });
    let message: RenderedMessage;
    let replace = opts.replace;
    try {
      const allowed = await checkSessionsAccess(directoryFor(ex.client), access, ex.caller);
      if (allowed.ok) {
        message = await render();
      } else {
        log.warn({ why: allowed.message }, '/agent-sessions refused');
        message = noticeMessage(`🚫 ${allowed.message}`);
        replace = false;
      }
    } catch (e) {
      message = problemMessage(e, log);
      replace = false;
    }
    try {
      await ex.respond({ response_type: 'ephemeral', replace_original: replace, ...message });
    } catch (e) {
      log.error({ err: (e as Error).message }, 'could not answer through the response_url');
    }
  }

  async function postTranscript(
    target: TranscriptTarget,
    ex: Exchange,
    channel: string | undefined,
  ): Promise<RenderedMessage> {
    const { session, events } = await loadTranscriptEvents(db, target.sessionId);
    const destination = await transcriptDestination(
      target,
      events.map((e) => e.reviewId),
      channel,
    );
    try {
      await uploadTranscript(
        ex.client,
        session,
        sessionTranscript(session, events),
        destination,
        ex.caller.userId,
      );
    } catch (e) {
      const code = (e as { data?: { error?: string } }).data?.error;
      if (code === 'not_in_channel' || code === 'channel_not_found')
        return noticeMessage(
          "Airlock's bot is not in that channel: invite it (`/invite @Airlock`) and try again.",
        );
      throw e;
    }
    return noticeMessage(
      `📎 Posted the redacted transcript of session \`${session.id}\` (${events.length} steps) to <#${destination.channel}>${destination.threadTs ? ' in the approval thread' : ''}.`,
    );
  }

  /** A review thread only when the review belongs to this session (checked server-side, not taken from the button). */
  async function transcriptDestination(
    target: TranscriptTarget,
    sessionReviewIds: readonly (string | undefined)[],
    channel: string | undefined,
  ): Promise<TranscriptDestination> {
    if (target.reviewId) {
      const review = sessionReviewIds.includes(target.reviewId)
        ? await reviews?.get(target.reviewId)
        : undefined;
      const card = review?.notification;
      if (!card?.channel || !card.ts)
        throw new SessionLookupError('That review has no approval card in this session to post into.');
      return { channel: card.channel, threadTs: card.ts };
    }
    if (!channel)
      throw new SessionLookupError(
        'Transcripts can be posted from a channel or a DM with Airlock; this message has none.',
      );
    return { channel };
  }

  registerSessionRevocation(app, { db, revokers: deps.revokers, directoryFor, logger, now });

  app.command(SESSIONS_COMMAND, async ({ command, ack, respond, client }) => {
    await ack();
    const ex: Exchange = {
      caller: { userId: command.user_id, teamId: command.team_id },
      workspaceDomain: command.team_domain,
      client,
      respond,
    };
    await answer(ex, { replace: false, what: 'command' }, () =>
      renderCommand(parseCommand(command.text, now()), ex),
    );
  });

  app.action<BlockAction<BlockElementAction>>(
    { type: 'block_actions', action_id: VIEW_ACTION },
    async ({ ack, body, action, respond, client }) => {
      await ack();
      const ex = exchangeOf(body, client, respond);
      const value =
        action.type === 'static_select'
          ? action.selected_option.value
          : 'value' in action
            ? action.value
            : undefined;
      const view = value === undefined ? undefined : decodeView(value);
      // Paging swaps the private reply the button sits in; a button on a channel message (the approval card's
      // View session) answers privately beside it and leaves the message alone.
      const replace = view !== undefined && body.container?.is_ephemeral === true;
      await answer(ex, { replace, what: view?.view ?? 'unknown-view' }, async () =>
        view ? renderView(view, ex) : noticeMessage(STALE_BUTTON),
      );
    },
  );

  app.action<BlockAction<BlockElementAction>>(
    { type: 'block_actions', action_id: TRANSCRIPT_ACTION },
    async ({ ack, body, action, respond, client }) => {
      await ack();
      const ex = exchangeOf(body, client, respond);
      const target = 'value' in action && action.value ? decodeTranscriptTarget(action.value) : undefined;
      await answer(ex, { replace: false, what: 'transcript' }, async () =>
        target
          ? postTranscript(target, ex, body.channel?.id ?? body.container?.channel_id)
          : noticeMessage(STALE_BUTTON),
      );
    },
  );
}

function exchangeOf(body: BlockAction, client: WebClient, respond: RespondFn): Exchange {
  return {
    caller: { userId: body.user.id, ...(body.user.team_id ? { teamId: body.user.team_id } : {}) },
    workspaceDomain: body.team?.domain ?? '',
    client,
    respond,
  };
}
