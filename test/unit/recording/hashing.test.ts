import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, sha256Hex } from '../../../src/recording/canonical.js';
import { eventHash, linkEvents } from '../../../src/recording/chain.js';
import { toEventDraft } from '../../../src/recording/draft.js';
import type { EventContent } from '../../../src/recording/rows.js';
import { recordInput } from './fixtures.js';

function content(overrides: Partial<EventContent> = {}): EventContent {
  const draft = toEventDraft(recordInput(), { maxBodyBytes: 1024, newId: () => 'evt-1' });
  if (!draft) throw new Error('fixture must record');
  return { ...draft.content, ...overrides };
}

/** The canonical JSON every stored hash was defined by: keys sorted at every level, values as JSON writes them. */
const canonical = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(canonical).join(',')}]`
    : v !== null && typeof v === 'object'
      ? `{${Object.keys(v)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
          .join(',')}}`
      : JSON.stringify(v);

describe('the hashed text', () => {
  it('is the canonical JSON of the row with prev_hash, time as ISO text, whatever the strings hold', () => {
    for (const overrides of [
      {},
      { path: 'ünï\u2028\u0000"\\', summary: '{"k":1}', owner: null, status: -0, bytes_out: 1e21 },
    ] as Partial<EventContent>[]) {
      const row = content(overrides);
      const text = canonical({ ...row, time: row.time.toISOString(), prev_hash: GENESIS_HASH });
      expect(eventHash(row, GENESIS_HASH)).toBe(sha256Hex(text));
    }
  });
});

describe('eventHash', () => {
  const base = content();
  const prev = GENESIS_HASH;

  it('hashes an event as earlier releases did, so existing chains still verify', () => {
    const stored: EventContent = {
      ...base,
      id: 'evt-1',
      session_id: 's',
      time: new Date('2026-12-05T10:00:00.000Z'),
      agent_name: 'a"gent\n',
      owner: null,
      cluster: 'c',
      request_id: 'r',
      method: 'GET',
      path: '/api/v1/x',
      query: 'a=1',
      verb: 'get',
      api_group: '',
      resource: 'configmaps',
      subresource: '',
      namespace: 'ns',
      name: 'ünï',
      dry_run: false,
      rule: 'reads',
      decision: 'allow',
      review_id: null,
      grant_id: null,
      status: 200,
      latency_ms: 3,
      bytes_in: 0,
      bytes_out: 1000,
      recording_level: 'request',
      request_body: '{"k":"v"}',
      response_body: null,
      summary: null,
    };
    expect(eventHash(stored, prev)).toBe('6d8ae92614eb193978c153f41af03c54031a8a47ccac7e1460824ffb168cee60');
  });

  it('is a SHA-256 hex digest independent of property order', () => {
    const reordered = Object.fromEntries(Object.entries(base).reverse()) as unknown as EventContent;
    expect(eventHash(base, prev)).toMatch(/^[0-9a-f]{64}$/);
    expect(eventHash(reordered, prev)).toBe(eventHash(base, prev));
  });

  it.each<[string, Partial<EventContent>]>([
    ['response body', { response_body: '{"kind":"Pod","metadata":{"name":"evil"}}' }],
    ['request body', { request_body: '{}' }],
    ['status', { status: 500 }],
    ['decision', { decision: 'deny' }],
    ['time', { time: new Date(base.time.getTime() + 1) }],
    ['dry run flag', { dry_run: true }],
    ['owner', { owner: null }],
    ['summary', { summary: '{"error":"x"}' }],
  ])('changes when the %s changes', (_column, change) => {
    expect(eventHash(content(change), prev)).not.toBe(eventHash(base, prev));
  });

  it('changes with the previous hash, which is what links the chain', () => {
    expect(eventHash(base, 'a'.repeat(64))).not.toBe(eventHash(base, prev));
  });
});

describe('linkEvents', () => {
  it('chains each cluster separately from its own head', () => {
    const heads = new Map([
      ['prod', GENESIS_HASH],
      ['staging', 'f'.repeat(64)],
    ]);
    const [p1, s1, p2] = linkEvents(
      [content({ id: 'p1' }), content({ id: 's1', cluster: 'staging' }), content({ id: 'p2' })],
      heads,
    );
    expect(p1?.prev_hash).toBe(GENESIS_HASH);
    expect(s1?.prev_hash).toBe('f'.repeat(64));
    expect(p2?.prev_hash).toBe(p1?.hash);
    expect(heads.get('prod')).toBe(p2?.hash);
    expect(heads.get('staging')).toBe(s1?.hash);
  });

  it('refuses a cluster whose head was not loaded (it would silently start a fork)', () => {
    expect(() => linkEvents([content({ cluster: 'other' })], new Map())).toThrow(/no chain head/);
  });
});
