/** The `/agent-sessions` messages are pure functions of stored data: snapshots, limits, and inert agent text. */
import { describe, expect, it } from 'vitest';
import type { RecordedEvent, SessionSummary } from '../../../../src/recording/types.js';
import { sessionListMessage } from '../../../../src/slack/sessions/blocks/list.js';
import { helpMessage, pendingReviewsMessage } from '../../../../src/slack/sessions/blocks/messages.js';
import { jumpTargets, replayStepMessage } from '../../../../src/slack/sessions/blocks/replay.js';
import { sessionStepsMessage } from '../../../../src/slack/sessions/blocks/steps.js';
import { decodeView } from '../../../../src/slack/sessions/state.js';
import { blockKitViolations, outsideCode } from '../../../support/slack/block-kit-limits.js';
import { HOSTILE_TEXT, scaleToZero, storedReview } from '../../../support/slack/reviews.js';

const START = new Date('2026-11-28T10:00:00Z');
const ID = '0123456789abcdef01234567';

function session(overrides: Partial<SessionSummary> = {}): SessionSummary {
  return {
    id: ID,
    agent: 'ci-bot',
    owner: 'dave@example.com',
    tokenId: 'tok-1',
    cluster: 'prod-eu',
    startedAt: START,
    lastActivity: new Date(START.getTime() + 125_000),
    counts: { allowed: 1, reviewed: 1, denied: 1, failed: 0 },
    events: 3,
    ...overrides,
  };
}

function event(overrides: Partial<RecordedEvent> = {}): RecordedEvent {
  return {
    seq: 1,
    id: 'ev-1',
    sessionId: ID,
    time: new Date(START.getTime() + 1_250),
    agent: 'ci-bot',
    cluster: 'prod-eu',
    requestId: 'req-1',
    method: 'DELETE',
    path: '/apis/apps/v1/namespaces/prod/deployments/web',
    query: '',
    verb: 'delete',
    apiGroup: 'apps',
    resource: 'deployments',
    subresource: '',
    namespace: 'prod',
    name: 'web',
    dryRun: false,
    rule: 'prod-deletes',
    decision: 'review',
    reviewId: 'rv-0123456789abcdef',
    status: 200,
    latencyMs: 40,
    bytesIn: 0,
    bytesOut: 120,
    recordingLevel: 'request-response',
    responseBody: '{"kind":"Status","status":"Success"}',
    ...overrides,
  };
}

const approved = storedReview({
  state: 'executed',
  preview: scaleToZero,
  notification: { channel: 'C0ONCALL', ts: '1700000001.000100' },
  decisions: [
    {
      approver: { id: 'U0ALICE', name: 'Alice', via: 'slack', verified: true },
      decision: 'approve',
      reason: 'incident 42',
      breakGlass: false,
      at: new Date('2026-11-28T10:00:01Z'),
    },
  ],
});

describe('session list', () => {
  it('renders a page with Show buttons and paging', () => {
    const message = sessionListMessage(
      { sessions: [session()], hasMore: true, filter: { agent: 'ci-bot', status: 'denied' }, offset: 10 },
      { recent: false },
    );
    expect(message).toMatchSnapshot();
    expect(blockKitViolations(message.blocks)).toEqual([]);
  });

  it('keeps agent-controlled names inert', () => {
    const hostile = session({
      agent: HOSTILE_TEXT,
      owner: HOSTILE_TEXT,
      cluster: HOSTILE_TEXT,
      label: HOSTILE_TEXT,
    });
    const text = JSON.stringify(
      sessionListMessage({ sessions: [hostile], hasMore: false, filter: {}, offset: 0 }, { recent: true })
        .blocks,
    );
    expect(outsideCode(text)).not.toMatch(/<!channel>|<https:/);
  });
});

