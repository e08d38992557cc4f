import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { createMasker, defaultMaskingConfig } from '../../../src/masking/index.js';

const masker = createMasker(defaultMaskingConfig());
const CANARY = Buffer.from('list-canary-value').toString('base64');
const stream = () => masker.createListStream();

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
