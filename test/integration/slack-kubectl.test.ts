/**
 * End to end: real kubectl waits on Airlock while an on-call engineer decides in Slack (signed requests to
 * Airlock's web listener; the Web API mocked by nock in this process).
 */
import type { ChildProcess } from 'node:child_process';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS, CALLBACK_IDS, DENY_INPUT } from '../../src/slack/ids.js';
import { TEST_STORES } from '../support/postgres.js';
import { startHarness, type Harness } from '../support/airlock-harness.js';
import { type FakeSlack, SLACK_API_URL, startFakeSlack } from '../support/slack/fake-slack.js';
import { blockAction, postInteraction, SIGNING_SECRET, viewSubmission } from '../support/slack/signed.js';
import { ALICE, BOB, CHANNEL, DIRECTORY, eventually } from '../support/slack/slack-env.js';

describe.each(TEST_STORES)('Slack with real kubectl (%s store)', (store) => {
  let harness: Harness;
  let slack: FakeSlack;

  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    slack = startFakeSlack(DIRECTORY);
    harness = await startHarness({
      store,
      config: {
        slack: {
          botToken: { value: 'xoxb-test' },
          signingSecret: { value: SIGNING_SECRET },
          apiUrl: SLACK_API_URL,
          channel: CHANNEL,
          approvers: ['U0ALICE', 'S0ONCALL'],
        },
      },
    });
  });

  afterAll(async () => {
    await harness?.close();
    slack?.close();
    nock.enableNetConnect();
  });

  /** The newest card posted for a secret (named in the request body it shows) and the review id its Approve button carries. */
  async function cardFor(secret: string): Promise<{ channel: string; ts: string; reviewId: string }> {
    const post = await eventually(
      () =>
        slack
          .callsTo('chat.postMessage')
          .filter((c) => !c.args.thread_ts && JSON.stringify(c.args.blocks ?? '').includes(secret))
          .at(-1),
      `the card for secret ${secret}`,
      20_000,
    );
    const posted = await eventually(
      () =>
        harness.airlock.reviews
          .list({})
          .then((all) => all.find((r) => r.redactedRequest.includes(secret) && r.notification?.ts)),
      'the stored card location',
    );
    const buttons = (
      post.args.blocks as { type: string; elements?: { action_id?: string; value?: string }[] }[]
    ).find((b) => b.type === 'actions');
    const reviewId = buttons?.elements?.find((e) => e.action_id === ACTION_IDS.approve)?.value ?? '';
    expect(reviewId).toBe(posted.id);
    return { channel: posted.notification!.channel!, ts: posted.notification!.ts!, reviewId };
  }

  /** `kubectl apply` of a Secret (a write the default policy reviews), started in the background. */
  async function applySecret(name: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const child = await harness.spawnKubectl(['apply', '-f', '-']);
    child.stdin?.end(
      `apiVersion: v1\nkind: Secret\nmetadata: {name: ${name}, namespace: default}\nstringData: {k: v}\n`,
    );
    return finished(child);
  }

  function finished(child: ChildProcess): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve) =>
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr })),
    );
  }

  describe('Slack approvals with real kubectl', () => {
    it('approve while kubectl waits: kubectl completes, the card updates, the thread gets the result', async () => {
      const kubectl = applySecret('approved-one');
      const card = await cardFor('approved-one');
      const click = await postInteraction(
        harness.airlock.webUrl,
        blockAction(ALICE, card, { type: 'button', action_id: ACTION_IDS.approve, value: card.reviewId }),
      );
      expect(click.status).toBe(200);
      const result = await kubectl;
      expect(result.stdout).toContain('secret/approved-one created');
      await eventually(
        () =>
          slack
            .callsTo('chat.update')
            .find((c) => c.args.ts === card.ts && String(c.args.text).startsWith('Approved and applied')),
        'the final card',
        10_000,
      );
      const reply = await eventually(
        () =>
          slack
            .callsTo('chat.postMessage')
            .find((c) => c.args.thread_ts === card.ts && String(c.args.text).includes('HTTP 201')),
        'the result in the thread',
        10_000,
      );
      expect(String(reply.args.text)).toMatch(/resourceVersion `\d+`/);
    }, 60_000);

    it('deny via the modal: kubectl prints the reviewer’s reason', async () => {
      const kubectl = applySecret('denied-one');
      const card = await cardFor('denied-one');
      await postInteraction(
        harness.airlock.webUrl,
        blockAction(BOB, card, { type: 'button', action_id: ACTION_IDS.deny, value: card.reviewId }),
      );
      await postInteraction(
        harness.airlock.webUrl,
        viewSubmission(BOB, {
          callbackId: CALLBACK_IDS.denyReason,
          privateMetadata: card.reviewId,
          values: {
            [DENY_INPUT.reasonBlock]: {
              [DENY_INPUT.reasonAction]: {
                type: 'plain_text_input',
                value: 'Use the vault operator instead.',
              },
            },
          },
        }),
      );
      const result = await kubectl;
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('Use the vault operator instead. Do not retry');
      expect(result.stderr).not.toContain('instead..');
      // A create names its object in the body: the refusal names it too.
      expect(result.stderr).toContain('secrets "denied-one" in namespace "default" is forbidden');
      expect(result.stderr).toContain('Bob');
    }, 60_000);
  });
});
