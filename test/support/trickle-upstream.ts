/**
 * An HTTPS relay in front of the fake API server that passes chosen responses on one byte at a time, with a pause
 * after each, so whoever reads them (Airlock) receives every watch event split across many chunks.
 */
import { request as httpsRequest, createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { serverCertificate } from './fake-apiserver/certs.js';
import type { FakeApiServer } from './fake-apiserver/index.js';
import { renderKubeconfig } from './fake-apiserver/kubeconfig.js';

export interface TrickleUpstream {
  url: string;
  /** Kubeconfig for Airlock's upstream cluster: this relay, with the fake's token and CA. */
  kubeconfig(): string;
  /** Bytes sent one at a time so far (proves the trickled path was taken). */
  trickledBytes(): number;
  close(): Promise<void>;
}

export interface TrickleOptions {
  /** Which requests get their response trickled; the rest are relayed as they come. */
  trickle: (url: URL) => boolean;
  /** Pause after each byte; a real gap, so the bytes cannot be coalesced into one read. Default 1 ms. */
  pauseMs?: number;
}

async function dribble(from: IncomingMessage, to: ServerResponse, pauseMs: number, count: () => void) {
  for await (const chunk of from as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      if (to.destroyed) return;
      to.write(chunk.subarray(i, i + 1));
      count();
      await sleep(pauseMs);
    }
  }
  to.end();
}

export async function startTrickleUpstream(
  target: FakeApiServer,
  opts: TrickleOptions,
): Promise<TrickleUpstream> {
  const pauseMs = opts.pauseMs ?? 1;
  const { certPem, keyPem } = await serverCertificate();
  let trickled = 0;
  const server = createServer({ cert: certPem, key: keyPem }, (req, res) => {
    const url = new URL(req.url ?? '/', target.url);
    const upstream = httpsRequest(
      url,
      { method: req.method, headers: { ...req.headers, host: url.host }, ca: target.caPem },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.on('close', () => answer.destroy());
        if (!opts.trickle(url)) return void answer.pipe(res);
        dribble(answer, res, pauseMs, () => trickled++).catch(() => res.destroy());
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  const sockets = new Set<Socket>();
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('the trickle relay has no TCP address');
  const url = `https://127.0.0.1:${address.port}`;
  return {
    url,
    kubeconfig: () => renderKubeconfig({ server: url, token: target.token, caPem: target.caPem }),
    trickledBytes: () => trickled,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
