/**
 * Finding ASCII literals in a JSON answer, for the fast path (mask-free.ts), without decoding its bytes.
 * Small answers are read by plain searches over their text. On a large one an alternation regex tries nearly every
 * position (literals starting with `e`, `:` or `T`): ~350 MB/s on a 500-ConfigMap list, after making the whole
 * answer a string. There, each literal is found by a native search of the bytes for a short piece of it (a needle)
 * that starts at its rarest character in this very answer: a needle of fewer than 7 bytes skips to each occurrence of
 * its first byte at memchr speed (longer ones switch to a Boyer-Moore search that measured up to 20× slower on JSON).
 * A needle that keeps finding near misses (`quest` in every Pod's `requests`) gives way to the next rarest.
 * Measured: ~1.7 GB/s on the same list, but ~9 µs fixed per answer, against ~2.4 µs for a regex on a 1 KB object.
 * A literal may be caseless (`bearer`, which HTTP reads in any case): in bytes it is found by WebAssembly
 * (caseless-find.ts), in text by a case-insensitive regex.
 */
import { caselessLiteral, findCaseless, type CaselessLiteral } from './caseless-find.js';
import { escapeRegExp } from './helpers.js';

/**
 * A literal to find: exact; or (`{ caseless }`, lower-case letters) in any mix of cases; or (`{ oneOf }`) any of a few
 * of the same length that differ only at some positions (`ghp_`, `gho_`, …), searched as one by their common
 * characters instead of one search each.
 */
export type LiteralText = string | { caseless: string } | { oneOf: readonly string[] };

/** Below this many bytes, the regex (or one plain search) costs less than ranking characters. */
const SMALL_BYTES = 8192;
/** Bytes of the answer counted to rank characters; the head of a list is its header and first items. */
const SAMPLE_BYTES = 4096;
/** The longest needle searched natively (see above). */
const NEEDLE_MAX = 6;
/** Near misses a needle may find before the next rarest one takes over. */
const MISSES_PER_NEEDLE = 8;

interface Needle {
  /** Where the needle starts in its literal. */
  at: number;
  text: string;
  bytes: Buffer;
}

/** A literal prepared once: the needles it can be searched by. */
export interface Literal {
  /** The literal (a `oneOf`: its first option). */
  text: string;
  /** Needles start at the positions all options share (every position of a single exact literal); a caseless
   *  literal has none. */
  needles: readonly Needle[];
  /** A `oneOf`'s options, each searched whole when every needle kept missing. */
  options?: readonly string[];
  /** A `oneOf`'s characters at the positions where its options differ (codes), else undefined. */
  classes?: readonly (ReadonlySet<number> | undefined)[];
  /** A caseless literal: its search in bytes, and in text. */
  caseless?: { bytes: CaselessLiteral; text: RegExp };
}

const PRINTABLE = /^[\x20-\x7e]+$/;

export function prepareLiteral(literal: LiteralText): Literal {
  if (typeof literal === 'object' && 'caseless' in literal) {
    const text = literal.caseless;
    return { text, needles: [], caseless: { bytes: caselessLiteral(text), text: new RegExp(text, 'gi') } };
  }
  const options = typeof literal === 'string' ? [literal] : literal.oneOf;
  const text = options[0] ?? '';
  for (const option of options) {
    if (!PRINTABLE.test(option))
      throw new Error(`literal scan: ${JSON.stringify(option)} is not printable ASCII`);
    if (option.length !== text.length)
      throw new Error(`literal scan: ${JSON.stringify(options)} differ in length`);
  }
  const classes = Array.from(text, (_, at) => {
    const codes = new Set(options.map((option) => option.charCodeAt(at)));
    return codes.size > 1 ? codes : undefined;
  });
  // A needle may start at any shared character, the last one too (a single byte): `eyJ` is found by its rare `J`,
  // which cut its search on a 1 MB Pod list from ~280 to ~20 µs. It runs to the next differing position. A run of the
  // anchor alone (a hostile answer) costs at most MISSES_PER_NEEDLE checks in JavaScript before the next needle takes
  // over.
  const needles = Array.from(text, (_, at) => {
    let end = at;
    while (end < text.length && end - at < NEEDLE_MAX && !classes[end]) end++;
    const needle = text.slice(at, end);
    return { at, text: needle, bytes: Buffer.from(needle, 'latin1') };
  }).filter((needle) => needle.text !== '');
  if (needles.length === 0) throw new Error(`literal scan: ${JSON.stringify(options)} share no character`);
  return options.length === 1 ? { text, needles } : { text, needles, options, classes };
}

