import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASKED_TEXT } from '../../src/masking/index.js';
import { startHarness, type Harness } from '../support/airlock-harness.js';

/**
 * The fast path relays an answer's bytes undecoded when a scan finds nothing the masker would change. These
 * canaries sit in objects that are otherwise ordinary — among hundreds of clean ones, after long runs of the scan's
 * own characters, in key orders Go never writes — and each must still be masked, in single reads and in lists.
 */

const AWS_KEY = 'AKIACANARYFASTPATH01';
const PEM_BODY = 'Q2FuYXJ5UGVtQm9keUZhc3RQYXRoMDE=';
const ENV_TOKEN = 'canary-env-token-F4S7';
const ENV_REORDERED = 'canary-env-reordered-V2N8';
const ENV_BETWEEN = 'canary-env-between-H6K3';
const SLACK_TOKEN = 'xoxb-123456789012-canaryfastpathslacktoken';
const CANARIES = [AWS_KEY, PEM_BODY, ENV_TOKEN, ENV_REORDERED, ENV_BETWEEN, SLACK_TOKEN];

const pod = (name: string, env: Record<string, string>[]) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'fast', labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image: 'registry.example.com/web:1.0', env }] },
});

describe('the mask-free fast path through the gateway', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({});
    for (let i = 0; i < 300; i++) {
      h.fake.seed({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `clean-${i}`, namespace: 'fast' },
        data: { value: 'x'.repeat(700) },
      });
    }
    h.fake.seed({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'aws', namespace: 'fast' },
      data: { filler: 'x'.repeat(5000), credentials: `aws_access_key_id = ${AWS_KEY}`, slack: SLACK_TOKEN },
    });
    h.fake.seed({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'pem',
        namespace: 'fast',
        annotations: { key: `-----BEGIN PRIVATE KEY-----\n${PEM_BODY}\n-----END PRIVATE KEY-----\n` },
      },
      data: {},
    });
    h.fake.seed(pod('plain', [{ name: 'LOG_LEVEL', value: 'info' }]));
    h.fake.seed(
      pod('token', [
        { name: 'MODE', value: 'a]}"\\' },
        { name: 'API_TOKEN', value: ENV_TOKEN },
      ]),
    );
    // Key orders kube-apiserver does not write for Pods, but a custom resource's `env` list may have.
    h.fake.seed(pod('reordered', [{ value: ENV_REORDERED, name: 'DB_PASSWORD' }]));
    h.fake.seed(pod('between', [{ name: 'DB_PASSWORD', optional: 'false', value: ENV_BETWEEN }]));
  });

  afterAll(async () => {
    await h?.close();
  });

  /** The recorded summary of the latest ConfigMap list in `namespace` (`stream: true` when it was relayed as a stream). */
  async function listSummary(namespace: string): Promise<Record<string, unknown>> {
    for (let tries = 0; tries < 100; tries++) {
      const event: { summary: string | null } | undefined = await h.airlock
        .db('events')
        .where({ verb: 'list', resource: 'configmaps', namespace })
        .orderBy('seq', 'desc')
        .first('summary');
      if (event) return event.summary === null ? {} : (JSON.parse(event.summary) as Record<string, unknown>);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no list of configmaps in ${namespace} was recorded`);
  }

  async function read(args: string[]): Promise<string> {
    const res = await h.kubectl([...args, '-n', 'fast', '-o', 'json']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    return res.stdout;
  }

  it.each([
    ['the ConfigMap list', ['get', 'configmaps']],
    ['the ConfigMap with an AWS key and a Slack token', ['get', 'configmap', 'aws']],
    ['the ConfigMap with a PEM key in an annotation', ['get', 'configmap', 'pem']],
    ['the Pod list', ['get', 'pods']],
    ['the Pod with a credential env value', ['get', 'pod', 'token']],
    ['the Pod whose env value comes before its name', ['get', 'pod', 'reordered']],
    ['the Pod whose env entry has a field between name and value', ['get', 'pod', 'between']],
  ])('masks %s', async (_what, args) => {
    const out = await read(args);
    expect(CANARIES.filter((canary) => out.includes(canary))).toEqual([]);
  });

  it('masks a list of unknown length longer than what is read whole, in its head and in the rest it streams', async () => {
    // kube-apiserver sends any list over 2 KiB chunked, with no length (the fake does too): up to 1 MiB is read and
    // masked whole, a longer list streams on from what was read. `--chunk-size=0` asks for it in one answer.
    for (let i = 0; i < 500; i++) {
      h.fake.seed({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `m-${String(i).padStart(3, '0')}`, namespace: 'big' },
        data: { value: 'x'.repeat(3000) },
      });
    }
    h.fake.seed({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a-first', namespace: 'big' },
      data: { credentials: `aws_access_key_id = ${AWS_KEY}` },
    });
    h.fake.seed({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'z-last', namespace: 'big' },
      data: { slack: SLACK_TOKEN },
    });
    const res = await h.kubectl(['get', 'configmaps', '-n', 'big', '-o', 'json', '--chunk-size=0']);
    expect(res.stderr).toBe('');
    expect(res.stdout.length).toBeGreaterThan(1024 * 1024);
    expect(CANARIES.filter((canary) => res.stdout.includes(canary))).toEqual([]);
    const list = JSON.parse(res.stdout) as {
      items: { metadata: { name: string }; data: Record<string, string> }[];
    };
    expect(list.items.map((item) => item.metadata.name)).toEqual([
      'a-first',
      ...Array.from({ length: 500 }, (_, i) => `m-${String(i).padStart(3, '0')}`),
      'z-last',
    ]);
    expect(list.items.filter((item) => item.data.value === 'x'.repeat(3000))).toHaveLength(500);
    expect(await listSummary('big')).toMatchObject({ stream: true });
  });

  it('reads a list of unknown length under 1 MiB whole, so clean ones take the fast path', async () => {
    const res = await h.kubectl(['get', 'configmaps', '-n', 'fast', '-o', 'name']);
    expect(res.code).toBe(0);
    expect(await listSummary('fast')).not.toHaveProperty('stream');
  });

  it('relays clean objects and plain values as they are', async () => {
    const list = JSON.parse(await read(['get', 'configmaps'])) as {
      items: { data: Record<string, string> }[];
    };
    expect(list.items).toHaveLength(302);
    expect(list.items.filter((item) => item.data.value === 'x'.repeat(700))).toHaveLength(300);
    const pods = JSON.parse(await read(['get', 'pods'])) as {
      items: {
        metadata: { name: string };
        spec: { containers: { env: { name: string; value: string }[] }[] };
      }[];
    };
    const env = Object.fromEntries(pods.items.map((p) => [p.metadata.name, p.spec.containers[0]!.env]));
    expect(env.plain).toEqual([{ name: 'LOG_LEVEL', value: 'info' }]);
    expect(env.token).toEqual([
      { name: 'MODE', value: 'a]}"\\' },
      { name: 'API_TOKEN', value: MASKED_TEXT },
    ]);
    expect(env.reordered).toEqual([{ value: MASKED_TEXT, name: 'DB_PASSWORD' }]);
  });
});
