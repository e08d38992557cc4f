import { describe, expect, it } from 'vitest';
import { LAST_APPLIED_ANNOTATION } from '../../../src/masking/document.js';
import {
  createMasker,
  defaultMaskingConfig,
  MASKED_BASE64,
  MASKED_TEXT,
} from '../../../src/masking/index.js';
import { CANARY, CANARY_BASE64, deepFreeze, secret } from './fixtures.js';

const masker = createMasker(defaultMaskingConfig());
const mask = (doc: unknown): unknown => masker.maskDocument(deepFreeze(doc));

const assertNoCanary = (doc: unknown): void => {
  const json = JSON.stringify(doc);
  expect(json).not.toContain(CANARY);
  expect(json).not.toContain(CANARY_BASE64);
};

describe('Secrets', () => {
  it('masks every data and stringData value, keeps keys and other fields', () => {
    const masked = mask({ ...secret('db'), stringData: { token: CANARY, url: 'x' } });
    expect(masked).toEqual({
      ...secret('db'),
      data: { password: MASKED_BASE64, 'tls.crt': MASKED_BASE64 },
      stringData: { token: MASKED_TEXT, url: MASKED_TEXT },
    });
  });

  it('keeps data values valid base64 that decode to the placeholder', () => {
    expect(Buffer.from(MASKED_BASE64, 'base64').toString()).toBe(MASKED_TEXT);
  });

  it('masks SecretList items that carry no kind', () => {
    const list = {
      apiVersion: 'v1',
      kind: 'SecretList',
      metadata: {},
      items: [secret('a', { withKind: false })],
    };
    const masked = mask(list) as { items: { data: unknown; metadata: { name: string } }[] };
    expect(masked.items[0]?.data).toEqual({ password: MASKED_BASE64, 'tls.crt': MASKED_BASE64 });
    expect(masked.items[0]?.metadata.name).toBe('a');
  });

  it('masks kind-less Secrets in a generic List by their shape, but not ConfigMaps', () => {
    const configMap = { metadata: { name: 'settings' }, data: { level: 'debug' } };
    const list = { apiVersion: 'v1', kind: 'List', items: [secret('a', { withKind: false }), configMap] };
    const masked = mask(list) as { items: { data: unknown }[] };
    assertNoCanary(masked);
    expect(masked.items[1]?.data).toEqual({ level: 'debug' });
  });

  it('masks the Secret inside a WatchEvent, and an ERROR event passes as a Status', () => {
    assertNoCanary(mask({ type: 'ADDED', object: secret('db') }));
    const error = {
      type: 'ERROR',
      object: {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        message: 'too old resource version',
        code: 410,
      },
    };
    expect(mask(error)).toEqual(error);
  });

  it('leaves ConfigMap data alone unless a rule or detector says otherwise', () => {
    const configMap = {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { name: 'c' },
      data: { password: 'plain' },
    };
    expect(mask(configMap)).toEqual(configMap);
  });
});

describe('Tables', () => {
  const table = (rows: unknown[]) => ({
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: '1' },
    columnDefinitions: [{ name: 'Name', type: 'string', format: 'name', description: '', priority: 0 }],
    rows,
  });

  it('masks the last-applied annotation of PartialObjectMetadata rows (includeObject=Metadata)', () => {
    const full = secret('db', { lastApplied: true }) as { metadata: object };
    const row = {
      cells: ['db', 'Opaque', 2, '5d'],
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: full.metadata },
    };
    const masked = mask(table([row])) as { rows: { cells: unknown[]; object: { metadata: object } }[] };
    assertNoCanary(masked);
    expect(masked.rows[0]?.cells).toEqual(['db', 'Opaque', 2, '5d']);
    const annotations = (masked.rows[0]?.object.metadata as { annotations: Record<string, string> })
      .annotations;
    expect(JSON.parse(annotations[LAST_APPLIED_ANNOTATION] ?? '')).toMatchObject({
      kind: 'Secret',
      data: { password: MASKED_BASE64 },
      stringData: { token: MASKED_TEXT },
    });
  });

  it('masks whole Secret row objects (includeObject=Object), with or without kind', () => {
    const rows = [
      { cells: ['a'], object: secret('a') },
      { cells: ['b'], object: secret('b', { withKind: false }) },
    ];
    const masked = mask(table(rows)) as { rows: { object: { data: unknown } }[] };
    assertNoCanary(masked);
    expect(masked.rows.map((r) => r.object.data)).toEqual([
      { password: MASKED_BASE64, 'tls.crt': MASKED_BASE64 },
      { password: MASKED_BASE64, 'tls.crt': MASKED_BASE64 },
    ]);
  });

  it('masks Table events of a watch (kubectl get -w)', () => {
    const row = { cells: ['db'], object: secret('db', { lastApplied: true }) };
    const masked = mask({ type: 'MODIFIED', object: table([row]) });
    assertNoCanary(masked);
    expect(masked).toMatchObject({ type: 'MODIFIED', object: { kind: 'Table', rows: [{ cells: ['db'] }] } });
  });

  it('runs detectors on cells', () => {
    const masked = mask(table([{ cells: ['job', 'postgres://app:hunter2pw@db:5432/app'] }]));
    expect(masked).toMatchObject({ rows: [{ cells: ['job', `postgres://app:${MASKED_TEXT}@db:5432/app`] }] });
  });
});

