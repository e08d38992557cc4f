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
const person = (name: string, overrides: Partial<Approver> = {}): Approver => ({
  id: name,
  name,
  groups: [],
  via: 'slack',
  ...overrides,
});
const vote = (id: string, decision: 'approve' | 'deny', grantSeconds?: number): ReviewerDecision => ({
  approver: { id, name: id, via: 'slack' },
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
  it('matches id, name or email case-insensitively', () => {
    expect(isOwner('Dave@Example.com', person('U0DAVE', { email: 'dave@example.com' }))).toBe(true);
    expect(isOwner('dave', person('DAVE'))).toBe(true);
    expect(isOwner('dave@example.com', person('alice', { email: 'alice@example.com' }))).toBe(false);
    expect(isOwner(undefined, person('alice'))).toBe(false);
    expect(isOwner('', person(''))).toBe(false);
  });
});

describe('isEligible', () => {
  it('accepts listed users by id, name or email and members of listed groups', () => {
    expect(isEligible(settings, person('ALICE'))).toBe(true);
    expect(isEligible(settings, person('Bob', { id: 'U0BOB' }))).toBe(true);
    expect(isEligible(settings, person('erin', { groups: ['S0SRE'] }))).toBe(true);
    expect(isEligible(settings, person('mallory', { groups: ['S0DEV'] }))).toBe(false);
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
      [{}, person('alice', { email: 'dave@example.com' }), { decision: 'approve' }, 'owner-self-approval'],
      [
        {},
        person('alice', { email: 'dave@example.com' }),
        { decision: 'deny', reason: 'mine, no' },
        undefined,
      ],
      [{}, person('mallory'), { decision: 'approve' }, 'not-eligible'],
      [{}, person('mallory'), { decision: 'approve', breakGlass: true }, 'not-eligible'],
      [{}, person('mallory', { via: 'terminal' }), { decision: 'approve', breakGlass: true }, undefined],
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

  it('grants only when every approval asked for one, for the shortest window', () => {
    expect(tally(settings, [vote('alice', 'approve', 600), vote('bob', 'approve', 300)])).toEqual({
      state: 'approved',
      grantSeconds: 300,
    });
    expect(tally(settings, [vote('alice', 'approve', 600), vote('bob', 'approve')])).toEqual({
      state: 'approved',
    });
  });
});
