/**
 * Finds a literal of lower-case letters in any mix of cases (`BeArEr`), for the fast path's caseless hints
 * (literal-scan.ts). A native search finds one exact byte sequence; in any case a literal is 2^n of them, and its
 * single letters are common in JSON (one `b` or `B` per ~70 bytes of Pod JSON), so JavaScript checking each one cost
 * ~0.6 ms per MB. This is WebAssembly (caseless-find.wat): 16 bytes at a time for the first letter, whatever its case.
 */
import { CASELESS_FIND_WASM } from './caseless-find-wasm.js';
import { instantiate } from './wasm.js';

/** The most bytes the module searches in one call; longer texts are searched in overlapping slices. */
const SLICE_BYTES = 65536;
/** Where the module reads the literal (caseless-find.wat), and its longest. */
const LITERAL_AT = 65552;
const LITERAL_MAX = 16;

interface FinderModule {
  find(length: number, letters: number): number;
  bytes: Uint8Array;
  literal: Uint8Array;
}

let shared: FinderModule | undefined;

/** One instance serves every search: a call runs to completion, and the literal is written before each search. */
function finderModule(): FinderModule {
  if (shared) return shared;
  const { find, memory } = instantiate<{ find(length: number, letters: number): number }>(CASELESS_FIND_WASM);
  shared = {
    find,
    bytes: new Uint8Array(memory.buffer, 0, SLICE_BYTES),
    literal: new Uint8Array(memory.buffer, LITERAL_AT, LITERAL_MAX),
  };
  return shared;
}

/** A literal prepared for `findCaseless`: checked once, as its letters' codes. */
export interface CaselessLiteral {
  text: string;
  codes: Uint8Array;
}

export function caselessLiteral(text: string): CaselessLiteral {
  // The module folds bytes to lower case: a literal with anything but lower-case letters would never match.
  if (!/^[a-z]{1,16}$/.test(text))
    throw new Error(`caseless find: ${JSON.stringify(text)} is not 1 to 16 lower-case letters`);
  return { text, codes: Buffer.from(text, 'latin1') };
}

/** Where `literal` first occurs in `bytes` at or after `from`, in any case, or -1. */
export function findCaseless(bytes: Uint8Array, literal: CaselessLiteral, from = 0): number {
  const n = literal.codes.length;
  const module = finderModule();
  module.literal.set(literal.codes);
  // A match may straddle two slices: each slice starts n - 1 bytes before the previous one ended.
  for (let offset = Math.max(0, from); offset + n <= bytes.length; offset += SLICE_BYTES - n + 1) {
    const length = Math.min(SLICE_BYTES, bytes.length - offset);
    module.bytes.set(bytes.subarray(offset, offset + length));
    const at = module.find(length, n);
    if (at >= 0) return offset + at;
    if (offset + length === bytes.length) break;
  }
  return -1;
}
