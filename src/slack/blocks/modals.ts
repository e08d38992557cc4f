/** The two modals a card opens: the deny reason form and the full diff. Pure functions of the stored review. */
import type { types } from '@slack/bolt';
import type { Review } from '../../reviews/model.js';
import { CALLBACK_IDS, DENY_INPUT } from '../ids.js';
import { completeDiff } from './preview.js';
import { targetLabel } from './review-facts.js';
import { codeBlock, escapeMrkdwn, truncate } from './text.js';

/** Reasons reviewers give most; the agent reads the chosen one and adapts. */
export const COMMON_DENY_REASONS = [
  'Not now: a change freeze or incident is in progress.',
  'Too broad: narrow the change to what the task needs.',
  'Wrong target: check the namespace, cluster or object name.',
  'Needs a human: open a pull request against the manifests instead.',
  'The stated reason does not justify this change.',
] as const;

const plain = (text: string): types.PlainTextElement => ({ type: 'plain_text', text });

export function denyReasonModal(review: Review): types.View {
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.denyReason,
    // Only a lookup key: the submission is authorized again from the signed payload's user.
    private_metadata: review.id,
    title: plain('Deny request'),
    submit: plain('Deny'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `Deny ${escapeMrkdwn(truncate(targetLabel(review), 500))}? The agent is told your reason.`,
        },
      },
      {
        type: 'input',
        block_id: DENY_INPUT.presetBlock,
        optional: true,
        label: plain('Common reason'),
        element: {
          type: 'static_select',
          action_id: DENY_INPUT.presetAction,
          placeholder: plain('Pick one…'),
          options: COMMON_DENY_REASONS.map((r) => ({ text: plain(truncate(r, 75)), value: r })),
        },
      },
      {
        type: 'input',
        block_id: DENY_INPUT.reasonBlock,
        optional: true,
        label: plain('Reason (in your words)'),
        hint: plain('Pick a common reason, write one, or both.'),
        element: {
          type: 'plain_text_input',
          action_id: DENY_INPUT.reasonAction,
          multiline: true,
          max_length: 2000,
        },
      },
    ],
  };
}

/** A modal holds at most 100 blocks and 250 kB: the diff is cut well below both. */
const DIFF_CHUNK = 2800;
const DIFF_MAX_BLOCKS = 60;

export function fullDiffModal(review: Review): types.View {
  const lines = completeDiff(review).split('\n');
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 0;
  for (const line of lines) {
    const cost = escapeMrkdwn(line).length + 1;
    if (size + cost > DIFF_CHUNK && current.length > 0) {
      chunks.push(current.join('\n'));
      current = [];
      size = 0;
    }
    current.push(truncate(line, DIFF_CHUNK - 20));
    size += cost;
  }
  if (current.length > 0) chunks.push(current.join('\n'));
  const shown = chunks.slice(0, DIFF_MAX_BLOCKS);
  const blocks: types.KnownBlock[] = shown.map((chunk) => ({
    type: 'section',
    text: { type: 'mrkdwn', text: codeBlock(chunk) },
  }));
  if (chunks.length > shown.length) {
    blocks.push({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: 'The diff continues: the complete file is attached in the card’s thread.' },
      ],
    });
  }
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.fullDiff,
    title: plain('Full diff'),
    close: plain('Close'),
    blocks,
  };
}
