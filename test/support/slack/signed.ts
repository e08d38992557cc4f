/** Requests as Slack sends them to `/slack/events`: form-encoded interaction payloads, signed with the app's secret. */
import { createHmac } from 'node:crypto';
import { TEAM } from './fake-slack.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';

export function signature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SendOptions {
  /** Seconds since the epoch; now by default. */
  timestamp?: number;
  secret?: string;
}

export async function postInteraction(
  baseUrl: string,
  payload: unknown,
  opts: SendOptions = {},
): Promise<Response> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  return fetch(`${baseUrl}/slack/events`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signature(opts.secret ?? SIGNING_SECRET, timestamp, body),
    },
  });
}

export interface Clicker {
  id: string;
  teamId?: string;
}

export interface CardLocation {
  channel: string;
  ts: string;
}

export function blockAction(
  user: Clicker,
  card: CardLocation,
  action: Record<string, unknown>,
): Record<string, unknown> {
  return {
    type: 'block_actions',
    api_app_id: 'A0AIRLOCK',
    team: { id: user.teamId ?? TEAM, domain: 'home' },
    user: {
      id: user.id,
      username: user.id.toLowerCase(),
      name: user.id.toLowerCase(),
      team_id: user.teamId ?? TEAM,
    },
    channel: { id: card.channel, name: 'oncall' },
    container: { type: 'message', channel_id: card.channel, message_ts: card.ts, is_ephemeral: false },
    message: { ts: card.ts, type: 'message', text: 'card' },
    trigger_id: `trigger-${Math.random().toString(36).slice(2)}`,
    response_url: 'https://slack.test/actions/T0HOME/1/x',
    actions: [{ block_id: 'airlock.card.actions.v1', action_ts: `${Date.now() / 1000}`, ...action }],
  };
}

export function viewSubmission(
  user: Clicker,
  view: { callbackId: string; privateMetadata: string; values: Record<string, Record<string, unknown>> },
): Record<string, unknown> {
  return {
    type: 'view_submission',
    api_app_id: 'A0AIRLOCK',
    team: { id: user.teamId ?? TEAM, domain: 'home' },
    user: {
      id: user.id,
      username: user.id.toLowerCase(),
      name: user.id.toLowerCase(),
      team_id: user.teamId ?? TEAM,
    },
    trigger_id: `trigger-${Math.random().toString(36).slice(2)}`,
    view: {
      id: 'V0MODAL',
      type: 'modal',
      team_id: user.teamId ?? TEAM,
      callback_id: view.callbackId,
      private_metadata: view.privateMetadata,
      state: { values: view.values },
      hash: 'h',
      title: { type: 'plain_text', text: 'Deny request' },
      blocks: [],
      app_id: 'A0AIRLOCK',
      bot_id: 'B0AIRLOCK',
    },
  };
}
