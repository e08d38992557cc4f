import type {
  AllMiddlewareArgs,
  BlockButtonAction,
  BlockStaticSelectAction,
  SlackActionMiddlewareArgs,
} from '@slack/bolt';
import { parseGrantOptionValue } from '../../ids.js';
import { decideFromSlack, type ListenerDeps, tellClicker } from '../decide.js';

type Args<A extends BlockButtonAction | BlockStaticSelectAction> = AllMiddlewareArgs &
  SlackActionMiddlewareArgs<A>;

/** Approve: the button's value is only the review id; who approves comes from the signed payload. */
export function approve(deps: ListenerDeps) {
  return async ({ ack, body, action, client }: Args<BlockButtonAction>): Promise<void> => {
    await ack();
    await decideFromSlack(deps, {
      client,
      clicker: body.user,
      ...(body.channel ? { channel: body.channel.id } : {}),
      reviewId: action.value ?? '',
      request: { decision: 'approve' },
    });
  };
}

/**
 * Approve for …: an approval that also asks for a time-boxed grant of the scope the option's group showed; the
 * engine checks the length against the rule.
 */
export function approveFor(deps: ListenerDeps) {
  return async ({ ack, body, action, client }: Args<BlockStaticSelectAction>): Promise<void> => {
    await ack();
    const channel = body.channel?.id;
    const choice = parseGrantOptionValue(action.selected_option.value);
    if (!choice)
      return tellClicker(
        deps,
        { client, clicker: body.user, channel },
        'That grant choice is not one Airlock offered.',
      );
    await decideFromSlack(deps, {
      client,
      clicker: body.user,
      ...(channel ? { channel } : {}),
      reviewId: choice.reviewId,
      request: { decision: 'approve', grantSeconds: choice.seconds, grantScope: choice.scope },
    });
  };
}
