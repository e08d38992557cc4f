import { Transform, type TransformCallback } from 'node:stream';
import { ElementSplitter } from './element-splitter.js';

/**
 * Masks a large `*List` answer item by item as it streams, so memory stays near one batch of items instead of several
 * copies of a 20 MB body. kube-apiserver writes `{"kind":…,"apiVersion":…,"metadata":{…},"items":[…]}`; the scanner
 * finds the top-level `items` array by tracking strings and nesting byte by byte, and the ends of its elements the same
 * way. Complete elements are relayed in batches: a batch whose bytes the fast path finds mask-free (mask-free.ts)
 * goes out as it came, in one write; otherwise each element is checked alone and the ones that need it are decoded
 * and masked by `maskItem` with the list's kind. What follows the array is masked as text. A body that does not start
 * that way (a Status, an object without `items`) is buffered and masked whole by `maskWhole` — it is never passed
 * through unmasked. Nothing held may exceed `maxHeldBytes` (one element, or a body read whole): the stream fails.
 */

export interface ListMaskers {
  /** Masks one list element, given the list's `kind` and `apiVersion` (elements usually carry neither). */
  maskItem(item: unknown, list: ListHeader): unknown;
  maskText(text: string): string;
  maskWhole(doc: unknown): unknown;
  /** True when masking could not change these elements' JSON text (one or several, with separators): it is passed on
   *  undecoded. Checking several at once must be no less strict than checking each. */
  isMaskFree(items: Buffer, list: ListHeader): boolean;
}

export interface ListStreamOptions {
  /** The most bytes held at once: one element, or a body that must be read whole. */
  maxHeldBytes: number;
}

/** Complete elements are checked and relayed once this many bytes of them are held: fewer checks and writes. */
const BATCH_BYTES = 64 * 1024;

export interface ListHeader {
  kind?: unknown;
  apiVersion?: unknown;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
// Comparisons, not Set lookups: this runs once per byte of a list's head.
const isOpen = (b: number) => b === 0x7b || b === 0x5b; // { [
const isClose = (b: number) => b === 0x7d || b === 0x5d; // } ]
const OPEN_ARRAY = 0x5b;
const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** JSON lexical state while reading the head: nesting depth and whether we are inside a string. */
class Lexer {
  depth = 0;
  inString = false;
  private escaped = false;

  /** Advances over one byte; returns true when the byte is structural (outside any string). */
  step(b: number): boolean {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (b === BACKSLASH) this.escaped = true;
      else if (b === QUOTE) this.inString = false;
      return false;
    }
    if (b === QUOTE) this.inString = true;
    else if (isOpen(b)) this.depth++;
    else if (isClose(b)) this.depth--;
    return true;
  }
}

