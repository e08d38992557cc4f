/**
 * The approval card: a pure function of the stored review. The first post and every update render it the same
 * way, so the card shows whatever the database says, never an edit of what Slack showed before.
 */
import type { types } from '@slack/bolt';
import type { AgentPresence, GrantScope, Review } from '../../reviews/model.js';
import { describeGrant } from '../../reviews/render-text.js';
import { shownTarget } from '../../reviews/shown.js';
import { ACTION_IDS, cardBlockId, grantOptionValue } from '../ids.js';
import { asMutationPreview, type DeletedObject, type MutationPreview } from '../../preview/model.js';
import { countOf } from '../../preview/kinds.js';
import { viewActionId } from '../sessions/ids.js';
import { encodeView, isSessionId } from '../sessions/state.js';
import { approvalsSoFar, grantChoices, operation, stateLabel, targetLabel } from './review-facts.js';
import {
  codeBlock,
  codeBlockWithin,
  escapeMrkdwn,
  humanDuration,
  inlineCode,
  slackDate,
  truncate,
} from './text.js';

export interface RenderedMessage {
  /** Fallback for notifications and screen readers. */
  text: string;
  blocks: types.KnownBlock[];
}

/** What the card shows beyond the stored review; looked up by whoever renders it. */
export interface CardContext {
  /** The agent owner's Slack user id, when Slack knows the owner: shown as a mention. */
  ownerSlackId?: string;
  /** While pending: whether the agent still waits for the decision, and since when. */
  agent?: AgentPresence;
}

/** Per-part budgets keep the whole card under Slack's ~12k cumulative text cap and 3,000 per section. */
const LIMITS = {
  header: 150,
  flagged: 600,
  reason: 900,
  summary: 300,
  diff: 2600,
  risks: 6,
  riskText: 160,
  decisions: 6,
  outcome: 600,
  images: 5,
  owned: 8,
};
const SEVERITY_EMOJI = { high: '🔴', medium: '🟠', info: '🔵' } as const;
/** Slack user/group ids only: anything else in a policy's `mention` is not rendered as a mention. */
const SLACK_ID = /^[A-Z][A-Z0-9]{2,20}$/;

const SLACK_USER = /^[UW][A-Z0-9]{2,20}$/;

function mention(id: string | undefined): string {
  if (!id || !SLACK_ID.test(id)) return '';
  return id.startsWith('S') ? `<!subteam^${id}> ` : `<@${id}> `;
}

const section = (id: string, text: string): types.SectionBlock => ({
  type: 'section',
  block_id: id,
  text: { type: 'mrkdwn', text },
});

/** `agent waiting since 10:04` or `agent gone since 10:05 — will run when it re-runs the command`. */
function agentLine(agent: AgentPresence | undefined): string {
  if (!agent) return '';
  return agent.waiting
    ? ` · ⏳ agent waiting since ${slackDate(agent.since)}`
    : ` · agent gone since ${slackDate(agent.since)} — will run when it re-runs the command`;
}

function statusLine(review: Review, ctx: CardContext): string {
  const { label } = stateLabel(review);
  const { have, need } = approvalsSoFar(review);
  if (review.state === 'pending') {
    return `${mention(review.settings.mention)}*${label}*: ${have}/${need} approval${need > 1 ? 's' : ''} · expires ${slackDate(review.expiresAt)}${agentLine(ctx.agent)}`;
  }
  const when = review.decidedAt ? ` · decided ${slackDate(review.decidedAt)}` : '';
  return `*${label}* · ${have}/${need} approval${need > 1 ? 's' : ''}${when}`;
}

/** The rule's own words, first: what made Airlock stop this request. */
function flagged(review: Review): types.KnownBlock[] {
  const message = review.settings.message?.trim();
  if (!message) return [];
  return [
    section(
      cardBlockId('flagged', review.version),
      `*Why it was flagged:* ${escapeMrkdwn(truncate(message, LIMITS.flagged))} (rule ${inlineCode(review.rule, 80)})`,
    ),
  ];
}

