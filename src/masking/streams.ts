/** Masking transforms for the two streamed response shapes: JSON watch events and followed pod logs. */
import type { Transform } from 'node:stream';
import { createLineTransform, type LineMasker } from './line-stream.js';
import { continuePemBase64Block, continuePemBlock, opensPemBase64Block, opensPemBlock } from './pem.js';

/**
 * Each line is one compact JSON WatchEvent. A line that is not a whole JSON document (a pretty-printed or truncated
 * fragment, e.g. the tail of a stream cut mid-event) is dropped: a fragment of a Secret cannot be masked by its kind,
 * and text detectors would not recognise its base64 values.
 */
export function createWatchStream(maskDocument: (doc: unknown) => unknown): Transform {
  return createLineTransform((line) => {
    if (line.trim() === '') return line;
    try {
      return JSON.stringify(maskDocument(JSON.parse(line)));
    } catch {
      return null;
    }
  });
}

/**
 * Log lines are masked by detectors. A private key printed over several lines is recognised across them: the opening
 * line is masked from its BEGIN marker (or, base64-encoded, from its first character) and the body lines up to END
 * (or to the end of the base64) are dropped.
 */
export function createTextStream(maskText: (text: string) => string, maskPemBlocks: boolean): Transform {
  return createLineTransform(maskPemBlocks ? pemAwareLineMasker(maskText) : maskText);
}

function pemAwareLineMasker(maskText: (text: string) => string): LineMasker {
  let insideKey: 'pem' | 'base64' | undefined;
  return (line) => {
    let rest = line;
    if (insideKey === 'base64') {
      const next = continuePemBase64Block(line);
      if (next.kind === 'body') {
        if (next.last) insideKey = undefined;
        return null;
      }
      insideKey = undefined;
    } else if (insideKey === 'pem') {
      const next = continuePemBlock(line);
      if (next.kind === 'body') return null;
      insideKey = undefined;
      if (next.kind === 'end') {
        if (next.rest.trim() === '') return null;
        rest = next.rest;
      }
    }
    insideKey = opensPemBlock(rest) ? 'pem' : opensPemBase64Block(rest) ? 'base64' : undefined;
    return maskText(rest);
  };
}
