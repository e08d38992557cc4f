/**
 * Newline framing for streams whose chunk boundaries are arbitrary (watch events, followed logs). Splitting on
 * the newline byte is safe for UTF-8: 0x0A never occurs inside a multi-byte character.
 */
import { Transform, type TransformCallback } from 'node:stream';

/** Upper bound for one held partial line; a watch event is one object (etcd caps those near 1.5 MiB). */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

export class LineTooLongError extends Error {
  constructor(readonly limitBytes: number) {
    super(
      `a streamed line exceeded ${limitBytes} bytes without a newline; the stream was cut because it cannot be masked`,
    );
    this.name = 'LineTooLongError';
  }
}

/** Returns the masked line, or null to drop it. */
export type LineMasker = (line: string) => string | null;

/** Masks each complete line as it passes; holds at most one partial line, emitted (masked) at the end. */
export function createLineTransform(maskLine: LineMasker, maxLineBytes = MAX_LINE_BYTES): Transform {
  let partial: Buffer[] = [];
  let partialBytes = 0;

  const takeLine = (tail: Buffer): string => {
    const line = partial.length === 0 ? tail : Buffer.concat([...partial, tail]);
    partial = [];
    partialBytes = 0;
    return line.toString('utf8');
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        let output = '';
        let start = 0;
        for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
          const masked = maskLine(takeLine(chunk.subarray(start, newline)));
          if (masked !== null) output += `${masked}\n`;
          start = newline + 1;
        }
        if (start < chunk.length) {
          partial.push(chunk.subarray(start));
          partialBytes += chunk.length - start;
          if (partialBytes > maxLineBytes) throw new LineTooLongError(maxLineBytes);
        }
        callback(null, output === '' ? undefined : Buffer.from(output, 'utf8'));
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        const masked = partialBytes === 0 ? null : maskLine(takeLine(Buffer.alloc(0)));
        callback(null, masked === null || masked === '' ? undefined : Buffer.from(masked, 'utf8'));
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}
