import { describe, expect, it } from 'vitest';
import { PinError, pinRequest } from '../../../src/reviews/pin.js';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const parsed = (body: Buffer): unknown => JSON.parse(body.toString());
const pin = { resourceVersion: '42', uid: 'u-1' };

describe('pinRequest', () => {
  it('adds preconditions to a delete, keeping the agent options and its own preconditions', () => {
    const pinned = pinRequest(
      { method: 'DELETE', contentType: 'application/json', body: json({ propagationPolicy: 'Background' }) },
      pin,
    );
    expect(parsed(pinned.body)).toEqual({
      propagationPolicy: 'Background',
      preconditions: { uid: 'u-1', resourceVersion: '42' },
    });

    const own = pinRequest(
      {
        method: 'DELETE',
        contentType: 'application/json',
        body: json({ preconditions: { resourceVersion: '7' } }),
      },
      pin,
    );
    expect(parsed(own.body)).toEqual({ preconditions: { uid: 'u-1', resourceVersion: '7' } });
  });

  it('gives an empty delete a JSON body', () => {
    const pinned = pinRequest({ method: 'DELETE', contentType: '', body: Buffer.alloc(0) }, pin);
    expect(pinned.contentType).toBe('application/json');
    expect(parsed(pinned.body)).toEqual({ preconditions: { uid: 'u-1', resourceVersion: '42' } });
  });

  it('sets metadata.resourceVersion on updates and merge patches unless the agent set one', () => {
    const put = pinRequest(
      {
        method: 'PUT',
        contentType: 'application/json',
        body: json({ metadata: { name: 'web' }, spec: { replicas: 0 } }),
      },
      pin,
    );
    expect(parsed(put.body)).toEqual({
      metadata: { name: 'web', resourceVersion: '42' },
      spec: { replicas: 0 },
    });

    const patch = pinRequest(
      { method: 'PATCH', contentType: 'application/merge-patch+json', body: json({ spec: { replicas: 0 } }) },
      pin,
    );
    expect(parsed(patch.body)).toEqual({ spec: { replicas: 0 }, metadata: { resourceVersion: '42' } });

    const own = {
      method: 'PUT',
      contentType: 'application/json',
      body: json({ metadata: { resourceVersion: '7' } }),
    };
    expect(pinRequest(own, pin)).toBe(own);
  });

  it('prepends a test operation to JSON patches', () => {
    const pinned = pinRequest(
      {
        method: 'PATCH',
        contentType: 'application/json-patch+json',
        body: json([{ op: 'replace', path: '/spec/replicas', value: 0 }]),
      },
      pin,
    );
    expect(parsed(pinned.body)).toEqual([
      { op: 'test', path: '/metadata/resourceVersion', value: '42' },
      { op: 'replace', path: '/spec/replicas', value: 0 },
    ]);
  });

  it('leaves creates and unpinned requests untouched', () => {
    const create = { method: 'POST', contentType: 'application/json', body: json({ kind: 'Pod' }) };
    expect(pinRequest(create, pin)).toBe(create);
    const update = { method: 'PUT', contentType: 'application/json', body: json({}) };
    expect(pinRequest(update, undefined)).toBe(update);
    expect(pinRequest(update, {})).toBe(update);
  });

  it('refuses bodies it cannot pin rather than running them unpinned', () => {
    const yaml = {
      method: 'PATCH',
      contentType: 'application/apply-patch+yaml',
      body: Buffer.from('spec:\n  replicas: 0\n'),
    };
    expect(() => pinRequest(yaml, pin)).toThrow(PinError);
    expect(() =>
      pinRequest({ method: 'PUT', contentType: 'application/json', body: json([1]) }, pin),
    ).toThrow(PinError);
  });
});
