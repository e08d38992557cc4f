import { describe, expect, it } from 'vitest';
import { LAST_APPLIED_ANNOTATION } from '../../../src/masking/document.js';
import {
  assertNoMaskedValues,
  createMasker,
  defaultMaskingConfig,
  MASKED_BASE64,
  MASKED_TEXT,
} from '../../../src/masking/index.js';
import { isStatusError, type StatusError } from '../../../src/kube/status.js';
import { b64, secret } from './fixtures.js';

function refusal(
  body: unknown,
  target: { kind?: string; name?: string } = { kind: 'Secret', name: 'db' },
): StatusError {
  try {
    assertNoMaskedValues(body, target);
  } catch (error) {
    if (isStatusError(error)) return error;
    throw error;
  }
  throw new Error('expected the body to be refused');
}

const fieldsOf = (error: StatusError): (string | undefined)[] =>
  (error.details?.causes ?? []).map((cause) => cause.field);

describe('write-back guard', () => {
  it('refuses masked Secret data and stringData with a 422 naming each field', () => {
    const error = refusal({
      kind: 'Secret',
      metadata: { name: 'db' },
      data: { password: MASKED_BASE64, 'tls.crt': MASKED_BASE64, fresh: b64('real') },
      stringData: { token: MASKED_TEXT },
    });
    expect(error.toStatus()).toMatchObject({ kind: 'Status', code: 422, reason: 'Invalid' });
    expect(error.details).toMatchObject({ kind: 'Secret', name: 'db' });
    expect(fieldsOf(error)).toEqual(['data.password', 'data[tls.crt]', 'stringData.token']);
    expect(error.message).toMatch(
      /^Secret "db" is invalid: data\.password, data\[tls\.crt\], stringData\.token: /,
    );
    expect(error.message).toContain('writing it back would overwrite the secret');
  });

  it('refuses a masked object read back and re-applied, including its last-applied annotation', () => {
    const masked = createMasker(defaultMaskingConfig()).maskDocument(secret('db', { lastApplied: true }));
    expect(fieldsOf(refusal(masked))).toEqual([
      `metadata.annotations[${LAST_APPLIED_ANNOTATION}]`,
      'data.password',
      'data[tls.crt]',
    ]);
  });

  it('refuses a masked key written back, which would add an entry named after the placeholder', () => {
    const error = refusal({ kind: 'ConfigMap', data: { [`${MASKED_TEXT} (2)`]: '1', ok: 'x' } }, {});
    expect(fieldsOf(error)).toEqual([`data[${MASKED_TEXT} (2)]`]);
  });

  it('refuses placeholders inside larger values and re-encoded ones', () => {
    const body = {
      kind: 'ConfigMap',
      data: { url: `postgres://app:${MASKED_TEXT}@db/app` },
      // A 2-byte prefix shifts the base64 alignment: the encoded placeholder is no longer a substring.
      binaryData: { edited: b64(`v:${MASKED_TEXT}`) },
      spec: {
        containers: [
          {
            env: [
              { name: 'A', value: 'x' },
              { name: 'DB_PASSWORD', value: MASKED_TEXT },
            ],
          },
        ],
      },
    };
    expect(fieldsOf(refusal(body))).toEqual([
      'data.url',
      'binaryData.edited',
      'spec.containers[0].env[1].value',
    ]);
  });

  it('refuses JSON-patch ops whose value carries the placeholder, naming them by pointer', () => {
    const patch = [
      { op: 'test', path: '/metadata/name', value: 'db' },
      { op: 'replace', path: '/data/password', value: MASKED_BASE64 },
      { op: 'add', path: '/data', value: { 'a/b': MASKED_BASE64 } },
      { op: 'remove', path: '/data/old' },
    ];
    expect(fieldsOf(refusal(patch))).toEqual(['/data/password', '/data/a~1b']);
  });

  it('accepts ordinary bodies and patches', () => {
    const ordinary = [
      secret('db'),
      { kind: 'Secret', data: { password: b64('hunter2') }, stringData: { note: 'masked by hand' } },
      [{ op: 'replace', path: '/spec/replicas', value: 3 }],
      { spec: { replicas: 2 } },
      null,
    ];
    for (const body of ordinary) expect(() => assertNoMaskedValues(body, {})).not.toThrow();
  });

  it('names the object generically when the target is unknown', () => {
    const error = refusal({ data: { p: MASKED_TEXT } }, {});
    expect(error.message).toMatch(/^object is invalid: data\.p: /);
    expect(error.details).not.toHaveProperty('name');
  });
});
