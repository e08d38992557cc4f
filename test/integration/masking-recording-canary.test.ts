import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/database.js';
import { MASKED_BASE64, MASKED_TEXT } from '../../src/masking/index.js';
import { agentHttp } from '../support/agent-http.js';
import { startHarness, type Harness } from '../support/airlock-harness.js';
import { eventually } from '../support/eventually.js';

/**
 * Canaries: known secret values planted upstream (and applied through Airlock), read back every way kubectl and
 * client-node can. None may reach the agent, the session database (file and WAL) or Airlock's log lines.
 */

const SECRET_DATA = 'canary-secret-data-K7Q2';
const STRING_DATA = 'canary-stringdata-M3X9';
const FIELD_RULE_VALUE = 'canary-field-rule-P5W1';
/** Under a glob segment (`data.*_api_token`), which matches keys in any case. */
const GLOB_RULE_VALUE = 'canary-glob-rule-X2M8';
const CONNECTION_PASSWORD = 'canaryConnPw8H4';
const GITHUB_TOKEN = 'ghp_CanaryGithubToken1234567890123456789';
/** A token used as a ConfigMap key (`--from-literal=<token>=1`): keys are masked like values. */
const GITHUB_TOKEN_KEY = 'ghp_CanaryGithubKey12345678901234567890ab';
/** HTTP reads the scheme in any case; so does the detector, on every path. */
const MIXED_CASE_BEARER = 'canaryMixedCaseBearer5J8K2';
/** An argument of an exec command (the request's query), recorded with the session. */
const EXEC_ARGUMENT_TOKEN = 'ghp_CanaryExecArgument12345678901234567ab';
/** A kubeconfig's `client-key-data`: a whole PEM private key, base64-encoded. */
const CLIENT_KEY_DATA = Buffer.from(
  '-----BEGIN RSA PRIVATE KEY-----\nMIIEcanaryKubeconfigKeyQ7W4\n-----END RSA PRIVATE KEY-----\n',
).toString('base64');
/** A Slack token is a valid object name: the path, its name and the cluster's NotFound message carry it. */
const NAME_TOKEN = 'xoxb-canary-object-name-5t8k2';
/** Whatever follows `/proxy/` is the agent's. */
const PROXY_SUBPATH_TOKEN = 'ghp_CanaryProxySubpath1234567890123456ab';
/** The `X-Airlock-Session` label is the agent's text too; it still names the session. */
const SESSION_LABEL_TOKEN = 'ghp_CanarySessionLabel12345678901234567ab';
const WATCH_SECRET_VALUE = 'canary-watch-update-R8T6';
const WATCH_CONNECTION_PASSWORD = 'canaryWatchPw2Z7';

const CANARIES = [
  SECRET_DATA,
  STRING_DATA,
  FIELD_RULE_VALUE,
  GLOB_RULE_VALUE,
  CONNECTION_PASSWORD,
  GITHUB_TOKEN,
  GITHUB_TOKEN_KEY,
  MIXED_CASE_BEARER,
  EXEC_ARGUMENT_TOKEN,
  NAME_TOKEN,
  PROXY_SUBPATH_TOKEN,
  SESSION_LABEL_TOKEN,
  CLIENT_KEY_DATA,
  WATCH_SECRET_VALUE,
  WATCH_CONNECTION_PASSWORD,
];
/** Secret `data` carries values base64-encoded: a leak could show either form. */
const FORBIDDEN = CANARIES.flatMap((c) => [c, Buffer.from(c).toString('base64')]);

const POLICY = `
apiVersion: airlock.dev/v1
kind: Policy
rules:
  - name: discovery
    match: { nonResourceURLs: ['*'] }
    action: allow
    recording: { level: none }
  - name: everything-else
    match: {}
    action: allow
    recording: { level: request-response }
`;

const FIELD_RULES = [{ kinds: ['ConfigMap'], paths: ['data.DB_PASSWORD', 'data.*_api_token'] }];

const APPLIED_SECRET = `apiVersion: v1
kind: Secret
metadata: { name: applied-secret, namespace: default }
type: Opaque
stringData: { token: ${STRING_DATA} }
`;