describe('session steps', () => {
  it('renders the summary and steps with reviewer, Prev/Next, Replay and transcript buttons', () => {
    const discovery = (index: number, path: string, status: number) => ({
      index,
      event: event({
        decision: 'allow',
        reviewId: undefined,
        rule: 'discovery',
        verb: 'get',
        method: 'GET',
        path,
        apiGroup: '',
        resource: '',
        namespace: '',
        name: '',
        status,
      }),
    });
    const steps = [
      discovery(20, '/version', 200),
      discovery(21, '/api', 200),
      discovery(22, '/openapi/v2', 404),
      {
        index: 23,
        event: event({ decision: 'allow', reviewId: undefined, rule: 'reads', verb: 'get', method: 'GET' }),
      },
      // The hold ended while the review waited; Alice approved later: this step must not say so.
      {
        index: 24,
        event: event({ status: 504, summary: { review: { state: 'waiting' } } }),
        review: approved,
      },
      {
        index: 25,
        event: event({ summary: { review: { state: 'approved', by: ['Alice'] } } }),
        review: approved,
      },
      {
        index: 26,
        event: event({ status: 403, summary: { review: { state: 'denied', by: 'Bob', reason: 'not now' } } }),
      },
      { index: 27, event: event({ decision: 'deny', rule: 'no-exec', status: 403, reviewId: undefined }) },
    ];
    const message = sessionStepsMessage({ session: session({ events: 60 }), steps, offset: 20, total: 60 });
    expect(message).toMatchSnapshot();
    expect(blockKitViolations(message.blocks)).toEqual([]);
    const lines = JSON.stringify(message.blocks).split('\\n');
    expect(lines.filter((l) => l.includes('kubectl discovery'))).toEqual([
      expect.stringContaining(
        '`#21–#23` +0:01.250 · 🔎 kubectl discovery ×3 (version, API groups, OpenAPI) · 200, 404',
      ),
    ]);
    expect(lines.find((l) => l.includes('`#25`'))).toMatch(/⏳ .* · waiting for a decision · 504/);
    expect(lines.find((l) => l.includes('`#25`'))).not.toContain('Alice');
    expect(lines.find((l) => l.includes('`#26`'))).toContain('approved by Alice · 200');
    expect(lines.find((l) => l.includes('`#27`'))).toMatch(/⛔ .* · denied by Bob · 403/);
  });

  it('stays within limits for a full page of long targets', () => {
    const steps = Array.from({ length: 20 }, (_, i) => ({
      index: i,
      event: event({ name: 'n'.repeat(250), rule: 'r'.repeat(250) }),
    }));
    const message = sessionStepsMessage({
      session: session({ events: 1000 }),
      steps,
      offset: 0,
      total: 1000,
    });
    expect(blockKitViolations(message.blocks)).toEqual([]);
  });
});

describe('replay step', () => {
  it('renders the request, decision, review with card link, kubectl, diff and response, with navigation', () => {
    const message = replayStepMessage(
      { session: session(), step: { index: 1, event: event(), review: approved }, total: 3 },
      { workspaceDomain: 'home' },
    );
    expect(message).toMatchSnapshot();
    expect(blockKitViolations(message.blocks)).toEqual([]);
  });

  it('cuts huge bodies to fit and offers a bounded jump menu', () => {
    const huge = JSON.stringify({ items: Array.from({ length: 3000 }, (_, i) => ({ name: `pod-${i}` })) });
    const message = replayStepMessage(
      {
        session: session({ events: 5000 }),
        step: { index: 4321, event: event({ requestBody: huge, responseBody: huge, reviewId: undefined }) },
        total: 5000,
      },
      { workspaceDomain: 'home' },
    );
    expect(blockKitViolations(message.blocks)).toEqual([]);
    expect(JSON.stringify(message.blocks)).toContain('more lines: the transcript has all of it');
  });

  it('jumps to every step of short sessions and to evenly spaced ones (first and last included) of long ones', () => {
    expect(jumpTargets(3)).toEqual([0, 1, 2]);
    const long = jumpTargets(1000);
    expect(long).toHaveLength(100);
    expect([long[0], long.at(-1)]).toEqual([0, 999]);
    expect(new Set(long).size).toBe(100);
  });

  it('links no card when the workspace domain or card location is not plausible', () => {
    const message = replayStepMessage(
      { session: session(), step: { index: 0, event: event(), review: approved }, total: 1 },
      { workspaceDomain: 'evil.example/x?' },
    );
    expect(JSON.stringify(message.blocks)).not.toContain('approval card>');
    const buttons = message.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : []));
    expect(buttons.map((b) => ('value' in b && b.value ? decodeView(b.value)?.view : undefined))).toContain(
      'steps',
    );
  });
});

describe('short messages', () => {
  it('renders pending reviews with card links, and help', () => {
    const pending = storedReview({ notification: { channel: 'C0ONCALL', ts: '1700000002.000200' } });
    expect(pendingReviewsMessage([pending, storedReview({ id: 'rv-2' })], 'home')).toMatchSnapshot();
    expect(helpMessage('`x` is not a subcommand')).toMatchSnapshot();
  });
});