/** The owner as a mention when Slack knows them (the stored identifier beside it), else as stored. */
function ownerText(review: Review, ctx: CardContext): string {
  if (!review.owner) return '_none_';
  const stored = inlineCode(review.owner, 150);
  return ctx.ownerSlackId && SLACK_USER.test(ctx.ownerSlackId) ? `<@${ctx.ownerSlackId}> ${stored}` : stored;
}

function facts(review: Review, ctx: CardContext): types.SectionBlock {
  const { namespace } = shownTarget(review);
  const field = (label: string, value: string) => ({ type: 'mrkdwn' as const, text: `*${label}*\n${value}` });
  const code = (value: string | undefined) => (value ? inlineCode(value, 150) : '_none_');
  return {
    type: 'section',
    block_id: cardBlockId('facts', review.version),
    fields: [
      field('What', code(operation(review))),
      field('Namespace', code(namespace || '(cluster-scoped)')),
      field('Cluster', code(review.cluster)),
      field('Agent', code(review.agent.name)),
      field('Owner', ownerText(review, ctx)),
      field('Rule', code(review.rule)),
    ],
  };
}

function why(review: Review): types.SectionBlock {
  const reason = review.reason?.trim();
  return section(
    cardBlockId('why', review.version),
    `*Why (the agent's words)*\n${reason ? codeBlock(truncate(reason, LIMITS.reason)) : '_The agent gave no reason._'}`,
  );
}

function previewBlocks(review: Review): types.KnownBlock[] {
  const preview = asMutationPreview(review.preview);
  const v = review.version;
  if (!preview) {
    const { block, omittedLines } = codeBlockWithin(review.redactedRequest, LIMITS.diff);
    return [
      section(cardBlockId('diff', v), `*Request* (no preview available)\n${block}`),
      ...(omittedLines > 0 ? [moreLines(v, omittedLines)] : []),
    ];
  }
  const risks = preview.risks
    .slice(0, LIMITS.risks)
    .map((r) => `${SEVERITY_EMOJI[r.severity]} ${escapeMrkdwn(truncate(r.text, LIMITS.riskText))}`);
  const hiddenRisks = preview.risks.length - risks.length;
  if (hiddenRisks > 0) risks.push(`…and ${hiddenRisks} more`);
  const unavailable = preview.unavailableReason
    ? ` (${escapeMrkdwn(truncate(preview.unavailableReason, 200))})`
    : '';
  const head = [
    section(cardBlockId('summary', v), `*Change*\n${inlineCode(preview.summary, LIMITS.summary)}`),
    ...(risks.length > 0 ? [section(cardBlockId('risks', v), `*Risk*\n${risks.join('\n')}`)] : []),
  ];
  if (preview.deleted) return [...head, ...deletedBlocks(v, preview, preview.deleted)];
  const { block, omittedLines } = codeBlockWithin(preview.diff, LIMITS.diff);
  const omitted = omittedLines + preview.omittedLines;
  return [
    ...head,
    section(cardBlockId('diff', v), `*Diff* (${preview.source}${unavailable})\n${block}`),
    ...(omitted > 0 ? [moreLines(v, omitted)] : []),
  ];
}

/**
 * A delete in the few facts a reviewer weighs (what it is, what runs, what goes with it) instead of the whole
 * object as removed lines; the complete diff stays behind View full diff and in the thread.
 */
function deletedBlocks(
  version: number,
  preview: MutationPreview,
  deleted: DeletedObject,
): types.KnownBlock[] {
  const replicas = deleted.replicas
    ? `${countOf(deleted.replicas.desired, 'replica')}${deleted.replicas.ready !== undefined ? ` (${deleted.replicas.ready} ready)` : ''}`
    : undefined;
  const images = deleted.images.slice(0, LIMITS.images).map((i) => inlineCode(i, 120));
  const moreImages = deleted.images.length - images.length;
  const owned = preview.dependents;
  const ownedSample = (owned?.sample ?? []).slice(0, LIMITS.owned).map((ref) => inlineCode(ref, 120));
  const moreOwned = (owned?.total ?? 0) - ownedSample.length;
  const lines = [
    `*Deletes* ${escapeMrkdwn(truncate(deleted.kind, 80))} ${inlineCode(deleted.name, 120)}${replicas ? ` · ${replicas}` : ''}`,
    ...(images.length > 0
      ? [`*Images:* ${images.join(', ')}${moreImages > 0 ? ` and ${moreImages} more` : ''}`]
      : []),
    owned && owned.total > 0
      ? `*Goes with it:* ${countOf(owned.total, 'owned object')}: ${ownedSample.join(', ')}${moreOwned > 0 ? ` and ${moreOwned} more` : ''}`
      : '*Goes with it:* no owned objects found',
  ];
  return [
    section(cardBlockId('deleted', version), lines.join('\n')),
    {
      type: 'context',
      block_id: cardBlockId('more', version),
      elements: [
        { type: 'mrkdwn', text: 'The whole object as it is now: *View full diff*, and in the thread.' },
      ],
    },
  ];
}

