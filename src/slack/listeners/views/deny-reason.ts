import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { DENY_INPUT } from '../../ids.js';
import { decideFromSlack, type ListenerDeps } from '../decide.js';

type Args = AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>;

/** The reason as the reviewer gave it: the picked common reason, their own words, or both. */
export function reasonFrom(values: ViewSubmitAction['view']['state']['values']): string {
  const preset = values[DENY_INPUT.presetBlock]?.[DENY_INPUT.presetAction]?.selected_option?.value ?? '';
  const written = values[DENY_INPUT.reasonBlock]?.[DENY_INPUT.reasonAction]?.value ?? '';
  return [preset.trim(), written.trim()].filter(Boolean).join(' ');
}

/** The deny form was submitted: the same authorization and compare-and-set as a click (the review may have moved on). */
export function denyReasonSubmitted(deps: ListenerDeps) {
  return async ({ ack, body, view, client }: Args): Promise<void> => {
    const reason = reasonFrom(view.state.values);
    if (!reason) {
      await ack({
        response_action: 'errors',
        errors: { [DENY_INPUT.reasonBlock]: 'Pick a common reason or write one: the agent reads it.' },
      });
      return;
    }
    await ack();
    await decideFromSlack(deps, {
      client,
      clicker: body.user,
      reviewId: view.private_metadata,
      request: { decision: 'deny', reason },
    });
  };
}
