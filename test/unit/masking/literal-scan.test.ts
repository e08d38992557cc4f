import { describe, expect, it } from 'vitest';
import { createLiteralScan } from '../../../src/masking/literal-scan.js';

const LITERALS = ['xox', 'AKIA', 'eyJ', '://', 'env"', '\\u', 'ab'];

/** A deterministic pseudo-random text over a small alphabet, so literals occur by chance and nearly occur often. */
function randomText(seed: number, length: number): string {
  const alphabet = 'xoAKIeyJ:/"\\uenvab {},';
  let state = seed;
  let text = '';
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    text += alphabet[state % alphabet.length];
  }
  return text;
}

// Every answer through the native searches, and the default (the regex below 8 KiB): both must agree with `includes`.
describe.each([
  ['native searches', { regexBelowBytes: 0 }],
  ['default', {}],
])('literal scan (%s)', (_mode, opts) => {
  const scan = createLiteralScan(LITERALS, opts);

  it('finds exactly what a plain substring search finds, in text and in its bytes', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const text = randomText(seed, 1 + (seed % 60));
      const expected = LITERALS.some((literal) => text.includes(literal));
      expect(scan(text), text).toBe(expected);
      expect(scan(Buffer.from(text, 'latin1')), text).toBe(expected);
    }
  });

  it('finds a literal past the sampled head, after a run of its own characters', () => {
    // The only `xox` is at the very end; before it, runs of `x` and near misses.
    const text = `${'{"k":"v"},'.repeat(1000)}${'x'.repeat(20_000)}oo${'x'.repeat(100)}ox`;
    expect(scan(text)).toBe(true);
    expect(scan(Buffer.from(text))).toBe(true);
    expect(scan(text.slice(0, -1))).toBe(false);
    expect(scan(Buffer.from(text.slice(0, -1)))).toBe(false);
  });

  it('reads bytes as Latin-1: multi-byte UTF-8 never forms an ASCII literal', () => {
    const text = `{"greeting":"${'ü你好🚀'.repeat(100)}"}`;
    expect(scan(Buffer.from(text))).toBe(false);
    expect(scan(Buffer.from(`${text}AKIA`))).toBe(true);
  });

  it('agrees with a plain substring search on texts around the regex threshold', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const text = randomText(seed, 7000 + seed * 50);
      const expected = LITERALS.some((literal) => text.includes(literal));
      expect(scan(Buffer.from(text, 'latin1'))).toBe(expected);
      const clean = text.replace(/x|A|e|:|n|\\|a/g, '.');
      expect(scan(clean)).toBe(false);
      expect(scan(`${clean}env"`)).toBe(true);
    }
  });

  it('refuses a literal that is empty or not printable ASCII', () => {
    expect(() => createLiteralScan([''])).toThrow(/not printable ASCII/);
    expect(() => createLiteralScan(['grüße'])).toThrow(/not printable ASCII/);
  });
});
