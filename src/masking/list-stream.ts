import { Transform, type TransformCallback } from 'node:stream';

/**
 * Masks a large `*List` answer item by item as it streams, so memory stays near one item instead of several copies of
 * a 20 MB body. kube-apiserver writes `{"kind":…,"apiVersion":…,"metadata":{…},"items":[…]}`; the scanner finds the
 * top-level `items` array by tracking strings and nesting byte by byte, hands each element to `maskItem` together with
 * the list's kind, and masks what follows the array as text. A body that does not start that way (a Status, an
 * object without `items`) is buffered and masked whole by `maskWhole` — it is never passed through unmasked.
 */

export interface ListMaskers {
  /** Masks one list element, given the list's `kind` and `apiVersion` (elements usually carry neither). */
  maskItem(item: unknown, list: ListHeader): unknown;
  maskText(text: string): string;
  maskWhole(doc: unknown): unknown;
  /** True when masking could not change this item's JSON text: it is passed on undecoded. */
  isMaskFree(item: string, list: ListHeader): boolean;
}

export interface ListHeader {
  kind?: unknown;
  apiVersion?: unknown;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
// Comparisons, not Set lookups: this runs once per byte of every large list.
const isOpen = (b: number) => b === 0x7b || b === 0x5b; // { [
const isClose = (b: number) => b === 0x7d || b === 0x5d; // } ]
const CLOSE_ARRAY = 0x5d;
const OPEN_ARRAY = 0x5b;
const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** JSON lexical state shared by the phases: nesting depth and whether we are inside a string. */
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

export function createListMaskStream(maskers: ListMaskers): Transform {
  type Phase = 'head' | 'between' | 'item' | 'after';
  let phase: Phase = 'head';
  let lexer = new Lexer();
  const held: Buffer[] = []; // head bytes, then the current item's, then everything after the array
  let keyBytes: number[] | undefined; // the depth-1 string being read in the head
  let lastKey = '';
  let itemsKeySeen = false; // `"items":` read at depth 1; the next value decides
  let whole = false; // not a list we can split: buffer everything, mask at the end
  let list: ListHeader = {};
  let written = 0;

  const drain = (chunk: Buffer, end: number): string => {
    held.push(chunk.subarray(0, end));
    const text = Buffer.concat(held).toString('utf8');
    held.length = 0;
    return text;
  };

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
          held.push(chunk);
          whole = true;
          return undefined;
        }
        const head = drain(chunk, i + 1);
        try {
          list = JSON.parse(`${head}]}`) as ListHeader;
        } catch {
          held.push(Buffer.from(head));
          whole = true;
          return chunk.subarray(i + 1);
        }
        stream.push(maskers.maskText(head));
        phase = 'between';
        return chunk.subarray(i + 1);
      }
      if (b === COLON && lexer.depth === 1) itemsKeySeen = lastKey === 'items';
    }
    held.push(chunk);
    return undefined;
  }

  function scanItems(stream: Transform, chunk: Buffer): Buffer | undefined {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (phase === 'between') {
        if (isSpace(b) || b === COMMA) {
          start = i + 1;
          continue;
        }
        if (b === CLOSE_ARRAY) {
          phase = 'after';
          return chunk.subarray(i);
        }
        phase = 'item';
        lexer = new Lexer();
        start = i;
      }
      if (!lexer.step(b)) continue;
      // An object or array element ends with its closing bracket; a scalar one just before its delimiter.
      let end: number;
      if (lexer.depth === 0 && isClose(b)) end = i + 1;
      else if (lexer.depth <= 0 && (b === COMMA || b === CLOSE_ARRAY || isSpace(b))) end = i;
      else continue;
      const text = drain(chunk.subarray(start), end - start);
      const item = maskers.isMaskFree(text, list)
        ? text
        : JSON.stringify(maskers.maskItem(JSON.parse(text), list));
      stream.push(`${written++ === 0 ? '' : ','}${item}`);
      phase = 'between';
      start = end;
      if (end === i) i--; // re-read the delimiter in the `between` phase
    }
    if (phase === 'item') held.push(chunk.subarray(start));
    return undefined;
  }

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
        while (rest && rest.length) {
          if (whole || phase === 'after') {
            held.push(rest);
            rest = undefined;
          } else if (phase === 'head') rest = scanHead(this, rest);
          else rest = scanItems(this, rest);
          if (whole && rest) {
            held.push(rest);
            rest = undefined;
          }
        }
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        const text = Buffer.concat(held).toString('utf8');
        if (phase === 'after') this.push(maskers.maskText(text));
        else if (whole || phase === 'head') this.push(maskWholeText(text));
        else throw new Error('the list ended inside its items array');
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
  });
}
