import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { parseRevokeGrantValue } from '../../ids.js';
import { type ListenerDeps, tellClicker } from '../decide.js';
import { identifyClicker } from '../identity.js';

type Args = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockButtonAction>;

/**
 * Revoke, under a grant's thread reply. Revoking only ever makes Airlock stricter, so any member of this workspace
 * who sees the thread may do it; who did is recorded by their immutable id.
 */
export function revokeGrant(deps: ListenerDeps) {
  return async ({ ack, body, action, client }: Args): Promise<void> => {
    await ack();
    const where = { client, clicker: body.user, channel: body.channel?.id };
    const target = parseRevokeGrantValue(action.value ?? '');
    const review = target && (await deps.reviews().get(target.reviewId));
    if (!target || !review) return tellClicker(deps, where, 'That grant is not one Airlock knows.');
    try {
      const who = await identifyClicker(deps.directory, deps.people, body.user, review);
      if (!who.ok) return await tellClicker(deps, where, `🚫 ${who.message} Nothing was changed.`);
      const revoked = await deps.reviews().revokeGrant(target.grantId, who.approver.id);
      if (!revoked) await tellClicker(deps, where, `Grant ${target.grantId} was already revoked.`);
    } catch (e) {
      deps.logger.error({ grant: target.grantId, err: (e as Error).message }, 'could not revoke a grant');
      await tellClicker(
        deps,
        where,
        `Airlock could not revoke the grant (${(e as Error).message}). From a terminal: \`airlock grants revoke ${target.grantId} --as <you>\`.`,
      );
    }
  };
}
