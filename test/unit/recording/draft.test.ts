import { describe, expect, it } from 'vitest';
import { captureBody, effectiveLevel } from '../../../src/recording/capture.js';
import { sessionIdFor, toEventDraft } from '../../../src/recording/draft.js';
import { agent, decision, recordInput, request } from './fixtures.js';

describe('effectiveLevel', () => {
  it('keeps every level but none as configured', () => {
    expect(effectiveLevel('metadata', { action: 'allow', failed: false })).toBe('metadata');
    expect(effectiveLevel('request-response', { action: 'deny', failed: false })).toBe('request-response');
  });

  it('lets none silence only allowed requests that succeeded', () => {
    expect(effectiveLevel('none', { action: 'allow', failed: false })).toBeUndefined();
    expect(effectiveLevel('none', { action: 'allow', failed: true })).toBe('metadata');
    expect(effectiveLevel('none', { action: 'deny', failed: false })).toBe('metadata');
    expect(effectiveLevel('none', { action: 'review', failed: false })).toBe('metadata');
  });
});

describe('captureBody', () => {
  it('stores strings as they are and other values as JSON', () => {
    expect(captureBody('plain log line', 100)).toBe('plain log line');
    expect(captureBody({ a: 1 }, 100)).toBe('{"a":1}');
    expect(captureBody(undefined, 100)).toBeNull();
  });

  it('cuts at the cap and says how much was cut', () => {
    const stored = captureBody('x'.repeat(100), 10);
    expect(stored).toBe(`${'x'.repeat(10)}\n…[truncated by airlock: 100 bytes, first 10 kept]`);
  });

  it('never splits a multi-byte character', () => {
    // 'é' is two bytes in UTF-8: a 5-byte cap falls inside the third one.
    const stored = captureBody('ééééé', 5) ?? '';
    expect(stored.startsWith('éé\n')).toBe(true);
    expect(stored).toContain('10 bytes, first 4 kept');
  });

  it('records why a body could not be serialised instead of throwing', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(captureBody(cyclic, 100)).toMatch(/^\[body not recordable: /);
  });
});

describe('sessionIdFor', () => {
  const base = { agent: agent(), cluster: 'prod' };

  it('groups by credential and cluster when no session name is sent', () => {
    expect(sessionIdFor(base)).toBe(sessionIdFor({ ...base }));
    expect(sessionIdFor(base)).not.toBe(sessionIdFor({ ...base, agent: agent({ tokenId: 'tok-2' }) }));
    expect(sessionIdFor(base)).not.toBe(sessionIdFor({ ...base, cluster: 'staging' }));
  });

  it('lets one agent continue a named session across tokens', () => {
    const named = { ...base, sessionHint: 'incident-42' };
    expect(sessionIdFor(named)).toBe(sessionIdFor({ ...named, agent: agent({ tokenId: 'tok-2' }) }));
  });

  it('keeps two agents apart even when they send the same session name', () => {
    const named = { ...base, sessionHint: 'incident-42' };
    expect(sessionIdFor(named)).not.toBe(sessionIdFor({ ...named, agent: agent({ subject: 'other-bot' }) }));
  });
});

describe('toEventDraft', () => {
  const opts = { maxBodyBytes: 1024 };

  it.each([
    ['metadata', false, false],
    ['request', true, false],
    ['request-response', true, true],
  ] as const)(
    'at level %s stores request body: %s, response body: %s',
    (level, withRequest, withResponse) => {
      const draft = toEventDraft(
        recordInput({ decision: decision('allow', level), requestBody: { spec: {} }, responseBody: 'ok' }),
        opts,
      );
      expect(draft?.content.recording_level).toBe(level);
      expect(draft?.content.request_body).toBe(withRequest ? '{"spec":{}}' : null);
      expect(draft?.content.response_body).toBe(withResponse ? 'ok' : null);
    },
  );

  it('records no event for an allowed, successful request under level none', () => {
    expect(toEventDraft(recordInput({ decision: decision('allow', 'none') }), opts)).toBeUndefined();
  });

  it('counts a denial as denied, not failed, though its status is 403', () => {
    const draft = toEventDraft(recordInput({ decision: decision('deny'), status: 403 }), opts);
    expect(draft?.counts).toEqual({ allowed: 0, reviewed: 0, denied: 1, failed: 0 });
  });

  it('counts a review a person denied as denied, and keeps what the review said with the step', () => {
    const denied = { state: 'denied', by: 'bob', reason: 'not during the freeze' } as const;
    const draft = toEventDraft(
      recordInput({ decision: decision('review'), reviewId: 'rv-1', verdict: denied, status: 403 }),
      opts,
    );
    expect(draft?.counts).toEqual({ allowed: 0, reviewed: 1, denied: 1, failed: 0 });
    expect(JSON.parse(draft!.content.summary!)).toEqual({ review: denied });
  });

  it('does not count a hold that ended while the review waits, nor kubectl’s discovery 404s, as failed', () => {
    const waiting = recordInput({ decision: decision('review'), verdict: { state: 'waiting' }, status: 504 });
    expect(toEventDraft(waiting, opts)?.counts).toEqual({ allowed: 0, reviewed: 1, denied: 0, failed: 0 });
    const openapi = recordInput({
      status: 404,
      request: {
        ...request(),
        method: 'GET',
        path: '/openapi/v2',
        info: { ...request().info, isResourceRequest: false, resource: '', verb: 'get', namespace: '' },
      },
    });
    expect(toEventDraft(openapi, opts)?.counts.failed).toBe(0);
    // A missing object still is.
    expect(toEventDraft(recordInput({ status: 404 }), opts)?.counts.failed).toBe(1);
  });

  it('counts upstream errors and pipeline errors as failed', () => {
    expect(toEventDraft(recordInput({ status: 500 }), opts)?.counts.failed).toBe(1);
    expect(
      toEventDraft(recordInput({ status: 200, summary: { error: 'stream reset' } }), opts)?.counts.failed,
    ).toBe(1);
    expect(toEventDraft(recordInput({ decision: decision('review'), status: 200 }), opts)?.counts).toEqual({
      allowed: 0,
      reviewed: 1,
      denied: 0,
      failed: 0,
    });
  });

  it('copies the classification and clips values to their column widths', () => {
    const draft = toEventDraft(
      recordInput({
        request: request({
          method: 'DELETE',
          verb: 'delete',
          group: 'apps',
          resource: 'deployments',
          name: 'web',
          query: 'dryRun=All',
          dryRun: true,
        }),
        requestId: 'r'.repeat(100),
      }),
      opts,
    );
    expect(draft?.content).toMatchObject({
      method: 'DELETE',
      verb: 'delete',
      api_group: 'apps',
      resource: 'deployments',
      namespace: 'default',
      name: 'web',
      query: 'dryRun=All',
      dry_run: true,
      path: '/apis/apps/v1/namespaces/default/deployments/web',
    });
    expect(draft?.content.request_id).toHaveLength(64);
  });
});
