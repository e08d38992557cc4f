/**
 * Who clicked, as the review engine understands people. Identity comes only from the signed payload's user id:
 * the configured person with that Slack user id (or with the email Slack reports for it), else the Slack user
 * itself. Slack supplies the display name (shown, never matched), the profile email when it reports one, and
 * user-group membership. Fails closed.
 */
import type { Approver, Review } from '../../reviews/model.js';
import { type PeopleDirectory, personApprover } from '../../reviews/people.js';
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
  people: PeopleDirectory,
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
  const slackGroups = memberships.filter((g): g is string => g !== undefined);
  const person = people.find(user.id) ?? (user.email ? people.find(user.email) : undefined);
  const slackIdentifiers = [user.id, ...(user.email ? [user.email] : [])];
  const approver: Approver = person
    ? withSlack(personApprover(person, 'slack'), slackIdentifiers, slackGroups)
    : {
        id: user.id,
        name: user.name,
        identifiers: slackIdentifiers,
        ...(user.email ? { email: user.email } : {}),
        groups: slackGroups,
        via: 'slack',
        verified: true,
      };
  return { ok: true, approver };
}

function withSlack(approver: Approver, identifiers: string[], groups: string[]): Approver {
  return {
    ...approver,
    identifiers: [...new Set([...approver.identifiers, ...identifiers])],
    groups: [...new Set([...approver.groups, ...groups])],
  };
}
