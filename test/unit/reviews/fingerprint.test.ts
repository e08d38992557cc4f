import { describe, expect, it } from 'vitest';
import { canonicalJson, normaliseContentType, requestFingerprint } from '../../../src/reviews/fingerprint.js';

const base = {
  method: 'PATCH',
  path: '/apis/apps/v1/namespaces/prod/deployments/web',
  query: new URLSearchParams('fieldManager=kubectl&dryRun=All'),
  contentType: 'application/strategic-merge-patch+json',
  body: Buffer.from('{"spec":{"replicas":0,"paused":false}}'),
};
const fingerprint = (overrides: Partial<typeof base> = {}) => requestFingerprint({ ...base, ...overrides });

describe('requestFingerprint', () => {
  it('is a SHA-256 hex digest', () => {
    expect(fingerprint()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores JSON key order and whitespace', () => {
    const reordered = Buffer.from('{ "spec" : {\n  "paused": false,\n  "replicas": 0 } }');
    expect(fingerprint({ body: reordered })).toBe(fingerprint());
  });

  it('ignores query order but not query content', () => {
    expect(fingerprint({ query: new URLSearchParams('dryRun=All&fieldManager=kubectl') })).toBe(
      fingerprint(),
    );
    expect(fingerprint({ query: new URLSearchParams('fieldManager=kubectl') })).not.toBe(fingerprint());
    expect(
      fingerprint({ query: new URLSearchParams('fieldManager=kubectl&dryRun=All&force=true') }),
    ).not.toBe(fingerprint());
  });

  it('keeps the order of a repeated parameter’s values (the first propagationPolicy wins; exec commands are ordered)', () => {
    const orphanFirst = new URLSearchParams('propagationPolicy=Orphan&propagationPolicy=Foreground');
    const foregroundFirst = new URLSearchParams('propagationPolicy=Foreground&propagationPolicy=Orphan');
    expect(fingerprint({ query: orphanFirst })).not.toBe(fingerprint({ query: foregroundFirst }));
    expect(fingerprint({ query: new URLSearchParams('command=rm&command=-rf&container=a') })).not.toBe(
      fingerprint({ query: new URLSearchParams('command=-rf&command=rm&container=a') }),
    );
    expect(fingerprint({ query: new URLSearchParams('container=a&command=rm&command=-rf') })).toBe(
      fingerprint({ query: new URLSearchParams('command=rm&container=a&command=-rf') }),
    );
  });

  it('normalises content-type case and parameters but not the media type', () => {
    expect(fingerprint({ contentType: 'Application/Strategic-Merge-Patch+JSON' })).toBe(fingerprint());
    expect(fingerprint({ contentType: 'application/merge-patch+json' })).not.toBe(fingerprint());
  });

  it('differs when the method, path or body changes', () => {
    const others = [
      fingerprint({ method: 'PUT' }),
      fingerprint({ path: '/apis/apps/v1/namespaces/prod/deployments/api' }),
      fingerprint({ body: Buffer.from('{"spec":{"replicas":1,"paused":false}}') }),
      fingerprint({ body: Buffer.from('{"spec":{"replicas":0,"paused":false},"metadata":{}}') }),
    ];
    expect(new Set([fingerprint(), ...others]).size).toBe(5);
  });

  it('keeps field boundaries apart (no concatenation collisions)', () => {
    const a = requestFingerprint({ ...base, path: '/api/v1/a', query: new URLSearchParams('b=c') });
    const b = requestFingerprint({ ...base, path: '/api/v1/ab', query: new URLSearchParams('=c') });
    expect(a).not.toBe(b);
  });

  it('compares non-JSON bodies byte for byte', () => {
    const yaml = { contentType: 'application/apply-patch+yaml', body: Buffer.from('spec:\n  replicas: 0\n') };
    expect(fingerprint(yaml)).toBe(fingerprint({ ...yaml, body: Buffer.from('spec:\n  replicas: 0\n') }));
    expect(fingerprint(yaml)).not.toBe(
      fingerprint({ ...yaml, body: Buffer.from('spec:\n    replicas: 0\n') }),
    );
  });

  it('distinguishes integers that JavaScript numbers would round together', () => {
    const big = (n: string) => fingerprint({ body: Buffer.from(`{"spec":{"replicas":${n}}}`) });
    expect(big('9007199254740993')).not.toBe(big('9007199254740992'));
  });

  it('treats duplicate keys byte for byte, so a Go-vs-JS reading difference cannot collide', () => {
    const duplicate = fingerprint({ body: Buffer.from('{"spec":{"a":1},"spec":{"b":2}}') });
    expect(duplicate).not.toBe(fingerprint({ body: Buffer.from('{"spec":{"b":2}}') }));
  });
});

describe('canonicalJson', () => {
  it('sorts keys, re-escapes strings and keeps numbers verbatim', () => {
    expect(canonicalJson('{"b":[1, 2.50, -3e2],"a":"\\u0041\\n","c":{"z":null,"y":true}}')).toBe(
      '{"a":"A\\n","b":[1,2.50,-3e2],"c":{"y":true,"z":null}}',
    );
  });

  it('returns undefined for invalid or ambiguous JSON', () => {
    for (const text of ['{"a":1', '{"a":1}x', "{'a':1}", '{"a":01}', '{"a":"\u0001"}', '{"a":1,"a":1}', '']) {
      expect(canonicalJson(text), text).toBeUndefined();
    }
  });
});

describe('normaliseContentType', () => {
  it('lower-cases the type and charset, unquotes and sorts parameters', () => {
    expect(normaliseContentType('Application/JSON; Charset="UTF-8"')).toBe('application/json;charset=utf-8');
    expect(normaliseContentType('text/plain; b=2; a=1')).toBe('text/plain;a=1;b=2');
    expect(normaliseContentType('')).toBe('');
  });
});