const APPLIED_CONFIGMAP = `apiVersion: v1
kind: ConfigMap
metadata: { name: app-config, namespace: default, labels: { app: shop } }
data:
  DB_PASSWORD: ${FIELD_RULE_VALUE}
  PAYMENTS_API_TOKEN: ${GLOB_RULE_VALUE}
  DATABASE_URL: postgres://app:${CONNECTION_PASSWORD}@db.internal:5432/shop
  GITHUB_TOKEN: ${GITHUB_TOKEN}
  ${GITHUB_TOKEN_KEY}: '1'
  AUTH_HEADER: 'Authorization: BeArEr ${MIXED_CASE_BEARER}'
  CLIENT_KEY_DATA: ${CLIENT_KEY_DATA}
  color: blue
`;

const b64 = (text: string) => Buffer.from(text).toString('base64');

function findCanaries(haystack: string): string[] {
  return FORBIDDEN.filter((canary) => haystack.includes(canary));
}

function collect(child: ChildProcess): () => string {
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  return () => out;
}

describe('masking and recording through the gateway: canaries', () => {
  let h: Harness;
  let dir: string;
  let closed = false;
  /** Everything the agent received, from every client. */
  const agentSaw: string[] = [];

  async function kubectl(args: string[], input?: string): Promise<string> {
    const res = await h.kubectl(args, input === undefined ? {} : { input });
    agentSaw.push(res.stdout, res.stderr);
    expect(res.stderr, `kubectl ${args.join(' ')}`).toBe('');
    expect(res.code, `kubectl ${args.join(' ')}`).toBe(0);
    return res.stdout;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-canary-'));
    h = await startHarness({ policy: POLICY, dir, config: { masking: { fieldRules: FIELD_RULES } } });
    h.fake.seed({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db-credentials', namespace: 'default', labels: { app: 'shop' } },
      type: 'Opaque',
      data: { password: b64(SECRET_DATA), username: b64('shop') },
    });
    // Through Airlock: the agent's own manifests carry the canaries, and kubectl copies them into the annotation.
    expect(await kubectl(['apply', '-f', '-'], APPLIED_SECRET)).toContain('secret/applied-secret created');
    expect(await kubectl(['apply', '-f', '-'], APPLIED_CONFIGMAP)).toContain('configmap/app-config created');
  });

  afterAll(async () => {
    if (!closed) await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('plants the canaries upstream, unmasked', () => {
    const at = { group: '', version: 'v1', namespace: 'default' };
    const applied = h.fake.getObject({ ...at, resource: 'secrets', name: 'applied-secret' });
    expect(applied?.data).toEqual({ token: b64(STRING_DATA) });
    expect(applied?.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toContain(
      STRING_DATA,
    );
    const config = h.fake.getObject({ ...at, resource: 'configmaps', name: 'app-config' });
    expect(JSON.stringify(config)).toContain(GITHUB_TOKEN);
    expect(config?.data).toMatchObject({ [GITHUB_TOKEN_KEY]: '1' });
  });

  it('masks single objects and lists in yaml, json and raw reads, keeping keys and plain values', async () => {
    const secretYaml = await kubectl(['get', 'secret', 'db-credentials', '-o', 'yaml']);
    expect(secretYaml).toContain(`password: ${MASKED_BASE64}`);
    expect(secretYaml).toContain(`username: ${MASKED_BASE64}`);

    const appliedJson = JSON.parse(
      await kubectl(['get', 'secret', 'applied-secret', '-o', 'json']),
    ) as k8s.V1Secret;
    expect(appliedJson.data).toEqual({ token: MASKED_BASE64 });
    const lastApplied =
      appliedJson.metadata?.annotations?.['kubectl.kubernetes.io/last-applied-configuration'];
    expect(lastApplied).toContain(MASKED_TEXT);

    const configYaml = await kubectl(['get', 'configmap', 'app-config', '-o', 'yaml']);
    expect(configYaml).toContain(`DB_PASSWORD: '${MASKED_TEXT}'`);
    expect(configYaml).toContain(`PAYMENTS_API_TOKEN: '${MASKED_TEXT}'`);
    expect(configYaml).toContain(`postgres://app:${MASKED_TEXT}@db.internal:5432/shop`);
    expect(configYaml).toContain('color: blue');
    expect(configYaml).toContain(`'${MASKED_TEXT}': "1"`);

    const secretList = await kubectl(['get', 'secrets', '-o', 'yaml']);
    expect(secretList).toContain('name: db-credentials');
    expect(secretList).toContain('name: applied-secret');
    await kubectl(['get', 'configmaps', '-o', 'json']);
    await kubectl(['get', 'secrets,configmaps', '-l', 'app=shop', '-o', 'json']);

    // `--raw` replaces the server URL's path, so the cluster prefix is part of the raw path.
    const rawSecrets = await kubectl(['get', '--raw', '/clusters/default/api/v1/namespaces/default/secrets']);
    expect(JSON.parse(rawSecrets)).toMatchObject({ kind: 'SecretList' });
    expect(rawSecrets).toContain(MASKED_BASE64);
    await kubectl(['get', '--raw', '/clusters/default/api/v1/namespaces/default/configmaps']);
    await kubectl(['get', '--raw', '/clusters/default/api/v1/namespaces/default/secrets/applied-secret']);
  });

  it('masks Table reads and describe output', async () => {
    expect(await kubectl(['get', 'secrets'])).toMatch(/db-credentials\s+Opaque\s+2/);
    expect(await kubectl(['get', 'secrets', '--show-labels'])).toContain('app=shop');
    await kubectl(['get', 'secrets,configmaps', '-o', 'wide']);
    await kubectl(['get', 'configmaps', '--show-labels']);

    expect(await kubectl(['describe', 'secret', 'db-credentials'])).toMatch(/password:\s+21 bytes/);
    const describedConfig = await kubectl(['describe', 'configmap', 'app-config']);
    expect(describedConfig).toContain(MASKED_TEXT);
    expect(describedConfig).toContain('blue');
    await kubectl(['describe', 'secrets']);
    await kubectl(['describe', 'configmaps']);
  });

  it('masks watch events, including an update made upstream during the watch', async () => {
    h.fake.requests.length = 0;
    const watchers = await Promise.all([
      h.spawnKubectl(['get', 'secrets', '-w', '-o', 'json']),
      h.spawnKubectl(['get', 'secrets', '-w']),
      h.spawnKubectl(['get', 'configmaps', '-w', '--output-watch-events', '-o', 'yaml']),
    ]);
    const [secretJson, secretTable, configYaml] = watchers.map(collect) as [
      () => string,
      () => string,
      () => string,
    ];
    try {
      const watching = () => h.fake.requests.filter((r) => r.query.get('watch') === 'true').length;
      await eventually(() => watching() === watchers.length, 'the watches to reach upstream', 15_000);

      h.fake.seed({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'db-credentials', namespace: 'default', labels: { app: 'shop' } },
        type: 'Opaque',
        data: { password: b64(SECRET_DATA), username: b64('shop'), rotated: b64(WATCH_SECRET_VALUE) },
      });
      h.fake.seed({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'app-config', namespace: 'default' },
        data: { CACHE_URL: `redis://cache:${WATCH_CONNECTION_PASSWORD}@redis:6379/0`, color: 'green' },
      });

      await eventually(
        () => secretJson().includes('"rotated"'),
        'the secret update in the JSON watch',
        15_000,
      );
      await eventually(
        () => /db-credentials\s+Opaque\s+3/.test(secretTable()),
        'the table watch row',
        15_000,
      );
      await eventually(() => configYaml().includes('color: green'), 'the configmap update', 15_000);
    } finally {
      for (const w of watchers) w.kill();
    }
    agentSaw.push(secretJson(), secretTable(), configYaml());
    expect(secretJson()).toContain(`"rotated": "${MASKED_BASE64}"`);
    expect(configYaml()).toContain(`redis://cache:${MASKED_TEXT}@redis:6379/0`);
    expect(configYaml()).toContain('type: MODIFIED');
  });

  it('keeps client-node typed reads working: data placeholders decode as base64', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(await h.kubeconfig({ agent: 'node-client' }));
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const secret = await core.readNamespacedSecret({ namespace: 'default', name: 'db-credentials' });
    const decoded = Object.values(secret.data ?? {}).map((v) => Buffer.from(v, 'base64').toString('utf8'));
    expect(decoded.length).toBeGreaterThan(1);
    expect(new Set(decoded)).toEqual(new Set([MASKED_TEXT]));
    const secrets = await core.listNamespacedSecret({ namespace: 'default' });
    expect(secrets.items.map((s) => s.metadata?.name)).toEqual(
      expect.arrayContaining(['db-credentials', 'applied-secret']),
    );
    const config = await core.readNamespacedConfigMap({ namespace: 'default', name: 'app-config' });
    expect(config.data?.color).toBe('green');
    agentSaw.push(JSON.stringify(secret), JSON.stringify(secrets), JSON.stringify(config));
  });

  it('refuses writing a masked object back with 422 and leaves the secret upstream unchanged', async () => {
    const at = {
      group: '',
      version: 'v1',
      resource: 'secrets',
      namespace: 'default',
      name: 'db-credentials',
    };
    const upstreamBefore = h.fake.getObject(at);
    const yaml = await kubectl(['get', 'secret', 'db-credentials', '-o', 'yaml']);
    const res = await h.kubectl(['apply', '-f', '-'], { input: yaml });
    agentSaw.push(res.stdout, res.stderr);
    expect(res.code).not.toBe(0);
    // kubectl prints an Invalid Status through its causes: the field and why it was refused.
    expect(res.stderr).toMatch(
      /"db-credentials" is invalid: metadata\.annotations\[kubectl\.kubernetes\.io\/last-applied-configuration\]: Invalid value: the masked placeholder "\*\*masked-by-airlock\*\*" cannot be written back \(send the real value or leave this field out\)/,
    );
    const refused: { status: number; method: string }[] = await eventually(async () => {
      const rows: { status: number; method: string }[] = await h.airlock
        .db('events')
        .where({ name: 'db-credentials' })
        .whereNot({ method: 'GET' });
      return rows.length > 0 && rows;
    }, 'the refused write to be recorded');
    expect(refused).toEqual([expect.objectContaining({ method: 'PATCH', status: 422 })]);
    const patches = h.fake.requests.filter((r) => r.method !== 'GET' && r.path.endsWith('/db-credentials'));
    expect(patches).toEqual([]);
    expect(h.fake.getObject(at)).toEqual(upstreamBefore);
    expect(h.fake.getObject(at)).toMatchObject({ data: { password: b64(SECRET_DATA) } });
  });

  it('records an exec whose command carries a token with the token masked', async () => {
    h.fake.seed({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'shell', namespace: 'default' },
      spec: { containers: [{ name: 'sh', image: 'busybox' }] },
    });
    await kubectl(['exec', 'shell', '--', 'true', `--token=${EXEC_ARGUMENT_TOKEN}`]);
    expect(
      h.fake.requests.some((r) => r.query.getAll('command').includes(`--token=${EXEC_ARGUMENT_TOKEN}`)),
    ).toBe(true);
    const recorded: { query: string; summary: string }[] = await eventually(async () => {
      const rows: { query: string; summary: string }[] = await h.airlock
        .db('events')
        .where({ subresource: 'exec' });
      return rows.length > 0 ? rows : undefined;
    }, 'the exec to be recorded');
    expect(new URLSearchParams(recorded[0]!.query).getAll('command')).toEqual([
      'true',
      `--token=${MASKED_TEXT}`,
    ]);
    expect(JSON.parse(recorded[0]!.summary)).toMatchObject({ command: ['true', `--token=${MASKED_TEXT}`] });
  });

  it('records and logs a request whose path or session label carries a token with the token masked', async () => {
    const missing = await h.kubectl(['get', 'configmap', NAME_TOKEN]);
    agentSaw.push(missing.stdout, missing.stderr);
    expect(missing.stderr).toContain(`configmaps "${MASKED_TEXT}" not found`);
    const agent = await agentHttp(h, await h.mint({ agent: 'canary-agent' }));
    const proxied = await agent.request({
      path: `/api/v1/namespaces/default/services/web/proxy/${PROXY_SUBPATH_TOKEN}`,
      headers: { 'x-airlock-session': `deploy ${SESSION_LABEL_TOKEN}` },
    });
    agentSaw.push(proxied.body);
    // The cluster got both requests as sent.
    const paths = h.fake.requests.map((r) => r.path);
    expect(paths).toContain(`/api/v1/namespaces/default/configmaps/${NAME_TOKEN}`);
    expect(paths).toContain(`/api/v1/namespaces/default/services/web/proxy/${PROXY_SUBPATH_TOKEN}`);

    const recorded: { path: string; name: string; session_id: string }[] = await eventually(async () => {
      const rows: { path: string; name: string; session_id: string }[] = await h.airlock
        .db('events')
        .whereIn('resource', ['configmaps', 'services'])
        .andWhere('path', 'like', `%${MASKED_TEXT}%`);
      return rows.length === 2 ? rows : undefined;
    }, 'both requests to be recorded');
    expect(recorded.map((r) => [r.path, r.name]).sort()).toEqual([
      [`/api/v1/namespaces/default/configmaps/${MASKED_TEXT}`, MASKED_TEXT],
      [`/api/v1/namespaces/default/services/web/proxy/${MASKED_TEXT}`, 'web'],
    ]);
    const labelled = recorded.find((r) => r.path.includes('/proxy/'))!;
    const session: { label: string } = await h.airlock
      .db('sessions')
      .where({ id: labelled.session_id })
      .first();
    expect(session.label).toBe(`deploy ${MASKED_TEXT}`);
    expect(h.logs.join('')).toContain(`/services/web/proxy/${MASKED_TEXT}`);
  });

  it('no canary reached the agent, the logs, the stored events or the database file', async () => {
    expect(agentSaw.join('\n').length).toBeGreaterThan(10_000);
    expect(findCanaries(agentSaw.join('\n'))).toEqual([]);

    const stored: { response_body: string | null }[] = await h.airlock
      .db('events')
      .where({ resource: 'secrets', verb: 'get' })
      .whereNotNull('response_body');
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.some((e) => e.response_body?.includes(MASKED_BASE64))).toBe(true);

    const dbFile = join(dir, 'airlock.db');
    const walWhileRunning = existsSync(`${dbFile}-wal`) ? await readFile(`${dbFile}-wal`) : Buffer.alloc(0);
    await h.close();
    closed = true;

    const files = [await readFile(dbFile), walWhileRunning];
    if (existsSync(`${dbFile}-wal`)) files.push(await readFile(`${dbFile}-wal`));
    const bytes = Buffer.concat(files).toString('latin1');
    expect(bytes).toContain(MASKED_TEXT);
    expect(findCanaries(bytes)).toEqual([]);

    const logs = h.logs.join('');
    expect(logs).toContain('db-credentials');
    expect(findCanaries(logs)).toEqual([]);
  });
});

