/**
 * Plain-text views of reviews and grants for the terminal. Pure functions; agent-supplied text is made inert
 * (control characters escaped) so a reason or a body cannot drive the reader's terminal.
 */
import { describeRequest } from '../kube/describe.js';
import { stringify as toYaml } from 'yaml';
import { countApprovals } from './decision-rules.js';
import type { Grant, Review } from './model.js';

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Escapes C0/C1 control characters (ANSI escapes included) except newline and tab. */
export function printable(text: string): string {
  return text.replace(CONTROL_CHARACTERS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

function target(review: Review): string {
  return describeRequest(review.classification);
}

function approvals(review: Review): string {
  return `${countApprovals(review.decisions)}/${Math.max(1, review.settings.approvals)}`;
}

export function renderReviewList(reviews: readonly Review[]): string {
  if (reviews.length === 0) return 'No reviews.\n';
  return table(
    ['ID', 'STATE', 'CREATED', 'AGENT', 'CLUSTER', 'REQUEST', 'RULE', 'APPROVALS'],
    reviews.map((r) => [
      r.id,
      r.state,
      r.createdAt.toISOString(),
      printable(r.agent.name),
      printable(r.cluster),
      printable(target(r)),
      printable(r.rule),
      approvals(r),
    ]),
  );
}

const indent = (text: string): string =>
  text
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');

export function renderReview(review: Review): string {
  const s = review.settings;
  const approvers =
    [...s.approvers.users, ...s.approvers.groups.map((g) => `group ${g}`)].join(', ') || 'none';
  const lines = [
    `Review ${review.id}: ${review.state}`,
    `Agent:       ${review.agent.name}${review.owner ? ` (owner ${review.owner})` : ''}${review.sessionId ? `, session ${review.sessionId}` : ''}`,
    `Cluster:     ${review.cluster}`,
    `Request:     ${target(review)}${review.classification.dryRun ? ' (dry run)' : ''}`,
    `Rule:        ${review.rule}: ${approvals(review)} approvals; approvers ${approvers}`,
    ...(review.reason ? [`Reason:      ${review.reason}`] : []),
    `Created:     ${review.createdAt.toISOString()}`,
    `Expires:     ${review.expiresAt.toISOString()}`,
    `Fingerprint: ${review.fingerprint}`,
    ...(review.pin
      ? [
          `Pinned to:   ${[review.pin.resourceVersion && `resourceVersion ${review.pin.resourceVersion}`, review.pin.uid && `uid ${review.pin.uid}`].filter(Boolean).join(', ')}`,
        ]
      : []),
    ...(review.outcome
      ? [
          `Outcome:     HTTP ${review.outcome.status}${review.outcome.message ? `: ${review.outcome.message}` : ''}${review.outcome.resourceVersion ? ` (resourceVersion ${review.outcome.resourceVersion})` : ''}`,
        ]
      : []),
    ...(review.notification?.channel ? [`Slack:       channel ${review.notification.channel}`] : []),
  ];
  const decisions = review.decisions.map(
    (d) =>
      `  ${d.decision} by ${d.approver.name} via ${d.approver.via}${d.breakGlass ? ' (break-glass)' : ''}${d.approver.verified ? '' : ' (not in people)'} at ${d.at.toISOString()}` +
      `${d.grantSeconds ? `, grant ${d.grantSeconds} s (${d.grantScope === 'any-name' ? 'any name' : 'this object only'})` : ''}${d.reason ? `: ${d.reason}` : ''}`,
  );
  const sections = [
    lines.join('\n'),
    ['Decisions:', ...(decisions.length ? decisions : ['  none yet'])].join('\n'),
    `Request as stored (redacted):\n${indent(review.redactedRequest)}`,
    ...(review.preview === undefined ? [] : [`Preview:\n${indent(toYaml(review.preview).trimEnd())}`]),
  ];
  return printable(sections.join('\n\n')) + '\n';
}

function grantState(grant: Grant, now: Date): string {
  if (grant.revokedAt) return `revoked by ${grant.revokedBy ?? '?'}`;
  return grant.expiresAt.getTime() <= now.getTime() ? 'expired' : 'active';
}

export function renderGrantList(grants: readonly Grant[], now: Date): string {
  if (grants.length === 0) return 'No grants.\n';
  return table(
    [
      'ID',
      'STATE',
      'AGENT',
      'CLUSTER',
      'RULE',
      'VERB',
      'RESOURCE',
      'NAMESPACE',
      'NAME',
      'EXPIRES',
      'GRANTED BY',
      'REVIEW',
    ],
    grants
      .map((g) => [
        g.id,
        grantState(g, now),
        g.agent.name,
        g.cluster,
        g.rule,
        g.verb,
        [g.resource, g.subresource].filter(Boolean).join('/') + (g.apiGroup ? `.${g.apiGroup}` : ''),
        g.namespace || '(cluster)',
        g.name ?? '(any)',
        g.expiresAt.toISOString(),
        g.grantedBy.join(', '),
        g.reviewId,
      ])
      .map((row) => row.map(printable)),
  );
}

type GrantTarget = Pick<Grant, 'verb' | 'apiGroup' | 'resource' | 'subresource' | 'namespace' | 'name'>;

/**
 * What a grant covers, in words shared by the card, the thread and the terminal:
 * `delete deployments.apps "web" in prod`, or `delete any deployments.apps in prod` when no name binds it.
 */
export function describeGrant(target: GrantTarget): string {
  const kind = `${target.resource}${target.subresource ? `/${target.subresource}` : ''}${target.apiGroup ? `.${target.apiGroup}` : ''}`;
  const what = target.name ? `${kind} "${target.name}"` : `any ${kind}`;
  return `${target.verb} ${what} ${target.namespace ? `in ${target.namespace}` : 'cluster-wide'}`;
}
