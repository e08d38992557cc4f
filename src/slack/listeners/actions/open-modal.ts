import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs, types } from '@slack/bolt';
import type { Review } from '../../../reviews/model.js';
import { denyReasonModal, fullDiffModal } from '../../blocks/modals.js';
import { type ListenerDeps, tellClicker } from '../decide.js';

type Args = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockButtonAction>;

/**
 * A card button that opens a modal about its review. The trigger id lives three seconds, so the modal opens
 * straight after one local read; deciding (and authorizing) happens when a form is submitted.
 */
function openModal(deps: ListenerDeps, build: (review: Review) => types.View, onlyWhilePending: boolean) {
  return async ({ ack, body, action, client }: Args): Promise<void> => {
    await ack();
    const where = { client, clicker: body.user, channel: body.channel?.id };
    try {
      const review = await deps.reviews().get(action.value ?? '');
      if (!review) return await tellClicker(deps, where, `There is no Airlock review ${action.value ?? ''}.`);
      if (onlyWhilePending && review.state !== 'pending') {
        deps.refreshCard(review.id);
        return await tellClicker(
          deps,
          where,
          `Review ${review.id} is already ${review.state}; nothing to decide.`,
        );
      }
      await client.views.open({ trigger_id: body.trigger_id, view: build(review) });
    } catch (e) {
      deps.logger.error({ review: action.value, err: (e as Error).message }, 'could not open a Slack modal');
      await tellClicker(deps, where, `Airlock could not open that dialog (${(e as Error).message}).`);
    }
  };
}

/** Deny: asks for the reason first (the agent reads it). */
export const deny = (deps: ListenerDeps) => openModal(deps, denyReasonModal, true);

/** View full diff: the whole diff in a modal, also after the review is decided. */
export const viewDiff = (deps: ListenerDeps) => openModal(deps, fullDiffModal, false);