describe('last-applied-configuration', () => {
  it('re-serialises the annotation with the Secret inside masked, keeping its trailing newline', () => {
    const masked = mask(secret('db', { lastApplied: true })) as {
      metadata: { annotations: Record<string, string> };
    };
    const annotation = masked.metadata.annotations[LAST_APPLIED_ANNOTATION] ?? '';
    expect(annotation.endsWith('}\n')).toBe(true);
    expect(JSON.parse(annotation)).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'default' },
      type: 'Opaque',
      data: { password: MASKED_BASE64 },
      stringData: { token: MASKED_TEXT },
    });
  });

  it('applies detectors inside the annotation of any kind', () => {
    const applied = { kind: 'ConfigMap', data: { url: `redis://:${CANARY}@cache:6379` } };
    const doc = {
      kind: 'ConfigMap',
      metadata: { name: 'c', annotations: { [LAST_APPLIED_ANNOTATION]: JSON.stringify(applied) } },
    };
    const masked = mask(doc) as { metadata: { annotations: Record<string, string> } };
    expect(JSON.parse(masked.metadata.annotations[LAST_APPLIED_ANNOTATION] ?? '')).toEqual({
      kind: 'ConfigMap',
      data: { url: `redis://:${MASKED_TEXT}@cache:6379` },
    });
  });

  it('replaces an unparseable annotation entirely', () => {
    const doc = {
      kind: 'Secret',
      metadata: { annotations: { [LAST_APPLIED_ANNOTATION]: `{"data":"${CANARY}` } },
    };
    expect(mask(doc)).toEqual({
      kind: 'Secret',
      metadata: { annotations: { [LAST_APPLIED_ANNOTATION]: MASKED_TEXT } },
    });
  });
});

describe('tokens', () => {
  it('masks TokenRequest status.token (serviceaccounts/token) and keeps expiry', () => {
    const tokenRequest = {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      spec: { audiences: ['api'] },
      status: { token: CANARY, expirationTimestamp: '2026-11-28T01:00:00Z' },
    };
    expect(mask(tokenRequest)).toEqual({
      ...tokenRequest,
      status: { token: MASKED_TEXT, expirationTimestamp: '2026-11-28T01:00:00Z' },
    });
  });

  it('masks the token a TokenReview echoes', () => {
    expect(mask({ kind: 'TokenReview', spec: { token: CANARY } })).toEqual({
      kind: 'TokenReview',
      spec: { token: MASKED_TEXT },
    });
  });
});

describe('container env', () => {
  const env = [
    { name: 'DB_PASSWORD', value: CANARY },
    { name: 'api-key', value: CANARY },
    { name: 'GITHUB_TOKEN', valueFrom: { secretKeyRef: { name: 'gh', key: 'token' } } },
    { name: 'LOG_LEVEL', value: 'debug' },
  ];
  const maskedEnv = [
    { name: 'DB_PASSWORD', value: MASKED_TEXT },
    { name: 'api-key', value: MASKED_TEXT },
    env[2],
    env[3],
  ];
  const podSpec = { containers: [{ name: 'app', image: 'ghcr.io/acme/app:1.2', env }] };

  it.each([
    ['Pod', { kind: 'Pod', spec: podSpec }, ['spec']],
    [
      'Deployment',
      { kind: 'Deployment', spec: { template: { spec: podSpec } } },
      ['spec', 'template', 'spec'],
    ],
    [
      'CronJob',
      { kind: 'CronJob', spec: { jobTemplate: { spec: { template: { spec: podSpec } } } } },
      ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
    ],
  ])('masks credential values in a %s, keeps valueFrom and ordinary values', (_kind, doc, specPath) => {
    const spec = specPath.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], mask(doc));
    expect(spec).toEqual({ containers: [{ name: 'app', image: 'ghcr.io/acme/app:1.2', env: maskedEnv }] });
  });

  it('uses the configured name pattern', () => {
    const custom = createMasker({ ...defaultMaskingConfig(), credentialEnvNames: '^LICENSE$' });
    const doc = { kind: 'Pod', spec: { containers: [{ env: [...env, { name: 'license', value: 'k' }] }] } };
    expect(JSON.stringify(custom.maskDocument(doc))).toContain(CANARY);
    expect(custom.maskDocument(doc)).toMatchObject({
      spec: {
        containers: [{ env: [{ value: CANARY }, {}, {}, {}, { name: 'license', value: MASKED_TEXT }] }],
      },
    });
  });
});

