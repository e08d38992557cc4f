/**
 * Who clicked, as the review engine understands people. Identity comes only from the signed payload's user id;
 * Slack supplies the rest (name, email for the owner rule, on-call group membership). Fails closed.
 */
import type { Approver, Review } from '../../reviews/model.js';
import type { SlackDirectory } from '../directory.js';

/** The user as the signed interaction payload names them. */
export interface Clicker {
  id: string;
  team_id?: string;
}

export type Identification = { ok: true; approver: Approver } | { ok: false; message: string };

const OTHER_ORG =
  'Only members of this Slack workspace can decide Airlock reviews; people from other organisations in a shared channel (Slack Connect) cannot.';

export async function identifyClicker(
  directory: SlackDirectory,
  clicker: Clicker,
  review: Review,
): Promise<Identification> {
  const { teamId } = await directory.workspace();
  if (clicker.team_id && clicker.team_id !== teamId) return { ok: false, message: OTHER_ORG };
  const user = await directory.user(clicker.id);
  if (user.isStranger || (user.teamId && user.teamId !== teamId)) return { ok: false, message: OTHER_ORG };
  if (user.deleted || user.isBot)
    return { ok: false, message: 'Deactivated accounts and bots cannot decide Airlock reviews.' };
  const candidateGroups = review.settings.approvers.groups;
  const memberships = await Promise.all(
    candidateGroups.map(async (g) => ((await directory.groupMembers(g)).has(user.id) ? g : undefined)),
  );
  return {
    ok: true,
    approver: {
      id: user.id,
      name: user.name,
      ...(user.email ? { email: user.email } : {}),
      groups: memberships.filter((g): g is string => g !== undefined),
      via: 'slack',
    },
  };
}
