import { describe, expect, it } from 'vitest';
import { describeRequest } from '../../../src/kube/describe.js';
import { formatOffset } from '../../../src/recording/describe.js';
import {
  renderReplayStep,
  renderSessionList,
  renderSessionSummary,
} from '../../../src/recording/render-text.js';
import { MAX_REPLAY_GAP_MS, replayDelayMs } from '../../../src/recording/replay.js';
import type { RecordedEvent, SessionSummary } from '../../../src/recording/types.js';

const start = new Date('2026-11-28T10:00:00.000Z');

const session: SessionSummary = {
  id: 'abc123',
  label: 'incident-42',
  agent: 'ci-bot',
  owner: 'alice@example.com',
  tokenId: 'tok-1',
  cluster: 'prod',
  startedAt: start,
  lastActivity: new Date('2026-11-28T10:05:30.000Z'),
  counts: { allowed: 3, reviewed: 1, denied: 2, failed: 1 },
  events: 6,
};

function event(overrides: Partial<RecordedEvent> = {}): RecordedEvent {
  return {
    seq: 7,
    id: 'evt-7',
    sessionId: 'abc123',
    time: new Date('2026-11-28T10:01:04.250Z'),
    agent: 'ci-bot',
    cluster: 'prod',
    requestId: 'req-7',
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
    reviewId: 'rev-9',
    status: 200,
    latencyMs: 84,
    bytesIn: 120,
    bytesOut: 2048,
    recordingLevel: 'request-response',
    requestBody: '{"propagationPolicy":"Foreground"}',
    responseBody: '{"kind":"Status","status":"Success"}',
    ...overrides,
  };
}

describe('formatOffset', () => {
  it.each([
    [0, '+0:00.000'],
    [64_250, '+1:04.250'],
    [3_725_001, '+1:02:05.001'],
  ])('%i ms → %s', (ms, text) => {
    expect(formatOffset(ms)).toBe(text);
  });
});

describe('describeRequest', () => {
  it('names group, subresource, namespace and name', () => {
    expect(describeRequest(event())).toBe('delete deployments.apps prod/web');
    expect(describeRequest(event({ verb: 'get', apiGroup: '', resource: 'pods', subresource: 'exec' }))).toBe(
      'get pods/exec prod/web',
    );
  });

  it('says a namespace’s name once and falls back to the path for non-resource requests', () => {
    expect(
      describeRequest(
        event({
          verb: 'delete',
          apiGroup: '',
          resource: 'namespaces',
          namespace: 'prod-eu',
          name: 'prod-eu',
        }),
      ),
    ).toBe('delete namespaces prod-eu');
    expect(describeRequest(event({ verb: 'get', resource: '', path: '/version' }))).toBe('get /version');
  });
});

describe('renderReplayStep', () => {
  it('shows offset, request line, decision with rule and review, status, kubectl and pretty bodies', () => {
    const text = renderReplayStep(event(), 2, 6, start);
    expect(text).toContain('step 3/6 · +1:04.250 · 2026-11-28 10:01:04Z');
    expect(text).toContain('DELETE /apis/apps/v1/namespaces/prod/deployments/web\n');
    expect(text).toContain('decision: reviewed by rule "prod-deletes" (review rev-9)');
    expect(text).toContain('status:   200 in 84 ms, 120 B in / 2.0 KiB out');
    expect(text).toContain('kubectl:  kubectl delete deployment web -n prod');
    expect(text).toContain('request body:\n  {\n    "propagationPolicy": "Foreground"\n  }');
    expect(text).toContain('response body:\n  {\n    "kind": "Status",');
  });

  it('says when the recording level left bodies out, and shows truncated bodies as stored', () => {
    const metadataOnly = renderReplayStep(
      event({ recordingLevel: 'metadata', requestBody: undefined, responseBody: undefined }),
      0,
      1,
      start,
    );
    expect(metadataOnly).toContain('request body: not recorded at level metadata');
    expect(metadataOnly).toContain('response body: not recorded at level metadata');

    const truncated = '{"items":[1,2\n…[truncated by airlock: 9000 bytes, first 12 kept]';
    expect(renderReplayStep(event({ responseBody: truncated }), 0, 1, start)).toContain(
      `response body:\n  {"items":[1,2\n  …[truncated by airlock: 9000 bytes, first 12 kept]`,
    );
  });

  it('omits the kubectl line when there is no equivalent, and shows summaries', () => {
    const text = renderReplayStep(
      event({
        subresource: 'proxy',
        verb: 'get',
        resource: 'services',
        apiGroup: '',
        summary: { error: 'upstream reset' },
      }),
      0,
      1,
      start,
    );
    expect(text).not.toContain('kubectl:');
    expect(text).toContain('summary:  {"error":"upstream reset"}');
  });
});

describe('renderSessionList', () => {
  it('prints one aligned row per session with its counts and duration', () => {
    const lines = renderSessionList([
      session,
      { ...session, id: 'def456', owner: undefined, agent: 'deploy-agent' },
    ]).split('\n');
    expect(lines[0]).toMatch(
      /^SESSION\s+AGENT\s+OWNER\s+CLUSTER\s+STARTED\s+DURATION\s+EVENTS\s+ALLOWED\s+REVIEWED\s+DENIED\s+FAILED$/,
    );
    expect(lines[1]).toMatch(
      /^abc123\s+ci-bot\s+alice@example.com\s+prod\s+2026-11-28 10:00:00Z\s+5m30s\s+6\s+3\s+1\s+2\s+1$/,
    );
    expect(lines[2]).toMatch(/^def456\s+deploy-agent\s+-\s+prod/);
    // Columns line up: every row starts its AGENT cell at the same position.
    expect(lines[1]?.indexOf('ci-bot')).toBe(lines[0]?.indexOf('AGENT'));
  });

  it('says so when nothing matches', () => {
    expect(renderSessionList([])).toBe('No sessions match.\n');
  });
});

describe('renderSessionSummary', () => {
  it('shows the header and one step per event with offset, target, decision and status', () => {
    const text = renderSessionSummary(session, [
      event(),
      event({
        seq: 8,
        time: new Date('2026-11-28T10:05:30Z'),
        decision: 'deny',
        rule: 'no-exec',
        status: 403,
        verb: 'create',
        resource: 'pods',
        apiGroup: '',
        subresource: 'exec',
      }),
    ]);
    expect(text).toContain('Session abc123 "incident-42"');
    expect(text).toContain('agent:    ci-bot (owner alice@example.com)');
    expect(text).toContain('events:   6 (allowed 3, reviewed 1, denied 2, failed 1)');
    expect(text).toMatch(
      /1\s+\+1:04\.250\s+delete deployments\.apps prod\/web\s+review \(prod-deletes\)\s+200/,
    );
    expect(text).toMatch(/2\s+\+5:30\.000\s+create pods\/exec prod\/web\s+deny \(no-exec\)\s+403/);
  });
});

describe('replayDelayMs', () => {
  const at = (ms: number) => new Date(start.getTime() + ms);

  it('scales the real gap by the speed', () => {
    expect(replayDelayMs(at(0), at(1000), 1)).toBe(1000);
    expect(replayDelayMs(at(0), at(1000), 4)).toBe(250);
  });

  it('caps idle gaps and never waits at speed 0', () => {
    expect(replayDelayMs(at(0), at(3_600_000), 1)).toBe(MAX_REPLAY_GAP_MS);
    expect(replayDelayMs(at(0), at(1000), 0)).toBe(0);
  });
});
