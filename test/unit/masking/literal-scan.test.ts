import { describe, expect, it } from 'vitest';
import {
  createLiteralScan,
  LiteralSearch,
  NeedlePlans,
  prepareLiteral,
  type LiteralText,
} from '../../../src/masking/literal-scan.js';
import { randomLetters } from './fixtures.js';

const LITERALS = ['xox', 'AKIA', 'eyJ', '://', 'env"', '\\u', 'ab', 'TokenRequest'];

/** Texts over a small alphabet, so literals occur by chance and nearly occur often. */
const randomText = (seed: number, length: number, alphabet = 'xoAKIeyJ:/"\\uenvab {},') =>
  randomLetters(seed, length, alphabet);

/** Every occurrence, in order, as the search reports them. */
function occurrences(search: LiteralSearch, literal: LiteralText): number[] {
  const prepared = prepareLiteral(literal);
  const found: number[] = [];
  for (let at = search.indexOf(prepared); at >= 0; at = search.indexOf(prepared, at + 1)) found.push(at);
  return found;
}

function expectedOccurrences(text: string, literal: string): number[] {
  const found: number[] = [];
  for (let at = text.indexOf(literal); at >= 0; at = text.indexOf(literal, at + 1)) found.push(at);
  return found;
}

// The native searches (every answer, with `small` below 0 bytes) and the default (plain searches below 8 KiB).
describe.each([
  ['native searches', 0],
  ['default', undefined],
])('literal search (%s)', (_mode, smallBelow) => {
  const scan = createLiteralScan(LITERALS);
  const searchIn = (text: string | Buffer) =>
    new LiteralSearch(typeof text === 'string' ? Buffer.from(text, 'latin1') : text, undefined, smallBelow);

  it('finds exactly what a plain substring search finds, in text and in its bytes', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const text = randomText(seed, 1 + (seed % 60) * (seed % 7 === 0 ? 200 : 1));
      const expected = LITERALS.some((literal) => text.includes(literal));
      expect(scan(searchIn(text)), text).toBe(expected);
      expect(scan(searchIn(Buffer.from(text, 'latin1'))), text).toBe(expected);
      for (const literal of ['eyJ', 'env"', 'ab']) {
        expect(occurrences(searchIn(Buffer.from(text, 'latin1')), literal)).toEqual(
          expectedOccurrences(text, literal),
        );
      }
    }
  });

  it('finds a literal past the sampled head, after runs of its own characters and many near misses', () => {
    // The only `xox` and `TokenRequest` are at the very end; before them, runs of `x` and Pod-like `requests`.
    const head = '{"resources":{"requests":{"cpu":"1"}}},'.repeat(400);
    const text = `${head}${'x'.repeat(20_000)}oo${'x'.repeat(100)}o TokenReques xox TokenRequest`;
    for (const input of [text, Buffer.from(text)]) expect(scan(searchIn(input))).toBe(true);
    const short = text.slice(0, text.lastIndexOf(' x'));
    for (const input of [short, Buffer.from(short)]) expect(scan(searchIn(input))).toBe(false);
    expect(occurrences(searchIn(Buffer.from(text)), 'TokenRequest')).toEqual([text.length - 12]);
  });

  it('finds a literal by its last character, also after a run of that character alone', () => {
    // The sampled head has `e` and `y` but no `J`, so `eyJ` is searched by its last byte: first for occurrences and
    // near misses, then past a run of `J`s that makes the next needle take over.
    const head = '{"type":"Ready","resources":{"requests":{"cpu":"1"}}},'.repeat(300);
    const text = `${head}eyJ yJ eJ eyJ ${'J'.repeat(20_000)}yJ eJ eyJ ${'J'.repeat(50)}eyJ`;
    for (const input of [text, Buffer.from(text)]) {
      expect(occurrences(searchIn(input), 'eyJ')).toEqual(expectedOccurrences(text, 'eyJ'));
    }
  });

  it('finds the same with plans shared across texts (the batches of a streamed list) as with plans of their own', () => {
    // The first text ranks the needles and wears some out with near misses; the later ones, each different, reuse them.
    const plans = new NeedlePlans();
    const first = `${'{"a":1},'.repeat(600)}${'TokenReview '.repeat(50)}TokenRequest eyJ`;
    for (let seed = 0; seed <= 40; seed++) {
      const text = seed === 0 ? first : randomText(seed, 300 + seed * 150);
      for (const literal of ['TokenRequest', 'eyJ', 'env"', 'ab']) {
        const shared = new LiteralSearch(Buffer.from(text, 'latin1'), plans, smallBelow);
        expect(occurrences(shared, literal)).toEqual(expectedOccurrences(text, literal));
      }
    }
  });

  it('moves to another needle when one keeps finding near misses, and still finds every occurrence', () => {
    // The sample ranks every character of TokenRequest alike, so its first needle is `TokenR`: each TokenReview
    // after the sample is a near miss for it.
    const text = `${'{"a":1},'.repeat(600)}${'TokenReview '.repeat(50)}TokenRequest ${'TokenReview '.repeat(50)}TokenRequest`;
    for (const input of [text, Buffer.from(text)]) {
      expect(occurrences(searchIn(input), 'TokenRequest')).toEqual(expectedOccurrences(text, 'TokenRequest'));
    }
  });

  it('still finds every occurrence after each needle in turn kept missing (an answer of near copies)', () => {
    const literal = 'TokenRequest';
    const nearCopies = Array.from(literal, (_, p) => `${literal.slice(0, p)}~${literal.slice(p + 1)}`).join(
      ' ',
    );
    const text = `${'{"a":1},'.repeat(600)}${`${nearCopies} `.repeat(100)}${literal} ${nearCopies} ${literal}`;
    for (const input of [text, Buffer.from(text)]) {
      expect(occurrences(searchIn(input), literal)).toEqual(expectedOccurrences(text, literal));
    }
  });

  it('finds a caseless literal in any mix of cases, exactly where a case-insensitive regex does', () => {
    const bearer = { caseless: 'bearer' };
    const anyCase = (text: string) => [...text.matchAll(/bearer/gi)].map((m) => m.index);
    const caselessScan = createLiteralScan(['AKIA', bearer]);
    for (let seed = 1; seed <= 200; seed++) {
      // Mostly lower case, so the upper-case letters are rare and near misses common.
      const text = randomText(seed, 1 + (seed % 40) * (seed % 5 === 0 ? 400 : 3), 'bbbeeeaaarrrBEAR x');
      for (const input of [text, Buffer.from(text, 'latin1')]) {
        expect(occurrences(searchIn(input), bearer), text).toEqual(anyCase(text));
        expect(caselessScan(searchIn(input))).toBe(/bearer/i.test(text));
      }
    }
    // Past the sampled head, after thousands of lower-case candidates and no upper-case ones at all.
    const text = `${'{"b":"bear bee rear"},'.repeat(2000)}BeArEr x bEARER`;
    for (const input of [text, Buffer.from(text)]) {
      expect(occurrences(searchIn(input), bearer)).toEqual(anyCase(text));
    }
    expect(() => createLiteralScan([{ caseless: 'Bearer' }])).toThrow(/is not 1 to 16 lower-case letters/);
  });

  it('finds any of a oneOf by its shared characters, exactly where an alternation does', () => {
    const github = { oneOf: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'] };
    const alternation = (text: string) => [...text.matchAll(/gh[pousr]_/g)].map((m) => m.index);
    const oneOfScan = createLiteralScan(['AKIA', github]);
    for (let seed = 1; seed <= 200; seed++) {
      // Near misses (`ghq_`, `gh_`, `hp_`) wear the shared needles out, so whole-option searches take over too.
      const text = randomText(seed, 1 + (seed % 40) * (seed % 5 === 0 ? 400 : 3), 'ghpoqusr_ x');
      for (const input of [text, Buffer.from(text, 'latin1')]) {
        expect(occurrences(searchIn(input), github), text).toEqual(alternation(text));
        expect(oneOfScan(searchIn(input))).toBe(/gh[pousr]_/.test(text));
      }
    }
    expect(() => createLiteralScan([{ oneOf: ['ghp_', 'gh_'] }])).toThrow(/differ in length/);
    expect(() => createLiteralScan([{ oneOf: ['ab', 'cd'] }])).toThrow(/share no character/);
  });

  it('reads bytes as Latin-1: multi-byte UTF-8 never forms an ASCII literal', () => {
    const text = `{"greeting":"${'ü你好🚀'.repeat(1000)}"}`;
    expect(scan(searchIn(Buffer.from(text)))).toBe(false);
    expect(scan(searchIn(Buffer.from(`${text}AKIA`)))).toBe(true);
  });
});

it('refuses a literal that is empty or not printable ASCII', () => {
  expect(() => createLiteralScan([''])).toThrow(/not printable ASCII/);
  expect(() => createLiteralScan(['grüße'])).toThrow(/not printable ASCII/);
});
