import { describe, expect, it } from 'vitest';
import { isEligible, isOwner, refusalFor, tally } from '../../../src/reviews/decision-rules.js';
import type { Approver, Review, ReviewerDecision } from '../../../src/reviews/model.js';
import type { ReviewSettings } from '../../../src/policy/decision.js';

const settings: ReviewSettings = {
  approvers: { users: ['alice', 'U0BOB'], groups: ['S0SRE'] },
  approvals: 2,
  holdSeconds: 25,
  timeoutSeconds: 1800,
  maxGrantSeconds: 900,
  confirm: false,
};
/** A verified person whose only identifier is their id, unless overridden. */
const person = (id: string, overrides: Partial<Approver> = {}): Approver => ({
  id,
  name: id,
  identifiers: [id],
  groups: [],
  via: 'slack',
  verified: true,
  ...overrides,
});
const vote = (
  id: string,
  decision: 'approve' | 'deny',
  grantSeconds?: number,
  verified = true,
): ReviewerDecision => ({
  approver: { id, name: id, via: 'slack', verified },
  decision,
  ...(grantSeconds !== undefined ? { grantSeconds } : {}),
  breakGlass: false,
  at: new Date(0),
});
const review = {
  id: 'rv-1',
  state: 'pending',
  owner: 'dave@example.com',
  agent: { name: 'ci-bot' },
  rule: 'prod',
  settings,
  decisions: [],
} as unknown as Review;

describe('isOwner', () => {
  it('matches any immutable identifier case-insensitively, never the display name', () => {
    const dave = person('U0DAVE', { identifiers: ['U0DAVE', 'dave@example.com'] });
    expect(isOwner('Dave@Example.com', dave)).toBe(true);
    expect(isOwner('dave', person('DAVE'))).toBe(true);
    expect(isOwner('dave@example.com', person('U0ALICE', { name: 'dave@example.com' }))).toBe(false);
    expect(isOwner(undefined, person('alice'))).toBe(false);
    expect(isOwner('', person(''))).toBe(false);
  });
});

describe('isEligible', () => {
  it('accepts listed users by an immutable identifier and members of listed groups', () => {
    expect(isEligible(settings, person('ALICE'))).toBe(true);
    expect(isEligible(settings, person('U0BOB', { name: 'Bob' }))).toBe(true);
    expect(isEligible(settings, person('person-7', { identifiers: ['person-7', 'alice'] }))).toBe(true);
    expect(isEligible(settings, person('erin', { groups: ['S0SRE'] }))).toBe(true);
    expect(isEligible(settings, person('mallory', { groups: ['S0DEV'] }))).toBe(false);
  });

  it('never matches a display name, and never an unverified terminal name', () => {
    expect(isEligible(settings, person('U0MALLORY', { name: 'U0BOB' }))).toBe(false);
    expect(isEligible(settings, person('U0MALLORY', { name: 'alice' }))).toBe(false);
    expect(isEligible(settings, person('alice', { via: 'terminal', verified: false }))).toBe(false);
  });
});

describe('refusalFor', () => {
  it('refuses in order: closed, repeated, missing reason, owner, not eligible, grant too long', () => {
    const cases: [Partial<Review>, Approver, Parameters<typeof refusalFor>[2], string | undefined][] = [
      [{ state: 'approved' }, person('alice'), { decision: 'approve' }, 'already-decided'],
      [
        { decisions: [vote('alice', 'approve')] },
        person('Alice'),
        { decision: 'deny', reason: 'x' },
        'already-voted',
      ],
      [{}, person('alice'), { decision: 'deny' }, 'reason-required'],
      [
        {},
        person('alice', { identifiers: ['alice', 'dave@example.com'] }),
        { decision: 'approve' },
        'owner-self-approval',
      ],
      [
        {},
        person('alice', { identifiers: ['alice', 'dave@example.com'] }),
        { decision: 'deny', reason: 'mine, no' },
        undefined,
      ],
      [{}, person('mallory'), { decision: 'approve' }, 'not-eligible'],
      [{}, person('mallory'), { decision: 'approve', breakGlass: true }, 'not-eligible'],
      [{}, person('mallory', { via: 'terminal' }), { decision: 'approve', breakGlass: true }, undefined],
      [{}, person('alice', { via: 'terminal', verified: false }), { decision: 'approve' }, 'unknown-person'],
      [
        {},
        person('alice', { via: 'terminal', verified: false }),
        { decision: 'approve', breakGlass: true },
        undefined,
      ],
      [{}, person('alice'), { decision: 'approve', grantSeconds: 901 }, 'grant-too-long'],
      [{}, person('alice'), { decision: 'approve', grantSeconds: 0 }, 'grant-too-long'],
      [{}, person('alice'), { decision: 'approve', grantSeconds: 900 }, undefined],
    ];
    for (const [changes, approver, request, code] of cases) {
      expect(
        refusalFor({ ...review, ...changes }, approver, request)?.code,
        JSON.stringify([changes, approver, request]),
      ).toBe(code);
    }
  });
});

describe('tally', () => {
  it('approves with N distinct approvers, denies on any deny', () => {
    expect(tally(settings, [vote('alice', 'approve')])).toEqual({ state: 'pending' });
    expect(tally(settings, [vote('alice', 'approve'), vote('ALICE', 'approve')])).toEqual({
      state: 'pending',
    });
    expect(tally(settings, [vote('alice', 'approve'), vote('bob', 'approve')])).toEqual({
      state: 'approved',
    });
    expect(tally(settings, [vote('alice', 'approve'), vote('bob', 'deny')])).toEqual({ state: 'denied' });
    expect(tally({ ...settings, approvals: 0 }, [vote('alice', 'approve')])).toEqual({ state: 'approved' });
  });

  it('counts unverified (break-glass) names together as one person at most', () => {
    const unverified = [vote('bob', 'approve', undefined, false), vote('U0BOB', 'approve', undefined, false)];
    expect(tally(settings, unverified)).toEqual({ state: 'pending' });
    expect(tally(settings, [...unverified, vote('alice', 'approve')])).toEqual({ state: 'approved' });
  });

  it('grants only when every approval asked for one, for the shortest window', () => {
    expect(tally(settings, [vote('alice', 'approve', 600), vote('bob', 'approve', 300)])).toEqual({
      state: 'approved',
      grantSeconds: 300,
      grantScope: 'name',
    });
    expect(tally(settings, [vote('alice', 'approve', 600), vote('bob', 'approve')])).toEqual({
      state: 'approved',
    });
  });
});
