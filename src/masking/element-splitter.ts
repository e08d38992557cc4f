/**
 * Finds where the elements of a JSON array start and end as its bytes stream past (strings, escapes, nesting), for
 * the list stream (list-stream.ts). It runs over every byte of every large list, so it is WebAssembly
 * (element-splitter.wat, built by scripts/build-wasm.mjs): 16 bytes at a time inside elements, ~0.5 ms per MB of
 * Pod JSON against ~1.9 ms for the same loop in JavaScript.
 */
import { ELEMENT_SPLITTER_WASM } from './element-splitter-wasm.js';
import { instantiate } from './wasm.js';

/** The most bytes the module reads in one call; longer chunks are fed in slices. */
const SLICE_BYTES = 65536;
/** Where the module keeps its state and writes its results (element-splitter.wat). */
const STATE_AT = 65568;
const PAIRS_AT = 65600;
/** The state's entries: the first five carry over from one call to the next; then where an element began, and
 *  where the array closed, in the bytes just read. */
const CARRIED = 5;
const IN_ELEMENT = 0;
const START = 5;
const CLOSE = 6;

interface SplitterModule {
  split(length: number): number;
  bytes: Uint8Array;
  state: Int32Array;
  pairs: Int32Array;
}

let shared: SplitterModule | undefined;

/** One instance serves every stream: a call runs to completion, and each splitter keeps its own state. */
function splitterModule(): SplitterModule {
  if (shared) return shared;
  const { split, memory } = instantiate<{ split(length: number): number }>(ELEMENT_SPLITTER_WASM);
  shared = {
    split,
    bytes: new Uint8Array(memory.buffer, 0, SLICE_BYTES),
    state: new Int32Array(memory.buffer, STATE_AT, 8),
    // An element ending here took 2 of its bytes at least (with the one carried in: 1, and no separator before the
    // next), so a slice ends at most SLICE_BYTES / 2 of them: two offsets each.
    pairs: new Int32Array(memory.buffer, PAIRS_AT, SLICE_BYTES),
  };
  return shared;
}

export class ElementSplitter {
  /** Where the element being read starts, as an offset in the caller's bytes (see `split`). */
  elementStart = 0;
  private readonly state = new Int32Array(CARRIED);

  /**
   * Scans a chunk that starts at offset `base` of the caller's bytes, adding each complete element's start and end
   * offsets to `ends`. Returns where the array's closing `]` is in the chunk, or -1.
   */
  split(chunk: Uint8Array, base: number, ends: number[]): number {
    const module = splitterModule();
    for (let offset = 0; offset < chunk.length; offset += SLICE_BYTES) {
      const length = Math.min(SLICE_BYTES, chunk.length - offset);
      module.bytes.set(chunk.subarray(offset, offset + length));
      module.state.set(this.state);
      const count = module.split(length);
      const at = base + offset;
      for (let k = 0; k < 2 * count; k += 2) {
        const start = module.pairs[k]!;
        ends.push(start < 0 ? this.elementStart : at + start, at + module.pairs[k + 1]!);
      }
      this.state.set(module.state.subarray(0, CARRIED));
      const start = module.state[START]!;
      if (module.state[IN_ELEMENT] && start >= 0) this.elementStart = at + start;
      const close = module.state[CLOSE]!;
      if (close >= 0) return offset + close;
    }
    return -1;
  }
}