describe('field rules', () => {
  const ruled = createMasker({
    ...defaultMaskingConfig(),
    fieldRules: [
      { kinds: ['ConfigMap'], namespaces: ['prod-*'], labels: { team: 'db' }, paths: ['data.password'] },
      { kinds: ['Widget'], paths: ['spec.servers.*.secret', 'data.app\\.properties'] },
    ],
  });
  const configMap = (namespace: string, labels: Record<string, string>) => ({
    kind: 'ConfigMap',
    metadata: { name: 'c', namespace, labels },
    data: { password: 'pw', user: 'app' },
  });

  it('masks the paths of objects that match kind, namespace glob and labels', () => {
    expect(ruled.maskDocument(configMap('prod-eu', { team: 'db', tier: 'x' }))).toMatchObject({
      data: { password: MASKED_TEXT, user: 'app' },
    });
  });

  it.each([
    ['another namespace', configMap('staging', { team: 'db' })],
    ['a missing label', configMap('prod-eu', { team: 'web' })],
    ['another kind', { ...configMap('prod-eu', { team: 'db' }), kind: 'Secretish' }],
  ])('leaves objects with %s alone', (_why, doc) => {
    expect(ruled.maskDocument(doc)).toEqual(doc);
  });

  it('applies to List items and supports wildcards and escaped dots', () => {
    const widget = {
      metadata: { name: 'w' },
      spec: {
        servers: [
          { host: 'a', secret: 's1' },
          { host: 'b', secret: 's2' },
        ],
      },
      data: { 'app.properties': 'k=v', other: 'o' },
    };
    expect(ruled.maskDocument({ kind: 'WidgetList', items: [widget] })).toEqual({
      kind: 'WidgetList',
      items: [
        {
          metadata: { name: 'w' },
          spec: {
            servers: [
              { host: 'a', secret: MASKED_TEXT },
              { host: 'b', secret: MASKED_TEXT },
            ],
          },
          data: { 'app.properties': MASKED_TEXT, other: 'o' },
        },
      ],
    });
  });
});

describe('field rules with glob segments', () => {
  const globbed = createMasker({
    ...defaultMaskingConfig(),
    fieldRules: [{ kinds: ['ConfigMap'], paths: ['data.*PASSWORD*', 'data.*token', 'spec.*.api*key'] }],
  });

  it('masks the keys a glob segment matches, in any case, and leaves the others', () => {
    const doc = {
      kind: 'ConfigMap',
      metadata: { name: 'env' },
      data: {
        DB_PASSWORD: 'a',
        dbPassword: 'b',
        password: 'c',
        AUTH_TOKEN: 'd',
        TOKEN_TTL: '60',
        LOG_LEVEL: 'info',
      },
      spec: { one: { API_KEY: 'e', apiKeyId: 'f' } },
    };
    expect(globbed.maskDocument(doc)).toEqual({
      ...doc,
      data: {
        DB_PASSWORD: MASKED_TEXT,
        dbPassword: MASKED_TEXT,
        password: MASKED_TEXT,
        AUTH_TOKEN: MASKED_TEXT,
        TOKEN_TTL: '60',
        LOG_LEVEL: 'info',
      },
      spec: { one: { API_KEY: MASKED_TEXT, apiKeyId: 'f' } },
    });
  });

  it('matches globs with several stars as a regex would, and in one pass on long hostile keys', () => {
    const starry = createMasker({
      ...defaultMaskingConfig(),
      fieldRules: [
        { kinds: ['ConfigMap'], paths: ['data.*db*pass*', 'data.x*y', 'data.a**b', 'data.*q*r*s*'] },
      ],
    });
    const reference = [/^.*db.*pass.*$/i, /^x.*y$/i, /^a.*b$/i, /^.*q.*r.*s.*$/i];
    const keys = [
      'DB_PASS',
      'mydbXpassword',
      'passdb',
      'db',
      'xy',
      'xay',
      'yx',
      'ab',
      'aXXb',
      'a',
      'QxRxS',
      'qsr',
    ];
    const data = Object.fromEntries(keys.map((key) => [key, 'v']));
    const masked = starry.maskDocument({ kind: 'ConfigMap', data }) as { data: Record<string, string> };
    for (const key of keys) {
      expect(masked.data[key], key).toBe(reference.some((r) => r.test(key)) ? MASKED_TEXT : 'v');
    }
    // Near misses everywhere and no match: a backtracking `^.*q.*r.*s.*$` takes cubic time on this key (4 KB: 2.4 s).
    const hostile = 'qr'.repeat(20_000);
    expect(starry.maskDocument({ kind: 'ConfigMap', data: { [hostile]: 'v' } })).toEqual({
      kind: 'ConfigMap',
      data: { [hostile]: 'v' },
    });
  });

  it('refuses patch reads of the fields a glob masks', () => {
    const target = { resource: 'configmaps', apiGroup: '', subresource: '' };
    expect(globbed.exposesMaskedField(['data', 'Db_Password'], target)).toBe(true);
    expect(globbed.exposesMaskedField(['data'], target)).toBe(true);
    expect(globbed.exposesMaskedField(['data', 'LOG_LEVEL'], target)).toBe(false);
  });
});