function moreLines(version: number, lines: number): types.ContextBlock {
  return {
    type: 'context',
    block_id: cardBlockId('more', version),
    elements: [
      {
        type: 'mrkdwn',
        text: `…${lines} more line${lines > 1 ? 's' : ''}: full diff in the thread and behind *View full diff*.`,
      },
    ],
  };
}

function decisionsBlock(review: Review): types.KnownBlock[] {
  if (review.decisions.length === 0) return [];
  const lines = review.decisions.slice(0, LIMITS.decisions).map((d) => {
    const verb =
      d.decision === 'approve'
        ? `✅ approved${d.grantSeconds ? ` for ${humanDuration(d.grantSeconds)}` : ''}`
        : '⛔ denied';
    const reason = d.reason ? `: ${inlineCode(d.reason, 150)}` : '';
    return `*${escapeMrkdwn(truncate(d.approver.name, 80))}* ${verb}${d.breakGlass ? ' (break-glass, terminal)' : ''}${reason}`;
  });
  const hidden = review.decisions.length - lines.length;
  if (hidden > 0) lines.push(`…and ${hidden} more`);
  return [section(cardBlockId('decisions', review.version), lines.join('\n'))];
}

function outcomeBlock(review: Review): types.KnownBlock[] {
  const o = review.outcome;
  if (!o) return [];
  const rv = o.resourceVersion ? ` · resourceVersion ${inlineCode(o.resourceVersion, 64)}` : '';
  const message = o.message ? `\n${codeBlock(truncate(o.message, LIMITS.outcome))}` : '';
  const result = o.unknown ? 'unknown' : `HTTP ${o.status}${rv}`;
  return [section(cardBlockId('outcome', review.version), `*Result*: ${result}${message}`)];
}

function viewDiffButton(review: Review): types.Button {
  return {
    type: 'button',
    action_id: ACTION_IDS.viewDiff,
    text: { type: 'plain_text', text: 'View full diff' },
    value: review.id,
  };
}

/** Opens the agent's session as `/agent-sessions show` does (privately, after the same access check). */
function viewSessionButton(review: Review): types.Button[] {
  if (!review.sessionId || !isSessionId(review.sessionId)) return [];
  return [
    {
      type: 'button',
      action_id: viewActionId('card-session'),
      text: { type: 'plain_text', text: 'View session' },
      value: encodeView({ view: 'steps', sessionId: review.sessionId, offset: 0 }),
    },
  ];
}

function actions(review: Review): types.KnownBlock[] {
  if (review.state !== 'pending') return [];
  const confirm: types.ConfirmationDialog | undefined = review.settings.confirm
    ? {
        title: { type: 'plain_text', text: 'Approve this high-risk change?' },
        text: {
          type: 'plain_text',
          text: truncate(`${targetLabel(review)}, requested by ${review.agent.name}.`, 300),
        },
        confirm: { type: 'plain_text', text: 'Approve' },
        deny: { type: 'plain_text', text: 'Cancel' },
      }
    : undefined;
  const grants = grantChoices(review.settings.maxGrantSeconds);
  const scopes = grantScopes(review);
  const option = (seconds: number, scope: GrantScope) => ({
    text: { type: 'plain_text' as const, text: `Approve for ${humanDuration(seconds)}` },
    value: grantOptionValue(review.id, seconds, scope),
  });
  const elements: types.ActionsBlockElement[] = [
    {
      type: 'button',
      action_id: ACTION_IDS.approve,
      text: { type: 'plain_text', text: 'Approve' },
      style: 'primary',
      value: review.id,
      ...(confirm ? { confirm } : {}),
    },
    ...(grants.length > 0
      ? [
          {
            type: 'static_select' as const,
            action_id: ACTION_IDS.approveFor,
            placeholder: { type: 'plain_text' as const, text: 'Approve for…' },
            // Each group is labelled with exactly what its grants cover.
            option_groups: scopes.map(({ scope, covers }) => ({
              label: { type: 'plain_text' as const, text: truncate(covers, 75) },
              options: grants.map((seconds) => option(seconds, scope)),
            })),
            ...(confirm ? { confirm } : {}),
          },
        ]
      : []),
    {
      type: 'button',
      action_id: ACTION_IDS.deny,
      text: { type: 'plain_text', text: 'Deny…' },
      style: 'danger',
      value: review.id,
    },
    viewDiffButton(review),
    ...viewSessionButton(review),
  ];
  return [
    { type: 'actions', block_id: cardBlockId('actions', review.version), elements },
    ...(grants.length > 0 ? [grantScopeNote(review, scopes)] : []),
  ];
}

