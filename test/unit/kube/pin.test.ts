import { describe, expect, it } from 'vitest';
import { classifyRequest } from '../../../src/kube/classify.js';
import { pinRequest } from '../../../src/kube/pin.js';
import { StatusError } from '../../../src/kube/status.js';

function request(method: string, target: string, body = '', contentType = 'application/json') {
  const buf = Buffer.from(body);
  return {
    req: classifyRequest({ method, target, headers: { 'content-type': contentType }, body: buf }),
    buf,
  };
}
const pin = { resourceVersion: '42', uid: 'u-1' };
const json = (b: Buffer) => JSON.parse(b.toString()) as Record<string, unknown>;

describe('pinRequest', () => {
  it('adds metadata.resourceVersion to updates and merge/strategic patches', () => {
    const { req, buf } = request(
      'PATCH',
      '/apis/apps/v1/namespaces/p/deployments/web',
      '{"spec":{"replicas":0}}',
      'application/strategic-merge-patch+json',
    );
    const out = pinRequest(req, buf, 'application/strategic-merge-patch+json', pin);
    expect(json(out.body)).toEqual({ spec: { replicas: 0 }, metadata: { resourceVersion: '42' } });
    expect(out.contentType).toBe('application/strategic-merge-patch+json');
  });

  it('prepends a test op to JSON patches', () => {
    const { req, buf } = request(
      'PATCH',
      '/api/v1/namespaces/p/configmaps/c',
      '[{"op":"remove","path":"/data/a"}]',
      'application/json-patch+json',
    );
    const out = pinRequest(req, buf, 'application/json-patch+json', pin);
    expect(JSON.parse(out.body.toString())).toEqual([
      { op: 'test', path: '/metadata/resourceVersion', value: '42' },
      { op: 'remove', path: '/data/a' },
    ]);
  });

  it('moves query delete options into a body with preconditions, keeping the agent’s own preconditions', () => {
    const { req, buf } = request(
      'DELETE',
      '/apis/apps/v1/namespaces/p/deployments/web?propagationPolicy=Foreground',
    );
    expect(json(pinRequest(req, buf, '', pin).body)).toMatchObject({
      propagationPolicy: 'Foreground',
      preconditions: { uid: 'u-1', resourceVersion: '42' },
    });
    const own = request(
      'DELETE',
      '/apis/apps/v1/namespaces/p/deployments/web',
      '{"preconditions":{"resourceVersion":"7"}}',
    );
    expect(json(pinRequest(own.req, own.buf, 'application/json', pin).body)).toMatchObject({
      preconditions: { uid: 'u-1', resourceVersion: '7' },
    });
  });

  it('refuses to send what it cannot pin rather than sending it unpinned', () => {
    const { req, buf } = request(
      'PATCH',
      '/api/v1/namespaces/p/configmaps/c',
      '{"op":"remove"}',
      'application/json-patch+json',
    );
    expect(() => pinRequest(req, buf, 'application/json-patch+json', pin)).toThrow(StatusError);
  });

  it('leaves creates and unpinned reviews alone', () => {
    const { req, buf } = request('POST', '/api/v1/namespaces/p/configmaps', '{"metadata":{"name":"c"}}');
    expect(pinRequest(req, buf, 'application/json', pin).body).toBe(buf);
    const upd = request('PUT', '/api/v1/namespaces/p/configmaps/c', '{"metadata":{"name":"c"}}');
    expect(pinRequest(upd.req, upd.buf, 'application/json', undefined).body).toBe(upd.buf);
  });
});

describe('pinRequest for an object reviewed while absent', () => {
  it('makes the delete fail if an object has appeared since', () => {
    const { req, buf } = request('DELETE', '/api/v1/namespaces/prod-eu');
    expect(json(pinRequest(req, buf, '', { absent: true }).body)).toMatchObject({
      preconditions: { uid: '00000000-0000-0000-0000-000000000000' },
    });
  });
});
