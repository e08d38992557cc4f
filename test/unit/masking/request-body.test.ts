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

  it.each(['secret', 'ConfigMap', 'Pod'])(
    'masks a body claiming kind %s as the Secret its URL names, keeping the claimed kind',
    (kind) => {
      const body = {
        kind,
        metadata: { name: 'db' },
        data: { password: CANARY },
        stringData: { u: 'canary-user' },
      };
      expect(masker.maskRequestBody(body, secrets)).toEqual({
        kind,
        metadata: { name: 'db' },
        data: { password: MASKED_BASE64 },
        stringData: { u: MASKED_TEXT },
      });
    },
  );

  it('masks a body claiming to be a Secret as one too, wherever it is sent', () => {
    const body = { kind: 'Secret', data: { password: CANARY } };
    const configmaps = { apiGroup: '', resource: 'configmaps', subresource: '' };
    expect(masker.maskRequestBody(body, configmaps)).toEqual({
      kind: 'Secret',
      data: { password: MASKED_BASE64 },
    });
  });

  it('masks a JSON-patch value as the field its path names: configured rules and credential env entries', () => {
    const withRule = createMasker({
      ...defaultMaskingConfig(),
      fieldRules: [{ kinds: ['ConfigMap'], paths: ['data.DB_PASSWORD'] }],
    });
    const configmaps = { apiGroup: '', resource: 'configmaps', subresource: '' };
    const deployments = { apiGroup: 'apps', resource: 'deployments', subresource: '' };
    const ops = [
      { op: 'add', path: '/data/DB_PASSWORD', value: 'canary-db-password' },
      { op: 'replace', path: '/data', value: { DB_PASSWORD: 'canary-db-password', color: 'blue' } },
      { op: 'replace', path: '', value: { data: { DB_PASSWORD: 'canary-db-password' } } },
      { op: 'add', path: 'data/DB_PASSWORD', value: 'canary-db-password' },
      { op: 'add', path: '/data/color', value: 'blue' },
    ];
    expect(withRule.maskRequestBody(ops, configmaps)).toEqual([
      { ...ops[0], value: MASKED_TEXT },
      { ...ops[1], value: { DB_PASSWORD: MASKED_TEXT, color: 'blue' } },
      { ...ops[2], value: { data: { DB_PASSWORD: MASKED_TEXT } } },
      { ...ops[3], value: MASKED_TEXT },
      ops[4],
    ]);
    const env = [
      {
        op: 'add',
        path: '/spec/template/spec/containers/0/env/-',
        value: { name: 'API_TOKEN', value: 'canary-token' },
      },
    ];
    expect(JSON.stringify(withRule.maskRequestBody(env, deployments))).not.toContain('canary-token');
  });

  it('leaves ordinary bodies of other resources alone', () => {
    const patch = { spec: { replicas: 0 } };
    expect(
      masker.maskRequestBody(patch, { apiGroup: 'apps', resource: 'deployments', subresource: 'scale' }),
    ).toEqual(patch);
  });
});