/** The literal as a regular expression's source (a caseless one as `[Bb][Ee]…`). */
export function literalSource(literal: LiteralText): string {
  if (typeof literal === 'string') return escapeRegExp(literal);
  if ('oneOf' in literal) return `(?:${literal.oneOf.map(escapeRegExp).join('|')})`;
  return Array.from(literal.caseless, (c) => `[${c}${c.toUpperCase()}]`).join('');
}

/**
 * Which needle each literal is searched by, ranked from the character counts of the first text searched with it.
 * One answer has its own; the batches of one streamed list share theirs, so each batch does not rank them again.
 */
export class NeedlePlans {
  private counts: Uint32Array | undefined;
  /** Per literal, its needles rarest first, and which one is in use (past the last: the whole literal). */
  private readonly plans = new Map<Literal, { order: Needle[]; current: number }>();

  planFor(literal: Literal, text: Buffer): { order: Needle[]; current: number } {
    let plan = this.plans.get(literal);
    if (!plan) {
      const counts = (this.counts ??= characterCounts(text));
      // Rarest first character first; among equals, the earliest (the longest needle).
      const order = [...literal.needles].sort(
        (a, b) => counts[a.bytes[0]!]! - counts[b.bytes[0]!]! || a.at - b.at,
      );
      this.plans.set(literal, (plan = { order, current: 0 }));
    }
    return plan;
  }
}

/** One answer's bytes (read as Latin-1: one character per byte), searched for prepared literals. */
export class LiteralSearch {
  private whole: string | undefined;

  /** `smallBelow` is for tests: 0 sends every answer through the native searches. */
  constructor(
    readonly text: Buffer,
    private readonly plans = new NeedlePlans(),
    private readonly smallBelow = SMALL_BYTES,
  ) {}

  get small(): boolean {
    return this.text.length < this.smallBelow;
  }

  /** The answer as text, made once however many checks read it whole. */
  asText(): string {
    return (this.whole ??= this.text.toString('latin1'));
  }

  /** Where the literal first occurs at or after `from`, or -1. */
  indexOf(literal: Literal, from = 0): number {
    const { text } = this;
    if (literal.caseless) {
      if (this.small) return this.findAnyCase(literal.caseless.text, from);
      return findCaseless(text, literal.caseless.bytes, from);
    }
    if (this.small) return this.findWhole(literal, from);
    const plan = this.plans.planFor(literal, text);
    for (let start = from, misses = 0; ;) {
      const needle = plan.order[plan.current];
      // Every needle kept missing (an answer built of near copies): the whole literal, natively, with no JavaScript
      // per candidate.
      if (!needle) return this.findWhole(literal, start);
      const found = this.find(needle, start + needle.at);
      if (found < 0) return -1;
      if (matchesAt(text, literal, found - needle.at)) return found - needle.at;
      // No occurrence starts before this one's start + 1, whichever needle looks next.
      start = found - needle.at + 1;
      if (++misses === MISSES_PER_NEEDLE) {
        plan.current += 1;
        misses = 0;
      }
    }
  }

  /** The literal (each option of a `oneOf`) searched whole, natively. */
  private findWhole(literal: Literal, from: number): number {
    if (!literal.options) return this.find(literal.text, from);
    let first = -1;
    for (const option of literal.options) {
      const at = this.find(option, from);
      if (at >= 0 && (first < 0 || at < first)) first = at;
    }
    return first;
  }

  /** A needle, or (a string) a whole literal. */
  private find(needle: Needle | string, from: number): number {
    return typeof needle === 'string'
      ? this.text.indexOf(needle, from, 'latin1')
      : this.text.indexOf(needle.bytes, from);
  }

  private findAnyCase(pattern: RegExp, from: number): number {
    pattern.lastIndex = from;
    return pattern.exec(this.asText())?.index ?? -1;
  }
}

function characterCounts(text: Buffer): Uint32Array {
  const counts = new Uint32Array(256);
  const n = Math.min(text.length, SAMPLE_BYTES);
  for (let i = 0; i < n; i++) counts[text[i]!]! += 1;
  return counts;
}

function matchesAt(text: Buffer, { text: literal, classes }: Literal, start: number): boolean {
  if (start < 0 || start + literal.length > text.length) return false;
  for (let i = 0; i < literal.length; i++) {
    const c = text[start + i]!;
    const allowed = classes?.[i];
    if (allowed ? !allowed.has(c) : c !== literal.charCodeAt(i)) return false;
  }
  return true;
}

/** True when any of the literals occurs in the answer. */
export type LiteralScan = (search: LiteralSearch) => boolean;

export function createLiteralScan(texts: readonly LiteralText[]): LiteralScan {
  const literals = texts.map(prepareLiteral);
  const alternation = new RegExp(texts.map(literalSource).join('|'));
  return (search) =>
    search.small
      ? alternation.test(search.asText())
      : literals.some((literal) => search.indexOf(literal) >= 0);
}