describe('document integrity', () => {
  it('never mutates its input (frozen input, equal to a copy afterwards)', () => {
    const doc = { kind: 'SecretList', items: [secret('a', { lastApplied: true }), secret('b')] };
    const before = structuredClone(doc);
    expect(() => masker.maskDocument(deepFreeze(doc))).not.toThrow();
    expect(doc).toEqual(before);
  });

  it('masks detector hits in Status messages and keeps non-string values', () => {
    const status = {
      kind: 'Status',
      message: `dial postgres://u:${CANARY}@db failed`,
      code: 500,
      details: null,
    };
    expect(mask(status)).toEqual({ ...status, message: `dial postgres://u:${MASKED_TEXT}@db failed` });
  });

  it('keeps a "__proto__" data key as data', () => {
    const doc = JSON.parse('{"kind":"ConfigMap","data":{"__proto__":"x","a":"b"}}') as unknown;
    expect(JSON.stringify(mask(doc))).toBe('{"kind":"ConfigMap","data":{"__proto__":"x","a":"b"}}');
  });

  it('masks detector hits in keys, numbering keys that mask alike instead of dropping entries', () => {
    const token = (c: string) => `ghp_${c.repeat(36)}`;
    const doc = {
      kind: 'ConfigMap',
      metadata: { name: 'keys', annotations: { [`note-${token('a')}`]: 'x' } },
      data: { [token('a')]: '1', [token('b')]: '2', plain: '3' },
    };
    const masked = mask(doc);
    expect(JSON.stringify(masked)).not.toMatch(/ghp_|aaaa|bbbb/);
    expect(masked).toEqual({
      kind: 'ConfigMap',
      metadata: { name: 'keys', annotations: { [`note-${MASKED_TEXT}`]: 'x' } },
      data: { [MASKED_TEXT]: '1', [`${MASKED_TEXT} (2)`]: '2', plain: '3' },
    });
    // A key written to look like a numbered one, later in the object, does not replace the masked entry.
    const crafted = mask({
      kind: 'ConfigMap',
      data: { [token('a')]: '1', [`${MASKED_TEXT} (2)`]: 'x', [MASKED_TEXT]: 'y' },
    });
    expect(crafted).toEqual({
      kind: 'ConfigMap',
      data: { [`${MASKED_TEXT} (3)`]: '1', [`${MASKED_TEXT} (2)`]: 'x', [MASKED_TEXT]: 'y' },
    });
  });

  it('numbers thousands of keys that mask alike in one pass, each entry kept', () => {
    // An agent can write this into a ConfigMap and read it back (or have its request body recorded).
    const data = Object.fromEntries(
      Array.from({ length: 5000 }, (_, i) => [`ghp_${String(i).padStart(36, 'a')}`, String(i)]),
    );
    const masked = mask({ kind: 'ConfigMap', data }) as { data: Record<string, string> };
    expect(Object.keys(masked.data)).toEqual([
      MASKED_TEXT,
      ...Array.from({ length: 4999 }, (_, i) => `${MASKED_TEXT} (${i + 2})`),
    ]);
    expect(Object.values(masked.data)).toEqual(Object.values(data));
  });

  it('passes scalars and null through', () => {
    expect([mask(null), mask(3), mask(true)]).toEqual([null, 3, true]);
    expect(mask({ kind: 'Secret', data: null })).toEqual({ kind: 'Secret', data: null });
  });
});