/** The scopes a grant from this card may have: this object's name, and any name (when there is a name). */
function grantScopes(review: Review): { scope: GrantScope; covers: string }[] {
  const c = review.classification;
  const shown = shownTarget(review);
  // An empty name (a create) reads as "any": a grant bound to no name covers every new object.
  const covers = (name: string) => describeGrant({ ...c, namespace: shown.namespace, name });
  return c.name
    ? [
        { scope: 'name', covers: covers(shown.name) },
        { scope: 'any-name', covers: covers('') },
      ]
    : [{ scope: 'name', covers: covers('') }];
}

/** Stated next to the menu: what a grant lets pass without another card, and for whom. */
function grantScopeNote(review: Review, scopes: { covers: string }[]): types.ContextBlock {
  const what = scopes.map((s) => inlineCode(s.covers, 200)).join(' or, if you pick it, ');
  return {
    type: 'context',
    block_id: cardBlockId('grant-scope', review.version),
    elements: [
      {
        type: 'mrkdwn',
        text:
          `*Approve for…* also lets agent ${inlineCode(review.agent.name, 80)} ${what} on ${inlineCode(review.cluster, 80)} ` +
          `without a card until it ends, only where rule ${inlineCode(review.rule, 80)} applies.`,
      },
    ],
  };
}

/** Whether the card shows the whole diff; when not, the complete one is uploaded into the thread. */
export function cardShowsWholeDiff(review: Review): boolean {
  const preview = asMutationPreview(review.preview);
  const shown = preview ? preview.diff : review.redactedRequest;
  return (preview?.omittedLines ?? 0) === 0 && codeBlockWithin(shown, LIMITS.diff).omittedLines === 0;
}

/** Identifiers people rarely need, kept out of the way: review, session, fingerprint, when. */
function footer(review: Review): types.ContextBlock {
  const parts = [
    `Review ${inlineCode(review.id, 40)}`,
    ...(review.sessionId ? [`session ${inlineCode(review.sessionId, 40)}`] : []),
    `fingerprint ${inlineCode(review.fingerprint.slice(0, 12), 20)}`,
    `requested ${slackDate(review.createdAt)}`,
  ];
  return {
    type: 'context',
    block_id: cardBlockId('footer', review.version),
    elements: [{ type: 'mrkdwn', text: parts.join(' · ') }],
  };
}

export function reviewCard(review: Review, ctx: CardContext = {}): RenderedMessage {
  const { emoji, label } = stateLabel(review);
  const v = review.version;
  const blocks: types.KnownBlock[] = [
    {
      type: 'header',
      block_id: cardBlockId('header', v),
      text: { type: 'plain_text', text: truncate(`${emoji} ${operation(review)}`, LIMITS.header) },
    },
    ...flagged(review),
    section(cardBlockId('status', v), statusLine(review, ctx)),
    facts(review, ctx),
    why(review),
    ...previewBlocks(review),
    ...decisionsBlock(review),
    ...outcomeBlock(review),
    ...actions(review),
    footer(review),
  ];
  const text = escapeMrkdwn(`${label}: ${targetLabel(review)}, requested by agent ${review.agent.name}`);
  return { text, blocks };
}
