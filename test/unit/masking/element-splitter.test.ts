import { describe, expect, it } from 'vitest';
import { ElementSplitter } from '../../../src/masking/element-splitter.js';
import { randomJson } from './fixtures.js';

/** Feeds an array's bytes (after its `[`) in chunks; returns each element's text and where the array closed. */
function split(body: Buffer, chunkSize: number): { elements: string[]; close: number } {
  const splitter = new ElementSplitter();
  const ends: number[] = [];
  for (let at = 0; at < body.length; at += chunkSize) {
    const close = splitter.split(body.subarray(at, at + chunkSize), at, ends);
    if (close >= 0) return { elements: texts(body, ends), close: at + close };
  }
  return { elements: texts(body, ends), close: -1 };
}

const texts = (body: Buffer, ends: number[]) =>
  Array.from({ length: ends.length / 2 }, (_, k) => body.toString('utf8', ends[2 * k], ends[2 * k + 1]));

/** The bytes after an array's `[`, then something that must not be read as elements. */
const afterBracket = (items: unknown[], indent?: number) =>
  Buffer.from(`${JSON.stringify(items, null, indent).slice(1)} ,{"not":"an element"}`);

describe('ElementSplitter', () => {
  it('finds every element of random arrays, whatever the chunks and the escapes at their edges', () => {
    const randomItems = randomJson(11, [...'"\\]}[{, é\n', '\\\\', '\\"', 'x'.repeat(40)]);
    for (let round = 0; round < 1500; round++) {
      const items = randomItems() as unknown[];
      const body = afterBracket(items, round % 3 === 0 ? 2 : undefined);
      const { elements, close } = split(body, 1 + ((round * 37) % (round % 5 === 0 ? 3 : 70)));
      expect(elements.map((e) => JSON.parse(e) as unknown)).toEqual(items);
      expect(body[close]).toBe(0x5d);
      expect(body.toString('utf8', close + 1)).toBe(' ,{"not":"an element"}');
    }
  });

  it('reads chunks and elements larger than the 64 KiB it scans at once', () => {
    const items = [
      { big: 'q\\"'.repeat(60_000) },
      ['x'.repeat(70_000), { a: [1, 2, { b: '}' }] }],
      'tail',
      7,
    ];
    const body = afterBracket(items);
    for (const size of [body.length, 65_536, 65_537, 100_000, 4096]) {
      const { elements } = split(body, size);
      expect(elements).toEqual(items.map((item) => JSON.stringify(item)));
    }
  });

  it('keeps each splitter’s state apart when streams interleave', () => {
    const a = afterBracket([{ s: 'a"}]' }, [1, '2'], 'x']);
    const b = afterBracket([{ t: ['\\', '{'] }, 3]);
    const streams = [a, b].map((body) => ({
      body,
      splitter: new ElementSplitter(),
      ends: [] as number[],
      open: true,
    }));
    for (let at = 0; streams.some((s) => s.open); at += 3) {
      for (const s of streams.filter((x) => x.open)) {
        s.open = s.splitter.split(s.body.subarray(at, at + 3), at, s.ends) < 0;
      }
    }
    const [ea, eb] = streams.map((s) => s.ends);
    expect(texts(a, ea!)).toEqual(['{"s":"a\\"}]"}', '[1,"2"]', '"x"']);
    expect(texts(b, eb!)).toEqual(['{"t":["\\\\","{"]}', '3']);
  });
});

describe('ElementSplitter on what no cluster should send', () => {
  it('reports every element of a slice packed with the shortest ones, without separators', () => {
    // `{}{}…` is not JSON, but a hostile upstream may send it: the element carried in ends at the slice's first byte,
    // then 32,767 more end in the same 64 KiB, the most a slice can hold.
    const body = Buffer.from(`[]${'{}'.repeat(32_767)}{}]`);
    const splitter = new ElementSplitter();
    const ends: number[] = [];
    expect(splitter.split(body.subarray(0, 1), 0, ends)).toBe(-1);
    expect(splitter.split(body.subarray(1, 65_537), 1, ends)).toBe(-1);
    expect(ends.length / 2).toBe(32_768);
    expect(splitter.split(body.subarray(65_537), 65_537, ends)).toBe(1);
    expect(ends.length / 2).toBe(32_769);
    expect(ends.every(Number.isInteger)).toBe(true);
    expect(texts(body, ends).every((e) => e === '[]' || e === '{}')).toBe(true);
  });
});
