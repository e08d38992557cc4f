import { describe, expect, it } from 'vitest';
import { createLineTransform, LineTooLongError } from '../../../src/masking/line-stream.js';
import {
  createMasker,
  defaultMaskingConfig,
  MASKED_BASE64,
  MASKED_TEXT,
} from '../../../src/masking/index.js';
import { CANARY, CANARY_BASE64, everySplit, runThrough, secret } from './fixtures.js';

const masker = createMasker(defaultMaskingConfig());

const watchEvents = [
  { type: 'ADDED', object: secret('a', { lastApplied: true }) },
  { type: 'MODIFIED', object: { kind: 'ConfigMap', metadata: { name: 'ü-名前' }, data: { k: 'v' } } },
  { type: 'BOOKMARK', object: { kind: 'Secret', apiVersion: 'v1', metadata: { resourceVersion: '12' } } },
  { type: 'DELETED', object: { kind: 'Secret', metadata: { name: 'b' }, data: { k: CANARY_BASE64 } } },
];
const watchBody = Buffer.from(watchEvents.map((event) => `${JSON.stringify(event)}\n`).join(''));

describe('watch stream', () => {
  it('masks every event, whatever the chunk boundaries, and emits intact compact JSON lines', async () => {
    const expected = watchEvents.map((event) => `${JSON.stringify(masker.maskDocument(event))}\n`).join('');
    expect(expected).toContain(MASKED_BASE64);

    for (const chunks of everySplit(watchBody)) {
      const output = await runThrough(masker.createWatchStream(), chunks);
      for (const chunk of output) {
        const text = chunk.toString('utf8');
        expect(text).not.toContain(CANARY);
        expect(text).not.toContain(CANARY_BASE64);
        expect(text.endsWith('\n')).toBe(true);
        for (const line of text.slice(0, -1).split('\n'))
          expect(() => JSON.parse(line) as unknown).not.toThrow();
      }
      expect(Buffer.concat(output).toString('utf8')).toBe(expected);
    }
  });

  it('drops lines that are not whole JSON events (pretty-printed or truncated fragments) and passes blank lines', async () => {
    const secret = { kind: 'Secret', data: { k: CANARY_BASE64 } };
    const pretty = JSON.stringify({ type: 'ADDED', object: secret }, null, 2);
    const body = `not json\n\n${pretty}\n{"type":"ADDED","object":{"kind":"Secret","data":{"k":"${CANARY_BASE64}"}}}\n{"type":"MODIFIED","object":{"kind":"Secret","data":{"k":"${CANARY_BASE64}`;
    const output = await runThrough(masker.createWatchStream(), [Buffer.from(body)]);
    expect(Buffer.concat(output).toString()).toBe(
      `\n{"type":"ADDED","object":{"kind":"Secret","data":{"k":"${MASKED_BASE64}"}}}\n`,
    );
  });

  it('masks a final event that lacks its newline when the stream ends', async () => {
    const output = await runThrough(masker.createWatchStream(), [
      Buffer.from(JSON.stringify(watchEvents[3])),
    ]);
    expect(JSON.parse(Buffer.concat(output).toString())).toEqual(masker.maskDocument(watchEvents[3]));
  });

  it('emits each event as soon as its line is complete', async () => {
    const stream = masker.createWatchStream();
    const first = new Promise<Buffer>((resolve) => stream.once('data', resolve));
    stream.write(Buffer.from(`${JSON.stringify(watchEvents[0])}\n{"type":"ADD`));
    expect(JSON.parse((await first).toString())).toEqual(masker.maskDocument(watchEvents[0]));
    stream.destroy();
  });
});

describe('text stream', () => {
  const pemBody = ['MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7', `${CANARY_BASE64}Vw==`];
  const log = [
    '2026-11-28T00:00:00Z starting',
    `2026-11-28T00:00:01Z key: -----BEGIN RSA PRIVATE KEY-----`,
    ...pemBody,
    '-----END RSA PRIVATE KEY----- loaded',
    `2026-11-28T00:00:02Z connecting to postgres://app:${CANARY}@db:5432`,
    '2026-11-28T00:00:03Z ready',
  ].join('\n');
  const expected = [
    '2026-11-28T00:00:00Z starting',
    `2026-11-28T00:00:01Z key: ${MASKED_TEXT}`,
    ' loaded',
    `2026-11-28T00:00:02Z connecting to postgres://app:${MASKED_TEXT}@db:5432`,
    '2026-11-28T00:00:03Z ready',
  ].join('\n');

  it('masks log lines and multi-line private keys, whatever the chunk boundaries', async () => {
    for (const chunks of everySplit(Buffer.from(log))) {
      const output = await runThrough(masker.createTextStream(), chunks);
      for (const chunk of output) {
        expect(chunk.toString()).not.toContain(CANARY);
        expect(chunk.toString()).not.toContain(CANARY_BASE64);
      }
      expect(Buffer.concat(output).toString()).toBe(expected);
    }
  });

  it('ends a truncated key block at the first line that is not key material', async () => {
    const truncated = ['-----BEGIN PRIVATE KEY-----', pemBody[0], '2026-11-28T00:00:04Z next: ok', ''].join(
      '\n',
    );
    const output = await runThrough(masker.createTextStream(), [Buffer.from(truncated)]);
    expect(Buffer.concat(output).toString()).toBe(`${MASKED_TEXT}\n2026-11-28T00:00:04Z next: ok\n`);
  });

  it('drops the lines of a base64-encoded key wrapped over lines, as `base64 key.pem` prints it', async () => {
    const pem = ['-----BEGIN EC PRIVATE KEY-----', ...pemBody, '-----END EC PRIVATE KEY-----', ''].join('\n');
    // Unpadded lines keep the block open; the padded last one closes it; a line that is not base64 ends it too.
    const wrapped = Buffer.from(pem)
      .toString('base64')
      .match(/.{1,76}/g)!;
    expect(wrapped.length).toBeGreaterThan(2);
    for (const [lines, after] of [
      [wrapped, '2026-11-28T00:00:05Z done'],
      [wrapped.slice(0, -1), '2026-11-28T00:00:05Z cut short'],
    ] as const) {
      const text = ['2026-11-28T00:00:04Z key:', ...lines, after, ''].join('\n');
      for (const chunks of [[Buffer.from(text)], ...everySplit(Buffer.from(text)).slice(0, 40)]) {
        const output = Buffer.concat(await runThrough(masker.createTextStream(), chunks)).toString();
        expect(output).toBe(`2026-11-28T00:00:04Z key:\n${MASKED_TEXT}\n${after}\n`);
      }
    }
  });

  it('passes key lines through when the private-key detector is off', async () => {
    const noPem = createMasker({ ...defaultMaskingConfig(), detectors: ['jwt'] });
    const output = await runThrough(noPem.createTextStream(), [Buffer.from(log)]);
    expect(Buffer.concat(output).toString()).toContain(pemBody[0]);
  });
});

describe('line framing', () => {
  it('fails the stream instead of holding an endless line', async () => {
    const stream = createLineTransform((line) => line, 8);
    await expect(runThrough(stream, [Buffer.from('12345'), Buffer.from('67890')])).rejects.toBeInstanceOf(
      LineTooLongError,
    );
  });

  it('reports a masking failure as a stream error', async () => {
    const stream = createLineTransform(() => {
      throw new Error('boom');
    });
    await expect(runThrough(stream, [Buffer.from('a\n')])).rejects.toThrow('boom');
  });
});