describe('masking and recording through the gateway: unmasked reads', () => {
  const UNMASK_POLICY = `
apiVersion: airlock.dev/v1
kind: Policy
rules:
  - name: discovery
    match: { nonResourceURLs: ['*'] }
    action: allow
  - name: rotation-bot-reads-secrets
    match: { agents: [rotation-bot], verbs: [get, list], resources: [secrets] }
    action: allow
    masking: { unmask: true }
    recording: { level: request-response }
`;
  let h: Harness;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-unmasked-'));
    h = await startHarness({ policy: UNMASK_POLICY, dir });
    h.fake.seed({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db-credentials', namespace: 'default' },
      type: 'Opaque',
      data: { password: b64(SECRET_DATA) },
    });
  });

  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('lets the rule’s agent read the value, yet stores only the masked body', async () => {
    const res = await h.kubectl(['get', 'secret', 'db-credentials', '-o', 'json'], {
      as: { agent: 'rotation-bot' },
    });
    expect(res.stderr).toBe('');
    expect(res.stdout).toContain(b64(SECRET_DATA));
    await h.close();

    const db = createDatabase(join(dir, 'airlock.db'));
    const stored: { response_body: string | null }[] = await db('events')
      .where({ resource: 'secrets', verb: 'get' })
      .select('response_body')
      .finally(() => db.destroy());
    expect(stored).toEqual([{ response_body: expect.stringContaining(MASKED_BASE64) as unknown }]);
    const bytes = (await readFile(join(dir, 'airlock.db'))).toString('latin1');
    expect(findCanaries(bytes)).toEqual([]);
  });
});
