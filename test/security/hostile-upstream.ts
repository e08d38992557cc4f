/** Hostile upstream behaviours for the fake API server's `raw` faults, each counting what it produced. */
import type { ServerResponse } from 'node:http';

export interface Production {
  bytes: number;
  /** True once the fake's response was closed (by Airlock releasing it, or the stream ending). */
  closed: boolean;
}

/**
 * Writes `chunk()` until `totalBytes` (Infinity for an endless stream), honouring backpressure the way a Go server
 * blocks in Write: nothing more is produced while the socket is full. `production` tells how far it got.
 */
export function produceLazily(
  res: ServerResponse,
  opts: {
    contentType: string;
    totalBytes: number;
    chunk: (index: number) => string;
    prefix?: string;
    suffix?: string;
  },
): Production {
  const production: Production = { bytes: 0, closed: false };
  res.writeHead(200, { 'content-type': opts.contentType });
  res.flushHeaders();
  res.on('close', () => (production.closed = true));
  let index = 0;
  const write = (text: string) => {
    production.bytes += Buffer.byteLength(text);
    return res.write(text);
  };
  const pump = () => {
    while (!res.destroyed && production.bytes < opts.totalBytes) {
      const text = index === 0 && opts.prefix ? opts.prefix : opts.chunk(index);
      index++;
      if (!write(text)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end(opts.suffix ?? '');
  };
  pump();
  return production;
}