export function createListMaskStream(maskers: ListMaskers, opts: ListStreamOptions): Transform {
  type Phase = 'head' | 'items' | 'after';
  let phase: Phase = 'head';
  const lexer = new Lexer();
  let held: Buffer[] = []; // the head's bytes, or a body read whole, or what follows the items array
  let heldBytes = 0;
  let keyBytes: number[] | undefined; // the depth-1 string being read in the head
  let lastKey = '';
  let itemsKeySeen = false; // `"items":` read at depth 1; the next value decides
  let whole = false; // not a list we can split: buffer everything, mask at the end
  let list: ListHeader = {};

  const hold = (bytes: Buffer) => {
    held.push(bytes);
    heldBytes += bytes.length;
    if (heldBytes > opts.maxHeldBytes)
      throw new Error(`the answer holds more than the ${opts.maxHeldBytes} bytes Airlock reads at once`);
  };
  const takeHeld = (): Buffer => {
    const bytes = held.length === 1 ? held[0]! : Buffer.concat(held);
    held = [];
    heldBytes = 0;
    return bytes;
  };

  /** Reads the head up to the items array's `[`; returns the bytes after it, or undefined when the chunk is used up. */
  function scanHead(stream: Transform, chunk: Buffer): Buffer | undefined {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      const wasInString = lexer.inString;
      const structural = lexer.step(b);
      if (lexer.depth === 1 && !wasInString && lexer.inString) keyBytes = [];
      else if (keyBytes && lexer.inString) keyBytes.push(b);
      else if (keyBytes && wasInString && !lexer.inString) {
        lastKey = Buffer.from(keyBytes).toString('utf8');
        keyBytes = undefined;
      }
      if (!structural || isSpace(b)) continue;
      if (itemsKeySeen) {
        if (b !== OPEN_ARRAY || lexer.depth !== 2) {
          whole = true;
          return chunk;
        }
        hold(chunk.subarray(0, i + 1));
        const head = takeHeld().toString('utf8');
        try {
          list = JSON.parse(`${head}]}`) as ListHeader;
        } catch {
          hold(Buffer.from(head));
          whole = true;
          return chunk.subarray(i + 1);
        }
        stream.push(maskers.maskText(head));
        phase = 'items';
        return chunk.subarray(i + 1);
      }
      if (b === COLON && lexer.depth === 1) itemsKeySeen = lastKey === 'items';
    }
    hold(chunk);
    return undefined;
  }

  const items = createItemsScanner((region, ends) => {
    if (maskers.isMaskFree(region, list)) return region;
    const parts: Buffer[] = [];
    let from = 0;
    for (let k = 0; k < ends.length; k += 2) {
      const [start, end] = [ends[k]!, ends[k + 1]!];
      parts.push(region.subarray(from, start));
      const item = region.subarray(start, end);
      parts.push(
        maskers.isMaskFree(item, list)
          ? item
          : Buffer.from(JSON.stringify(maskers.maskItem(JSON.parse(item.toString('utf8')), list))),
      );
      from = end;
    }
    parts.push(region.subarray(from));
    return Buffer.concat(parts);
  }, opts.maxHeldBytes);

  function maskWholeText(text: string): string {
    if (!text) return '';
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return maskers.maskText(text);
    }
    return JSON.stringify(maskers.maskWhole(doc));
  }

  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        let rest: Buffer | undefined = chunk;
        if (phase === 'head' && !whole) rest = scanHead(this, rest);
        if (rest && phase === 'items') {
          const { relay, after } = items.scan(rest);
          if (relay?.length) this.push(relay);
          if (after) phase = 'after';
          rest = after;
        }
        if (rest && rest.length) hold(rest);
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        const text = takeHeld().toString('utf8');
        if (phase === 'after') this.push(maskers.maskText(text));
        else if (phase === 'head') this.push(maskWholeText(text));
        else throw new Error('the list ended inside its items array');
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
  });
}

/**
 * Splits the items array's bytes (from just after its `[`) into elements. `relay` is given a run of complete
 * elements with their separators and the offsets where each element starts and ends in it, and returns what to send.
 */
function createItemsScanner(
  relay: (region: Buffer, ends: readonly number[]) => Buffer,
  maxHeldBytes: number,
) {
  let pending: Buffer[] = []; // bytes not yet relayed: separators, complete elements, then a partial one
  let pendingBytes = 0;
  let ends: number[] = []; // start and end offsets (in pending) of its complete elements
  const splitter = new ElementSplitter();

  /** Relays the pending bytes up to `cut`; keeps the rest (a partial element). */
  function take(cut: number): Buffer {
    const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
    const region = relay(all.subarray(0, cut), ends);
    const rest = all.subarray(cut);
    pending = rest.length ? [rest] : [];
    pendingBytes = rest.length;
    splitter.elementStart -= cut;
    ends = [];
    return region;
  }

  return {
    /** Scans one chunk: what to relay now, and the bytes from the array's closing `]` on if it closed. */
    scan(chunk: Buffer): { relay?: Buffer; after?: Buffer } {
      const close = splitter.split(chunk, pendingBytes, ends);
      const within = close < 0 ? chunk : chunk.subarray(0, close);
      pending.push(within);
      pendingBytes += within.length;
      // Once the array closes, what follows its last element is separators.
      if (close >= 0) return { relay: take(pendingBytes), after: chunk.subarray(close) };
      const cut = ends.length ? ends[ends.length - 1]! : 0;
      if (pendingBytes - cut > maxHeldBytes)
        throw new Error(`a list item is larger than the ${maxHeldBytes} bytes Airlock holds at once`);
      return cut >= BATCH_BYTES ? { relay: take(cut) } : {};
    },
  };
}
