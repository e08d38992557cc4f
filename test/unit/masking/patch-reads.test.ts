import { describe, expect, it } from 'vitest';
import { pointerSegments } from '../../../src/kube/json-patch.js';
import { isStatusError, type StatusError } from '../../../src/kube/status.js';
import { assertNoMaskedReads, createMasker, defaultMaskingConfig } from '../../../src/masking/index.js';
import type { RequestTarget } from '../../../src/masking/request-body.js';

const masker = createMasker({
  ...defaultMaskingConfig(),
  fieldRules: [
    { kinds: ['ConfigMap'], namespaces: ['prod'], labels: { tier: 'db' }, paths: ['data.DB_PASSWORD'] },
    { kinds: ['Credential'], paths: ['spec.key'] },
  ],
});
const secrets: RequestTarget = { apiGroup: '', resource: 'secrets', subresource: '' };
const configmaps: RequestTarget = { apiGroup: '', resource: 'configmaps', subresource: '' };
const deployments: RequestTarget = { apiGroup: 'apps', resource: 'deployments', subresource: '' };
const credentials: RequestTarget = { apiGroup: 'example.com', resource: 'credentials', subresource: '' };

function check(ops: unknown[], target: RequestTarget = secrets): StatusError | undefined {
  try {
    assertNoMaskedReads(ops, { resource: target.resource, name: 'db' }, (segments) =>
      masker.exposesMaskedField(segments, target),
    );
  } catch (error) {
    if (isStatusError(error)) return error;
    throw error;
  }
  return undefined;
}

const copy = (from: string, path = '/metadata/annotations/x') => ({ op: 'copy', from, path });

describe('JSON pointers', () => {
  it('unescapes ~1 and ~0 in one pass, as RFC 6901 says', () => {
    expect(pointerSegments('')).toEqual([]);
    expect(pointerSegments('/')).toEqual(['']);
    expect(pointerSegments('/data/a~1b/c~0d/~01')).toEqual(['data', 'a/b', 'c~d', '~1']);
    expect(pointerSegments('data/password')).toBeUndefined();
  });
});

describe('JSON-patch ops that read masked fields', () => {
  it.each([
    ['a Secret value', copy('/data/password')],
    ['the whole data map', copy('/data', '/metadata/annotations')],
    ['stringData', copy('/stringData/token')],
    ['the whole object', copy('')],
    ['a key written with escapes', copy('/data/tls.crt~1x')],
    ['the "-" key', copy('/data/-')],
    ['by move', { op: 'move', from: '/data/password', path: '/metadata/labels/x' }],
    [
      'the last-applied annotation',
      copy('/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration'),
    ],
    ['the annotations holding it', copy('/metadata/annotations', '/metadata/labels')],
    ['by a pointer that is not one', copy('data/password')],
  ])('refuses copying %s', (_what, op) => {
    const error = check([{ op: 'add', path: '/metadata/labels/a', value: 'b' }, op]);
    expect(error?.toStatus()).toMatchObject({ code: 403, reason: 'Forbidden' });
    expect(error?.message).toMatch(/^secrets "db" is forbidden: JSON patch op 1 \(/);
    expect(error?.message).toContain('write the value itself with add or replace');
  });

  it.each([
    ['a guessed value', { op: 'test', path: '/data/password', value: 'Z3Vlc3M=' }],
    ['a guessed map', { op: 'test', path: '/data', value: { password: 'Z3Vlc3M=' } }],
    ['the whole object', { op: 'test', path: '', value: {} }],
  ])('refuses testing %s (an oracle: 200 or 422)', (_what, op) => {
    expect(check([op])?.message).toContain(`op 0 (test "${op.path}"`);
  });

  it('refuses reading container env entries, which are masked by their name', () => {
    const env = '/spec/template/spec/containers/0/env';
    expect(check([copy(`${env}/0/value`)], deployments)).toBeDefined();
    expect(
      check(
        [
          {
            op: 'test',
            path: '/spec/template/spec/containers/0',
            value: { env: [{ name: 'PASSWORD', value: 'x' }] },
          },
        ],
        deployments,
      ),
    ).toBeDefined();
  });

  it('refuses configured fields whatever the labels, and every rule for a resource of unknown kind', () => {
    expect(check([copy('/data/DB_PASSWORD')], configmaps)).toBeDefined();
    expect(check([copy('/spec/key')], credentials)).toBeDefined();
  });

  it('lets ops through that read nothing masked', () => {
    expect(
      check([copy('/metadata/labels/app'), { op: 'test', path: '/metadata/resourceVersion', value: '7' }]),
    ).toBeUndefined();
    expect(check([{ op: 'move', from: '/spec/replicas', path: '/spec/x' }], deployments)).toBeUndefined();
    expect(check([copy('/data/color')], configmaps)).toBeUndefined();
    // Writes are the write-back guard's business; they read nothing.
    expect(check([{ op: 'replace', path: '/data/password', value: 'bmV3' }])).toBeUndefined();
  });
});
