import { describe, expect, it } from 'vitest';
import {
  createMasker,
  defaultMaskingConfig,
  MASKED_BASE64,
  MASKED_TEXT,
} from '../../../src/masking/index.js';

const CANARY = 'c2VjcmV0LWNhbmFyeS0xMjM0';
const masker = createMasker(defaultMaskingConfig());
const secrets = { apiGroup: '', resource: 'secrets', subresource: '' };

describe('maskRequestBody', () => {
  it('masks a kind-less merge patch to a Secret and does not add a kind', () => {
    const out = masker.maskRequestBody(
      { data: { password: CANARY }, stringData: { user: 'canary-user' } },
      secrets,
    );
    expect(out).toEqual({ data: { password: MASKED_BASE64 }, stringData: { user: MASKED_TEXT } });
  });

  it('masks every value a JSON patch writes into a Secret, keeping paths visible', () => {
    const ops = [
      { op: 'replace', path: '/data/password', value: CANARY },
      { op: 'add', path: '/data', value: { a: CANARY, b: CANARY } },
      { op: 'remove', path: '/data/old' },
    ];
    const out = JSON.stringify(masker.maskRequestBody(ops, secrets));
    expect(out).not.toContain(CANARY);
    expect(out).toContain('/data/password');
    expect(out).toContain('"op":"remove"');
  });

  it('applies detectors to JSON-patch values of other resources', () => {
    const token = `ghp_${'A'.repeat(36)}`;
    const out = JSON.stringify(
      masker.maskRequestBody([{ op: 'add', path: '/data/t', value: token }], {
        apiGroup: '',
        resource: 'configmaps',
        subresource: '',
      }),
    );
    expect(out).not.toContain(token);
  });

  it('leaves ordinary bodies of other resources alone', () => {
    const patch = { spec: { replicas: 0 } };
    expect(
      masker.maskRequestBody(patch, { apiGroup: 'apps', resource: 'deployments', subresource: 'scale' }),
    ).toEqual(patch);
  });
});
