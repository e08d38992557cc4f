import { describe, expect, it } from 'vitest';
import { LAST_APPLIED_ANNOTATION } from '../../../src/masking/document.js';
import { createMasker, defaultMaskingConfig } from '../../../src/masking/index.js';
import { CANARY, CANARY_BASE64, secret } from './fixtures.js';

/** Kubeconfig fields: a key and a CA certificate, each a whole PEM block base64-encoded. */
const pemData = (label: string) =>
  Buffer.from(
    `-----BEGIN ${label}-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END ${label}-----\n`,
  ).toString('base64');
const KEY_DATA = pemData('RSA PRIVATE KEY');
const CA_DATA = pemData('CERTIFICATE');

const masker = createMasker(defaultMaskingConfig());
const withRule = createMasker({
  ...defaultMaskingConfig(),
  fieldRules: [{ kinds: ['ConfigMap'], paths: ['data.password'] }],
});

const meta = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  namespace: 'default',
  uid: '6b1c1c4e-2f4e-4b1e-9a51-3c1f7c0c2a11',
  resourceVersion: '42',
  ...extra,
});
const configMap = (name: string, data: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  kind: 'ConfigMap',
  apiVersion: 'v1',
  metadata: meta(name, extra),
  data,
});
const pod = (env: { name: string; value: string }[]) => ({
  kind: 'Pod',
  apiVersion: 'v1',
  metadata: meta('web', { labels: { app: 'web' } }),
  spec: {
    serviceAccountName: 'default',
    volumes: [
      { name: 'kube-api-access', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
    ],
    containers: [{ name: 'app', image: 'nginx:1.27', env, ports: [{ containerPort: 80 }] }],
  },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
});
const list = (kind: string, items: object[]) => ({
  kind,
  apiVersion: 'v1',
  metadata: { resourceVersion: '7' },
  items: items.map((item) => ({ ...item, kind: undefined, apiVersion: undefined })),
});
const table = (object: object) => ({
  kind: 'Table',
  apiVersion: 'meta.k8s.io/v1',
  metadata: { resourceVersion: '7' },
  columnDefinitions: [{ name: 'Name', type: 'string' }],
  rows: [{ cells: ['x'], object }],
});

/** [name, document, masker, expected fast-path verdict] */
const CASES: [string, object, typeof masker, boolean][] = [
  ['a ConfigMap', configMap('app', { color: 'blue' }), masker, true],
  [
    'a ConfigMap list',
    list('ConfigMapList', [configMap('a', { x: '1' }), configMap('b', { y: '2' })]),
    masker,
    true,
  ],
  ['a Pod with ordinary env', pod([{ name: 'LOG_LEVEL', value: 'debug' }]), masker, true],
  ['a Pod list', list('PodList', [pod([{ name: 'MODE', value: 'fast' }])]), masker, true],
  [
    'a Table with metadata rows',
    table({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: meta('x') }),
    masker,
    true,
  ],
  [
    'a Status',
    { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'configmaps "x" not found', code: 404 },
    masker,
    true,
  ],
  [
    'a Namespace with a last-applied annotation',
    {
      kind: 'Namespace',
      apiVersion: 'v1',
      metadata: meta('ns', {
        annotations: {
          [LAST_APPLIED_ANNOTATION]: '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ns"}}',
        },
      }),
    },
    masker,
    true,
  ],
  ['a Secret', secret('db'), masker, false],
  ['a Secret list', list('SecretList', [secret('a')]), masker, false],
  ['a Pod with a credential env value', pod([{ name: 'DB_PASSWORD', value: CANARY }]), masker, false],
  [
    'a ConfigMap with a connection string',
    configMap('app', { url: `postgres://app:${CANARY}@db:5432/x` }),
    masker,
    false,
  ],
  ['a ConfigMap with a GitHub token', configMap('app', { token: `ghp_${'a'.repeat(36)}` }), masker, false],
  [
    'a ConfigMap with a PEM key in an annotation',
    configMap(
      'app',
      {},
      { annotations: { key: `-----BEGIN PRIVATE KEY-----\n${CANARY_BASE64}\n-----END PRIVATE KEY-----` } },
    ),
    masker,
    false,
  ],
  [
    'a ConfigMap whose last-applied annotation holds a Secret',
    configMap('app', {}, { annotations: { [LAST_APPLIED_ANNOTATION]: JSON.stringify(secret('db')) } }),
    masker,
    false,
  ],
  [
    'a Table row with a kind-less object',
    table({ metadata: meta('db'), type: 'Opaque', data: { password: CANARY_BASE64 } }),
    masker,
    false,
  ],
  ['a generic List', { kind: 'List', apiVersion: 'v1', items: [secret('x')] }, masker, false],
  [
    'a Pod whose credential env value comes before its name',
    pod([{ value: CANARY, name: 'DB_PASSWORD' } as { name: string; value: string }]),
    masker,
    false,
  ],
  [
    'a Pod whose credential env entry has a field between name and value',
    pod([{ name: 'DB_PASSWORD', optional: 'no', value: CANARY } as { name: string; value: string }]),
    masker,
    false,
  ],
  [
    'a Pod whose env list holds brackets and escaped quotes before a credential entry',
    pod([
      { name: 'MODE', value: 'a]}"\\' },
      { name: 'DB_PASSWORD', value: CANARY },
    ]),
    masker,
    false,
  ],
  [
    'a Pod whose last-applied annotation has a credential env value',
    {
      ...pod([{ name: 'MODE', value: 'fast' }]),
      metadata: meta('web', {
        annotations: {
          [LAST_APPLIED_ANNOTATION]: JSON.stringify(pod([{ name: 'DB_PASSWORD', value: CANARY }])),
        },
      }),
    },
    masker,
    false,
  ],
  [
    'a Pod with a credential-like name outside its env list',
    {
      ...pod([{ name: 'MODE', value: 'fast' }]),
      spec: {
        containers: [{ name: 'app', image: 'nginx:1.27', env: [{ name: 'MODE', value: 'fast' }] }],
        volumes: [{ name: 'db-password', configMap: { name: 'token-config' } }],
      },
    },
    masker,
    true,
  ],
  [
    'a Pod whose credential env name holds a backslash',
    pod([{ name: 'X\\PASSWORD', value: CANARY }]),
    masker,
    false,
  ],
  [
    'a ConfigMap with a Slack token after a run of x',
    configMap('app', { filler: 'x'.repeat(20_000), token: `xoxb-${'1'.repeat(12)}-${'a'.repeat(24)}` }),
    masker,
    false,
  ],
  [
    'a ConfigMap list large enough for the native search, with a GitHub token in its last item',
    list('ConfigMapList', [
      ...Array.from({ length: 40 }, (_, i) => configMap(`c${i}`, { value: 'x'.repeat(700) })),
      configMap('last', { token: `ghp_${'a'.repeat(36)}` }),
    ]),
    masker,
    false,
  ],
  [
    'a ConfigMap holding a kubeconfig with a client key (base64-encoded PEM)',
    configMap('kubeconfig', { config: `users:\n- user:\n    client-key-data: ${KEY_DATA}\n` }),
    masker,
    false,
  ],
  [
    'a ConfigMap holding a kubeconfig with only certificate authority data',
    configMap('kubeconfig', {
      config: `clusters:\n- cluster:\n    certificate-authority-data: ${CA_DATA}\n`,
    }),
    masker,
    true,
  ],
  [
    'a ConfigMap with a mixed-case bearer token',
    configMap('app', { curl: `curl -H "Authorization: BeArEr ${CANARY}"` }),
    masker,
    false,
  ],
  [
    'a ConfigMap list large enough for the native search, with a mixed-case bearer token in its last item',
    list('ConfigMapList', [
      ...Array.from({ length: 40 }, (_, i) => configMap(`c${i}`, { value: 'bear bee rear '.repeat(50) })),
      configMap('last', { curl: `curl -H "Authorization: bEARer ${CANARY}"` }),
    ]),
    masker,
    false,
  ],
  [
    'a Pod list large enough for the native search, with a credential env value in its last item',
    list('PodList', [
      ...Array.from({ length: 60 }, (_, i) => pod([{ name: `MODE_${i}`, value: 'fast' }])),
      pod([{ value: CANARY, name: 'DB_PASSWORD' } as { name: string; value: string }]),
    ]),
    masker,
    false,
  ],
  [
    'a clean Pod list large enough for the native search',
    list(
      'PodList',
      Array.from({ length: 60 }, (_, i) => pod([{ name: `MODE_${i}`, value: 'fast' }])),
    ),
    masker,
    true,
  ],
  [
    'a ConfigMap with non-ASCII text',
    configMap('app', { greeting: 'grüße, 你好 🚀'.repeat(50) }),
    masker,
    true,
  ],
  ['a ConfigMap under a ConfigMap field rule', configMap('app', { password: CANARY }), withRule, false],
  [
    'a ConfigMap list under a ConfigMap field rule',
    list('ConfigMapList', [configMap('a', { password: CANARY })]),
    withRule,
    false,
  ],
];

describe('mask-free fast path', () => {
  it.each(CASES)('%s → %s', (_name, doc, m, expected) => {
    expect(m.isMaskFree(Buffer.from(JSON.stringify(doc)))).toBe(expected);
    // Pretty-printed (pretty=true, curl) answers decide the same way.
    expect(m.isMaskFree(Buffer.from(JSON.stringify(doc, null, 2)))).toBe(expected);
  });

  it('sends text with a \\u escape to the masker: an escape can spell any trigger', () => {
    const escaped = [
      // `env` spelled with an escape: the masker decodes it and masks the credential value.
      `{"kind":"Pod","apiVersion":"v1","spec":{"containers":[{"name":"a","\\u0065nv":[{"name":"DB_PASSWORD","value":"${CANARY}"}]}]}}`,
      // A PEM header whose dashes are escapes: the detector sees the decoded text.
      `{"kind":"ConfigMap","apiVersion":"v1","data":{"k":"\\u002d----BEGIN PRIVATE KEY-----\\n${CANARY_BASE64}\\n-----END PRIVATE KEY-----"}}`,
    ];
    for (const text of escaped) {
      expect(masker.isMaskFree(Buffer.from(text))).toBe(false);
      const masked = JSON.stringify(masker.maskDocument(JSON.parse(text)));
      expect(masked).not.toContain(CANARY);
      expect(masked).not.toContain(CANARY_BASE64);
    }
  });

  it.each(CASES)('never relays what masking would change: %s', (_name, doc, m) => {
    const text = JSON.stringify(doc);
    if (m.isMaskFree(Buffer.from(text))) expect(m.maskDocument(JSON.parse(text))).toEqual(JSON.parse(text));
    else expect(m.maskDocument(JSON.parse(text))).not.toEqual(JSON.parse(text));
  });

  it('reads the kind first or after apiVersion, and refuses a document whose kind comes later, or that has none', () => {
    expect(
      masker.isMaskFree(Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', data: {} }))),
    ).toBe(true);
    expect(
      masker.isMaskFree(Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'Secret', data: {} }))),
    ).toBe(false);
    expect(
      masker.isMaskFree(Buffer.from(JSON.stringify({ metadata: {}, kind: 'ConfigMap', data: {} }))),
    ).toBe(false);
    expect(masker.isMaskFree(Buffer.from(JSON.stringify({ metadata: meta('x'), data: {} })))).toBe(false);
  });

  it('judges list items by the list’s kind', () => {
    expect(
      masker.isMaskFree(Buffer.from(JSON.stringify({ metadata: meta('x'), data: { a: 'b' } })), 'ConfigMap'),
    ).toBe(true);
    expect(
      masker.isMaskFree(Buffer.from(JSON.stringify({ metadata: meta('x'), data: { a: 'b' } })), 'Secret'),
    ).toBe(false);
  });
});
