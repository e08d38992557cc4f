import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { createMasker, defaultMaskingConfig } from '../../../src/masking/index.js';
import { randomJson } from './fixtures.js';

const masker = createMasker(defaultMaskingConfig());
const CANARY = Buffer.from('list-canary-value').toString('base64');
const stream = () => masker.createListStream({ maxHeldBytes: 1024 * 1024 });

async function run(body: string, chunkSize: number): Promise<string> {
  const bytes = Buffer.from(body);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  return text(Readable.from(chunks).pipe(stream()));
}

const secretList = JSON.stringify({
  kind: 'SecretList',
  apiVersion: 'v1',
  metadata: { resourceVersion: '7', continue: 'eyJ' },
  items: [
    { metadata: { name: 'a "quoted" ]}', namespace: 'ns' }, data: { token: CANARY }, type: 'Opaque' },
    { metadata: { name: 'b' }, data: { other: CANARY, 'k[e}y': CANARY }, type: 'Opaque' },
    { metadata: { name: 'c' }, type: 'Opaque' },
  ],
});

describe('masker.createListStream', () => {
  it.each([1, 2, 3, 7, 64, 100_000])('masks every item of a list split into %i-byte chunks', async (size) => {
    const out = await run(secretList, size);
    expect(out).not.toContain(CANARY);
    expect(JSON.parse(out)).toEqual(masker.maskDocument(JSON.parse(secretList)));
  });

  it('masks documents that are not lists as a whole', async () => {
    const secret = JSON.stringify({
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name: 's' },
      data: { t: CANARY },
    });
    const status = JSON.stringify({ kind: 'Status', status: 'Failure', message: 'no', code: 403 });
    const itemsNull = JSON.stringify({ kind: 'SecretList', apiVersion: 'v1', items: null });
    for (const body of [secret, status, itemsNull]) {
      for (const size of [1, 5, 1000]) {
        const out = await run(body, size);
        expect(out).not.toContain(CANARY);
        expect(JSON.parse(out)).toEqual(masker.maskDocument(JSON.parse(body)));
      }
    }
  });

  it('handles an empty list and fields after the items array', async () => {
    expect(JSON.parse(await run('{"kind":"SecretList","items":[]}', 3))).toEqual({
      kind: 'SecretList',
      items: [],
    });
    const late =
      '{"kind":"SecretList","apiVersion":"v1","items":[{"data":{"a":"' +
      CANARY +
      '"},"type":"x"}],"metadata":{}}';
    const out = await run(late, 4);
    expect(out).not.toContain(CANARY);
    expect(JSON.parse(out)).toEqual(masker.maskDocument(JSON.parse(late)));
  });

  it('fails the stream rather than passing a truncated list through', async () => {
    await expect(run('{"kind":"SecretList","items":[{"data":{"a":"', 4)).rejects.toThrow();
  });
});

describe('masker.createListStream relays elements in batches', () => {
  const TOKEN = `ghp_${'a1B2'.repeat(9)}`;
  const configMap = (i: number, value = `value ${i} "quoted" \\ back ]} {[ é`) => ({
    metadata: { name: `cm-${i}`, namespace: 'ns', annotations: { note: 'x'.repeat(i % 500) } },
    data: { key: value },
  });
  const configMapList = (items: unknown[]) => ({
    kind: 'ConfigMapList',
    apiVersion: 'v1',
    metadata: { resourceVersion: '9' },
    items,
  });

  async function relayed(body: string, chunkSize: number, maxHeldBytes = 1024 * 1024): Promise<string> {
    const bytes = Buffer.from(body);
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
    return text(Readable.from(chunks).pipe(masker.createListStream({ maxHeldBytes })));
  }

  it.each([1, 2, 7, 4096, 65_536, 10_000_000])(
    'passes a list with nothing to mask on byte for byte (%i-byte chunks), pretty-printed too',
    async (size) => {
      const list = configMapList(Array.from({ length: 400 }, (_, i) => configMap(i)));
      for (const body of [JSON.stringify(list), JSON.stringify(list, null, 2)]) {
        expect(Buffer.byteLength(body)).toBeGreaterThan(130_000); // more than one batch
        expect(await relayed(body, size)).toBe(body);
      }
    },
  );

  it.each([1, 3, 4096, 65_536])(
    'masks the one element that needs it and relays its neighbours unchanged (%i-byte chunks)',
    async (size) => {
      const items = Array.from({ length: 400 }, (_, i) => configMap(i));
      items[123] = configMap(123, `token ${TOKEN}`);
      items[399] = configMap(399, `token ${TOKEN}`);
      const body = JSON.stringify(configMapList(items));
      const out = await relayed(body, size);
      expect(out).not.toContain(TOKEN);
      const parsed = JSON.parse(out) as { items: unknown[] };
      expect(parsed).toEqual(masker.maskDocument(JSON.parse(body)));
      expect(parsed.items[122]).toEqual(items[122]);
      expect(parsed.items[123]).not.toEqual(items[123]);
      expect(out.length).toBeGreaterThan(body.length - 100); // everything else is still there
    },
  );

  it('finds element ends whatever the elements hold (random lists, random chunks, strings full of escapes)', async () => {
    // Tokens only in values (keys are not masked), with spaces around them so the detector sees a word.
    const structure = [...'"\\]}[{, aé\n'];
    const randomItems = randomJson(7, [...structure, ` ${TOKEN} `], structure);
    for (let round = 0; round < 60; round++) {
      const items = randomItems() as unknown[];
      const body = JSON.stringify(configMapList(items), null, round % 3 === 0 ? 1 : undefined);
      const out = await relayed(body, 1 + ((round * 37) % 50));
      expect(out).not.toContain(TOKEN);
      expect(JSON.parse(out)).toEqual(masker.maskDocument(JSON.parse(body)));
    }
  });

  it('fails the stream when one element, or a body read whole, is more than it may hold', async () => {
    const big = JSON.stringify(configMapList([configMap(1, 'v'.repeat(5000)), configMap(2)]));
    await expect(relayed(big, 1000, 4096)).rejects.toThrow(/larger than the 4096 bytes/);
    expect(JSON.parse(await relayed(big, 1000, 8192))).toEqual(JSON.parse(big));
    const status = JSON.stringify({ kind: 'Status', message: 'm'.repeat(5000) });
    await expect(relayed(status, 1000, 4096)).rejects.toThrow(/more than the 4096 bytes/);
  });
});
