import type { App, BlockButtonAction, BlockStaticSelectAction, ViewSubmitAction } from '@slack/bolt';
import { ACTION_IDS, CALLBACK_IDS } from '../ids.js';
import { approve, approveFor } from './actions/approve.js';
import { deny, viewDiff } from './actions/open-modal.js';
import { revokeGrant } from './actions/revoke-grant.js';
import type { ListenerDeps } from './decide.js';
import { denyReasonSubmitted } from './views/deny-reason.js';

export type { ListenerDeps } from './decide.js';

/** Every interactive surface of the approval card, matched by the ids its builders emit. */
export function registerReviewListeners(app: App, deps: ListenerDeps): void {
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: ACTION_IDS.approve }, approve(deps));
  app.action<BlockStaticSelectAction>(
    { type: 'block_actions', action_id: ACTION_IDS.approveFor },
    approveFor(deps),
  );
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: ACTION_IDS.deny }, deny(deps));
  app.action<BlockButtonAction>({ type: 'block_actions', action_id: ACTION_IDS.viewDiff }, viewDiff(deps));
  app.action<BlockButtonAction>(
    { type: 'block_actions', action_id: ACTION_IDS.revokeGrant },
    revokeGrant(deps),
  );
  app.view<ViewSubmitAction>(
    { type: 'view_submission', callback_id: CALLBACK_IDS.denyReason },
    denyReasonSubmitted(deps),
  );
}
