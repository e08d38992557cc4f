import { describe, expect, it } from 'vitest';
import { caselessLiteral, findCaseless } from '../../../src/masking/caseless-find.js';
import { randomLetters } from './fixtures.js';

/** What a case-insensitive regex finds at or after `from`. */
function expected(text: string, literal: string, from: number): number {
  const pattern = new RegExp(literal, 'gi');
  pattern.lastIndex = from;
  return pattern.exec(text)?.index ?? -1;
}

/** A text full of the literal's letters in both cases. */
const randomText = (seed: number, length: number) => randomLetters(seed, length, 'bbbeeeaaarrrBEAR x"');

const BEARER = caselessLiteral('bearer');

describe('findCaseless', () => {
  it('finds what a case-insensitive regex finds, from any offset, in texts longer than one slice', () => {
    for (let seed = 1; seed <= 120; seed++) {
      const text = randomText(seed, 1 + ((seed * 7919) % (seed % 4 === 0 ? 200_000 : 400)));
      const bytes = Buffer.from(text, 'latin1');
      for (const from of [0, seed % 50, Math.floor(text.length / 2), text.length]) {
        expect(findCaseless(bytes, BEARER, from), `seed ${seed} from ${from}`).toBe(
          expected(text, 'bearer', from),
        );
      }
    }
  });

  it('finds a match straddling two slices, at every offset around the boundary', () => {
    for (let at = 65_520; at <= 65_540; at++) {
      const text = `${'x'.repeat(at)}BeArEr${'y'.repeat(20)}`;
      expect(findCaseless(Buffer.from(text), BEARER), `at ${at}`).toBe(at);
      expect(findCaseless(Buffer.from(text.slice(0, at + 5)), BEARER), `cut at ${at}`).toBe(-1);
    }
  });

  it('never matches bytes left in its memory by an earlier, longer search', () => {
    expect(findCaseless(Buffer.from(`${'x'.repeat(100)}bearer`), BEARER)).toBe(100);
    expect(findCaseless(Buffer.from(`${'x'.repeat(100)}bea`), BEARER)).toBe(-1);
    expect(findCaseless(Buffer.from('BEARE'), BEARER)).toBe(-1);
  });

  it('matches letters only: bytes that differ from a letter in bit 0x20 alone are not that letter', () => {
    // `@` is 0x40, so `@` | 0x20 is the backtick, not a letter; `B` | 0x20 is `b`.
    expect(findCaseless(Buffer.from('\u0002EARER @earer bEARER'), BEARER)).toBe(14);
    expect(findCaseless(Buffer.from([0x42, 0x45, 0x41, 0x52, 0x45, 0x52]), BEARER)).toBe(0);
  });

  it('refuses a literal that is not 1 to 16 lower-case letters', () => {
    for (const literal of ['', 'Bearer', 'bear er', 'a'.repeat(17)]) {
      expect(() => caselessLiteral(literal)).toThrow(/lower-case letters/);
    }
  });
});
