/**
 * Who may read agent sessions from Slack: configured users and members of configured user groups, from this
 * workspace. Identity comes only from the signed payload (command or click); Slack supplies group membership.
 */
import type { SlackDirectory } from '../directory.js';

export interface SessionsAccess {
  /** Slack user ids (U…, W…). */
  users: readonly string[];
  /** Slack user-group ids (S…). */
  groups: readonly string[];
}

/** The user as the signed payload names them. */
export interface SlackCaller {
  userId: string;
  teamId?: string;
}

export type AccessResult = { ok: true } | { ok: false; message: string };

/** Approvers and auditors may both read sessions; ids starting with S are user groups (Slack's convention). */
export function sessionsAccessFrom(slack: {
  approvers: readonly string[];
  auditors: readonly string[];
}): SessionsAccess {
  const ids = [...new Set([...slack.approvers, ...slack.auditors])];
  return { users: ids.filter((id) => !id.startsWith('S')), groups: ids.filter((id) => id.startsWith('S')) };
}

const OTHER_WORKSPACE = 'Only members of this Slack workspace can read agent sessions.';
const NOT_ALLOWED =
  'You are not allowed to read agent sessions. Ask an Airlock admin to add you (or one of your user groups) to the approvers or auditors (`AIRLOCK_SLACK_APPROVERS`, `AIRLOCK_SLACK_AUDITORS`).';

/** Fails closed: strangers, other workspaces, bots and deactivated accounts never get in. */
export async function checkSessionsAccess(
  directory: SlackDirectory,
  access: SessionsAccess,
  caller: SlackCaller,
): Promise<AccessResult> {
  const { teamId } = await directory.workspace();
  if (caller.teamId && caller.teamId !== teamId) return { ok: false, message: OTHER_WORKSPACE };
  const user = await directory.user(caller.userId);
  if (user.isStranger || (user.teamId && user.teamId !== teamId))
    return { ok: false, message: OTHER_WORKSPACE };
  if (user.deleted || user.isBot) return { ok: false, message: NOT_ALLOWED };
  if (access.users.includes(user.id)) return { ok: true };
  for (const group of access.groups) {
    if ((await directory.groupMembers(group)).has(user.id)) return { ok: true };
  }
  return { ok: false, message: NOT_ALLOWED };
}
