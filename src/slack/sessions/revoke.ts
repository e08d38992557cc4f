/**
 * "Revoke session" on `/agent-sessions show`: the Slack twin of `airlock sessions revoke`. Unlike reading sessions
 * (approvers and auditors), ending one is for approvers only — the people trusted to let an agent act.
 */
import type { App, BlockButtonAction, types } from '@slack/bolt';
import type { Database } from '../../db/database.js';
import { revokeSession } from '../../db/session-revocations.js';
import type { Logger } from '../../lib/logger.js';
import { getSession } from '../../recording/query.js';
import type { SlackDirectory } from '../directory.js';
import type { WebClient } from '../web-client.js';
import { checkSessionsAccess, type SessionsAccess } from './access.js';

const REVOKE_ACTION = 'airlock.sessions.revoke';
const SESSION_ID = /^[0-9a-f]{24}$/;

/** Asks for confirmation in Slack's own dialog before anything is sent. */
export function revokeSessionButton(sessionId: string): types.Button {
  return {
    type: 'button',
    action_id: REVOKE_ACTION,
    text: { type: 'plain_text', text: 'Revoke session' },
    value: sessionId,
    style: 'danger',
    confirm: {
      title: { type: 'plain_text', text: 'Revoke this session?' },
      text: {
        type: 'mrkdwn',
        text: 'The agent’s tokens are refused at once, its open watches, streams and parked requests end, and its source token cannot start the session again.',
      },
      confirm: { type: 'plain_text', text: 'Revoke' },
      deny: { type: 'plain_text', text: 'Cancel' },
      style: 'danger',
    },
  };
}

export interface SessionRevocationDeps {
  db: Database;
  /** Approvers only (`sessionsAccessFrom` of the approvers). */
  revokers: SessionsAccess;
  directoryFor(client: WebClient): SlackDirectory;
  logger: Logger;
  now(): Date;
}

const NOT_APPROVER =
  'Only approvers may revoke a session (`AIRLOCK_SLACK_APPROVERS`). Nothing was changed; from a terminal: `airlock sessions revoke ID --as <you>`.';

export function registerSessionRevocation(app: App, deps: SessionRevocationDeps): void {
  app.action<BlockButtonAction>(
    { type: 'block_actions', action_id: REVOKE_ACTION },
    async ({ ack, body, action, respond, client }) => {
      await ack();
      const tell = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
      const caller = { userId: body.user.id, ...(body.user.team_id ? { teamId: body.user.team_id } : {}) };
      const access = await checkSessionsAccess(deps.directoryFor(client), deps.revokers, caller);
      if (!access.ok) return void (await tell(`🚫 ${NOT_APPROVER}`));
      const sessionId = action.value ?? '';
      const session = SESSION_ID.test(sessionId) ? await getSession(deps.db, sessionId) : undefined;
      if (!session) return void (await tell('That session is not one Airlock knows.'));
      try {
        // The immutable Slack user id, not a display name anyone can change.
        const revocation = await revokeSession(deps.db, {
          tokenId: session.tokenId,
          revokedAt: deps.now(),
          revokedBy: `slack:${caller.userId}`,
          reason: 'revoked from Slack (/agent-sessions)',
        });
        const by = revocation.revokedBy.startsWith('slack:')
          ? `<@${revocation.revokedBy.slice('slack:'.length)}>`
          : revocation.revokedBy;
        await tell(
          `⛔ Session \`${sessionId}\` revoked by ${by} at ${revocation.revokedAt.toISOString()}; its tokens are refused from now on.`,
        );
      } catch (e) {
        deps.logger.error({ session: sessionId, err: (e as Error).message }, 'could not revoke a session');
        await tell(
          `Airlock could not revoke the session (${(e as Error).message}). From a terminal: \`airlock sessions revoke ${sessionId} --as <you>\`.`,
        );
      }
    },
  );
}
