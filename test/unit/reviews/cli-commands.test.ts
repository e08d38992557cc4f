import { Writable } from 'node:stream';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as grantsCommands from '../../../src/cli/commands/grants.js';
import * as reviewsCommands from '../../../src/cli/commands/reviews.js';
import type { Database } from '../../../src/db/database.js';
import { createReviewEngine, type ReviewEngine } from '../../../src/reviews/engine.js';
import { PeopleDirectory, personApprover } from '../../../src/reviews/people.js';
import {
  type TestDatabase,
  createTestDatabase,
  never,
  parkInput,
  reviewSettings,
} from '../../integration/reviews-engine.fixtures.js';

/** The configured directory: alice is also U0ALICE in Slack; erin is an approver only through group sre. */
const people = new PeopleDirectory([
  { id: 'alice', email: 'alice@example.com', slack: 'U0ALICE', groups: [] },
  { id: 'bob', groups: [] },
  { id: 'erin', groups: ['sre'] },
  { id: 'mallory', groups: [] },
]);

describe('airlock reviews / grants commands', () => {
  let database: TestDatabase;
  let db: Database;
  let engine: ReviewEngine;
  let reviewId: string;

  beforeEach(async () => {
    database = await createTestDatabase('sqlite');
    db = await database.connect();
    engine = createReviewEngine(db, {
      notify: () => undefined,
      now: () => new Date(),
      preview: async () => ({ preview: { changes: ['spec.replicas: 3 → 0'] } }),
    });
    const parked = await engine.park(
      parkInput({
        settings: reviewSettings({ holdSeconds: 0.01, maxGrantSeconds: 1800 }),
        reason: 'cleanup\u001b[2J now',
      }),
      never(),
    );
    reviewId = parked.review.id;
  });

  afterEach(() => database.close());

  async function run(...args: string[]): Promise<string> {
    let output = '';
    const stdout = new Writable({
      write(chunk: Buffer, _encoding, done) {
        output += chunk.toString();
        done();
      },
    });
    const program = new Command('airlock').exitOverride().configureOutput({ writeErr: () => undefined });
    const ctx = { database: async () => db, people: () => people, sealKey: () => undefined, stdout };
    reviewsCommands.register(program, ctx);
    grantsCommands.register(program, ctx);
    await program.parseAsync(args, { from: 'user' });
    return output;
  }

  it('lists reviews as a table and as JSON', async () => {
    expect(await run('reviews', 'list', '--state', 'pending')).toMatch(
      new RegExp(
        `^ID +STATE .*\\n${reviewId} +pending .*ci-bot +main +delete deployments\\.apps prod/web +prod-deletes +0/1\\n$`,
      ),
    );
    expect(await run('reviews', 'list', '--state', 'denied')).toBe('No reviews.\n');
    const listed = JSON.parse(await run('reviews', 'list', '--json')) as { id: string }[];
    expect(listed.map((r) => r.id)).toEqual([reviewId]);
    await expect(run('reviews', 'list', '--state', 'bogus')).rejects.toThrow(/Allowed choices/);
  });

  it('shows a review with its redacted request and preview, with agent text made inert', async () => {
    const shown = await run('reviews', 'show', reviewId);
    expect(shown).toContain(`Review ${reviewId}: pending`);
    expect(shown).toContain('Reason:      cleanup\\u001b[2J now');
    expect(shown).not.toContain('\u001b');
    expect(shown).toContain(
      '  DELETE /apis/apps/v1/namespaces/prod/deployments/web\n  Content-Type: application/json\n\n  {"propagationPolicy":"Background"}',
    );
    expect(shown).toContain('Preview:\n  changes:\n    - "spec.replicas: 3 → 0"');
    await expect(run('reviews', 'show', 'rv-nope')).rejects.toThrow(/no review "rv-nope"/);
  });

  it('approves with a grant, then lists and revokes the grant', async () => {
    const approved = await run(
      'reviews',
      'approve',
      reviewId,
      '--as',
      'alice',
      '--for',
      '15m',
      '--reason',
      'ok',
    );
    expect(approved).toMatch(
      new RegExp(
        `^Review ${reviewId}: approved\\.\\nGrant (gr-[0-9a-f]+): ci-bot may delete deployments\\.apps "web" in prod on main \\(rule prod-deletes\\) until `,
      ),
    );
    const grantId = /Grant (gr-[0-9a-f]+)/.exec(approved)?.[1] ?? '';
    expect((await engine.get(reviewId))?.decisions).toMatchObject([
      { approver: { name: 'alice', via: 'terminal' }, reason: 'ok', grantSeconds: 900 },
    ]);

    expect(await run('grants', 'list', '--active')).toContain(`${grantId}  active  ci-bot`);
    expect(await run('grants', 'revoke', grantId, '--as', 'bob')).toBe(`Grant ${grantId}: revoked by bob.\n`);
    expect(await run('grants', 'list', '--active')).toBe('No grants.\n');
    await expect(run('grants', 'revoke', grantId, '--as', 'bob')).rejects.toThrow(/no active grant/);
  });

  it('explains refusals and fails', async () => {
    await expect(run('reviews', 'approve', reviewId, '--as', 'mallory')).rejects.toThrow(
      /mallory is not an approver for rule prod-deletes .*\(not-eligible\)/,
    );
    // The refusal names what would make the person eligible, and where their groups come from.
    await expect(run('reviews', 'approve', reviewId, '--as', 'mallory')).rejects.toThrow(
      /They are in groups: .* \(their groups come from their entry in the configuration `people`\)\. To make them eligible, list one of their ids in the rule’s `review\.approvers\.users`/,
    );
    await expect(
      run('reviews', 'approve', reviewId, '--as', 'dave@example.com', '--break-glass'),
    ).rejects.toThrow(/owner-self-approval/);
    await expect(run('reviews', 'approve', reviewId, '--as', 'alice', '--for', '1h')).rejects.toThrow(
      /grant-too-long/,
    );
    await expect(run('reviews', 'approve', reviewId, '--as', 'alice', '--for', 'soon')).rejects.toThrow(
      /not a duration/,
    );
    await expect(run('reviews', 'deny', reviewId, '--as', 'alice')).rejects.toThrow(/--reason/);
    expect((await engine.get(reviewId))?.state).toBe('pending');
  });

  it('denies with a reason, break-glass approves for non-approvers, and cancels', async () => {
    expect(await run('reviews', 'deny', reviewId, '--as', 'bob', '--reason', 'use scale')).toBe(
      `Review ${reviewId}: denied.\n`,
    );
    const other = await engine.park(
      parkInput({ settings: reviewSettings({ holdSeconds: 0.01 }), body: Buffer.from('{}') }),
      never(),
    );
    expect(await run('reviews', 'approve', other.review.id, '--as', 'oncall', '--break-glass')).toBe(
      `Review ${other.review.id}: approved.\n`,
    );
    expect(await run('reviews', 'show', other.review.id)).toContain(
      'approve by oncall via terminal (break-glass) (not in people)',
    );

    const third = await engine.park(
      parkInput({ settings: reviewSettings({ holdSeconds: 0.01 }), body: Buffer.from('{"a":1}') }),
      never(),
    );
    expect(await run('reviews', 'cancel', third.review.id, '--as', 'alice')).toBe(
      `Review ${third.review.id}: cancelled.\n`,
    );
    await expect(run('reviews', 'cancel', third.review.id, '--as', 'alice')).rejects.toThrow(
      /already cancelled/,
    );
  });

  describe('one person, one identity (issue 11)', () => {
    let twoPeople: string;
    beforeEach(async () => {
      const parked = await engine.park(
        parkInput({ settings: reviewSettings({ holdSeconds: 0.01, approvals: 2 }), body: Buffer.from('{}') }),
        never(),
      );
      twoPeople = parked.review.id;
    });

    it('counts alice once, whether she types her id, her email or her Slack user id, or clicks in Slack', async () => {
      expect(await run('reviews', 'approve', twoPeople, '--as', 'alice')).toContain('1 of 2 approvals');
      for (const alias of ['alice@example.com', 'U0ALICE', 'ALICE']) {
        await expect(run('reviews', 'approve', twoPeople, '--as', alias)).rejects.toThrow(/already-voted/);
      }
      const fromSlack = await engine.decide(
        twoPeople,
        { ...personApprover(people.find('U0ALICE')!, 'slack'), name: 'Alice (Slack)' },
        { decision: 'approve' },
      );
      expect(fromSlack).toMatchObject({ ok: false, refusal: { code: 'already-voted' } });
      expect((await engine.get(twoPeople))?.state).toBe('pending');
      expect(await run('reviews', 'approve', twoPeople, '--as', 'bob')).toBe(
        `Review ${twoPeople}: approved.\n`,
      );
    });

    it('lets names outside the directory act only as break-glass, all of them together as one approval', async () => {
      await expect(run('reviews', 'approve', twoPeople, '--as', 'bob@example.com')).rejects.toThrow(
        /not a person in Airlock's directory.*\(unknown-person\)/,
      );
      await run('reviews', 'approve', twoPeople, '--as', 'bob@example.com', '--break-glass');
      expect(await run('reviews', 'approve', twoPeople, '--as', 'U0BOB', '--break-glass')).toContain(
        '1 of 2 approvals',
      );
      expect((await engine.get(twoPeople))?.decisions).toMatchObject([
        { approver: { id: 'bob@example.com', verified: false }, breakGlass: true },
        { approver: { id: 'U0BOB', verified: false }, breakGlass: true },
      ]);
      expect(await run('reviews', 'approve', twoPeople, '--as', 'alice')).toBe(
        `Review ${twoPeople}: approved.\n`,
      );
    });

    it('takes group membership from the directory, never from the command line', async () => {
      await expect(run('reviews', 'approve', twoPeople, '--as', 'mallory', '--group', 'sre')).rejects.toThrow(
        /unknown option '--group'/,
      );
      await expect(run('reviews', 'approve', twoPeople, '--as', 'mallory')).rejects.toThrow(/not-eligible/);
      expect(await run('reviews', 'approve', twoPeople, '--as', 'erin')).toContain('1 of 2 approvals');
    });
  });
});
