import { describe, expect, it } from 'vitest';
import { classifyRequest } from '../../../src/kube/classify.js';
import { createMasker, defaultMaskingConfig, MASKED_TEXT } from '../../../src/masking/index.js';

const { maskRequest } = createMasker(defaultMaskingConfig());
const classify = (target: string, method = 'GET') => classifyRequest({ method, target, headers: {} });
const TOKEN = `ghp_${'Ab1'.repeat(12)}`;
const SLACK_NAME = 'xoxb-1234567890-objectname';

describe('maskRequest: the request as recorded, logged and shown', () => {
  it('returns the same request when no detector matches', () => {
    const request = classify('/api/v1/namespaces/default/configmaps/app?fieldSelector=metadata.name%3Dapp');
    expect(maskRequest(request)).toBe(request);
  });

  it('masks a token in a proxy subpath, in the path and in its parts, keeping the other parts', () => {
    const request = classify(`/api/v1/namespaces/default/services/web/proxy/v1/${TOKEN}/status`);
    const masked = maskRequest(request);
    expect(masked.path).toBe(`/api/v1/namespaces/default/services/web/proxy/v1/${MASKED_TEXT}/status`);
    expect(masked.info).toMatchObject({
      namespace: 'default',
      resource: 'services',
      name: 'web',
      subresource: 'proxy',
    });
    expect(masked.info.parts.join('/')).not.toContain(TOKEN);
    expect(masked.info.parts).toContain(MASKED_TEXT);
    expect(request.path).toContain(TOKEN); // what the cluster gets is untouched
  });

  it('masks a token used as an object name wherever the name is kept', () => {
    const masked = maskRequest(classify(`/api/v1/namespaces/default/configmaps/${SLACK_NAME}`, 'DELETE'));
    expect(masked.path).toBe(`/api/v1/namespaces/default/configmaps/${MASKED_TEXT}`);
    expect(masked.info.name).toBe(MASKED_TEXT);
    expect(JSON.stringify(masked.info)).not.toContain(SLACK_NAME);
  });

  it('replaces a part that a detector matched across a slash, which no part shows whole', () => {
    // A base64-encoded private key: base64 holds slashes, so the key spans several path segments.
    const key = Buffer.from(
      '-----BEGIN RSA PRIVATE KEY-----\nMIIE???canary???Q7W4\n-----END RSA PRIVATE KEY-----\n',
    ).toString('base64');
    const tail = key.split('/').slice(1);
    expect(tail.length).toBeGreaterThan(1);
    const masked = maskRequest(classify(`/api/v1/namespaces/default/services/db/proxy/key=${key}`));
    expect(masked.path).toBe(`/api/v1/namespaces/default/services/db/proxy/key=${MASKED_TEXT}`);
    for (const piece of tail) expect(masked.info.parts).not.toContain(piece);
    expect(masked.info.parts.slice(-tail.length)).toEqual(tail.map(() => MASKED_TEXT));
    expect(masked.info.name).toBe('db');
  });

  it('masks a base64-encoded private key that starts a path segment', () => {
    const key = Buffer.from(
      '-----BEGIN EC PRIVATE KEY-----\nMHcC???canary???AoGB\n-----END EC PRIVATE KEY-----\n',
    ).toString('base64');
    const masked = maskRequest(classify(`/api/v1/namespaces/default/services/db/proxy/${key}`));
    expect(masked.path).toBe(`/api/v1/namespaces/default/services/db/proxy/${MASKED_TEXT}`);
    expect(JSON.stringify(masked.info)).not.toContain(key.slice(0, 20));
  });

  it('masks a name taken from a field selector with the selector and the query', () => {
    const request = classify(
      `/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3D${SLACK_NAME}`,
    );
    expect(request.info.name).toBe(SLACK_NAME);
    const masked = maskRequest(request);
    expect(masked.query.get('fieldSelector')).toBe(`metadata.name=${MASKED_TEXT}`);
    expect(masked.info.fieldSelector).toBe(`metadata.name=${MASKED_TEXT}`);
    expect(masked.info.name).toBe(MASKED_TEXT);
    expect(masked.path).toBe(request.path);
  });
});
