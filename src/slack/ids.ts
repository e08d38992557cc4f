import type { GrantScope } from '../reviews/model.js';

/**
 * Every action_id, callback_id and block_id Airlock's Slack surfaces use: the builders emit them and the
 * listeners match them, so both sides change together.
 */
export const ACTION_IDS = {
  approve: 'airlock.review.approve',
  approveFor: 'airlock.review.approve_for',
  deny: 'airlock.review.deny',
  viewDiff: 'airlock.review.view_diff',
  revokeGrant: 'airlock.grant.revoke',
} as const;

export const CALLBACK_IDS = {
  denyReason: 'airlock.review.deny_reason',
  fullDiff: 'airlock.review.full_diff',
} as const;

/** Input blocks of the deny modal (their values are read back by block_id / action_id). */
export const DENY_INPUT = {
  presetBlock: 'deny_preset',
  presetAction: 'preset',
  reasonBlock: 'deny_reason',
  reasonAction: 'reason',
} as const;

/** Card blocks get a new block_id per review version, as Slack asks of updated messages. */
export function cardBlockId(part: string, version: number): string {
  return `airlock.card.${part}.v${version}`;
}

/**
 * The "Approve for …" menu: each option names the review, the grant length and its scope (this object's name
 * only, or any name). The review id is only a lookup key (identity always comes from the signed payload); the
 * length is checked against the rule by the engine.
 */
export function grantOptionValue(reviewId: string, seconds: number, scope: GrantScope): string {
  return `${reviewId}/${seconds}/${scope === 'any-name' ? 'any' : 'name'}`;
}

export function parseGrantOptionValue(
  value: string,
): { reviewId: string; seconds: number; scope: GrantScope } | undefined {
  // Cards posted before scopes existed say no scope: they get the narrowest.
  const match = /^([\w-]{1,64})\/(\d{1,9})(?:\/(name|any))?$/.exec(value);
  if (!match?.[1] || !match[2]) return undefined;
  return { reviewId: match[1], seconds: Number(match[2]), scope: match[3] === 'any' ? 'any-name' : 'name' };
}

/** The Revoke button under a grant's thread reply: the review (for who may act) and the grant, lookup keys only. */
export function revokeGrantValue(reviewId: string, grantId: string): string {
  return `${reviewId}/${grantId}`;
}

export function parseRevokeGrantValue(value: string): { reviewId: string; grantId: string } | undefined {
  const match = /^([\w-]{1,64})\/([\w-]{1,64})$/.exec(value);
  return match?.[1] && match[2] ? { reviewId: match[1], grantId: match[2] } : undefined;
}
