import type { IncomingMessage } from 'node:http';
import { pipeline, type Duplex } from 'node:stream';
import { readBounded, sendUpstream, type OutboundRequest } from '../kube/transport.js';
import type { UpstreamCluster } from '../kube/upstream.js';
import type { Masker } from '../masking/index.js';
import type { Admission } from './admission.js';
import { maskAnswer, safeResponseHeaders, type RelayOutcome } from './response.js';

/** Headers of a 101 answer the agent needs to finish its handshake; nothing else crosses. */
const SWITCHING_HEADERS = new Set([
  'upgrade',
  'connection',
  'sec-websocket-accept',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
  'x-stream-protocol-version',
  'audit-id',
]);

/** A refused upgrade is answered with a Status or short error; nothing legitimate is larger. */
const MAX_REFUSAL_BYTES = 1024 * 1024;

function switchingProtocols(res: IncomingMessage): string {
  const lines = [`HTTP/1.1 101 ${res.statusMessage || 'Switching Protocols'}`];
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    if (SWITCHING_HEADERS.has(res.rawHeaders[i]!.toLowerCase()))
      lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** An ordinary HTTP/1.1 response written on the agent's raw socket, framed by Content-Length, then closed. */
export function writeResponseOnSocket(
  socket: Duplex,
  status: number,
  reason: string,
  headers: [string, string | string[]][],
  payload: Buffer,
): void {
  const lines = [`HTTP/1.1 ${status} ${reason.replace(/[\r\n]/g, ' ')}`];
  for (const [name, value] of headers) {
    for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
  }
  lines.push(`Content-Length: ${payload.length}`, 'Connection: close');
  socket.end(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), payload]));
}

/**
 * Opens the upgrade (exec, attach, port-forward, proxy; WebSocket or SPDY) upstream with Airlock's credentials and
 * splices the two sockets only after the cluster answered 101. Any other answer is an ordinary response: masked like
 * every response, framed, and the agent's socket closed — never left attached to a connection carrying Airlock's
 * credentials (the CVE-2018-1002105 lesson).
 */
export async function relayUpgrade(opts: {
  a: Admission;
  cluster: UpstreamCluster;
  outbound: OutboundRequest;
  socket: Duplex;
  head: Buffer;
  masker: Masker;
}): Promise<RelayOutcome> {
  const { socket } = opts;
  const started = Date.now();
  const reply = await sendUpstream(opts.cluster, { ...opts.outbound, upgrade: true });
  if (reply.kind === 'response') {
    const answer = maskAnswer(
      opts.a,
      reply.response,
      await readBounded(reply.response, MAX_REFUSAL_BYTES),
      opts.masker,
    );
    const headers = safeResponseHeaders(reply.response, opts.masker.maskText).filter(
      ([name]) => name !== 'content-type',
    );
    headers.push([
      'Content-Type',
      answer.contentType ?? String(reply.response.headers['content-type'] ?? 'text/plain'),
    ]);
    writeResponseOnSocket(socket, answer.status, reply.response.statusMessage ?? '', headers, answer.payload);
    return {
      ...answer.recorded,
      bytesOut: answer.payload.length,
      summary: { ...answer.recorded.summary, upgraded: false },
    };
  }

  const { socket: upstreamSocket, head: upstreamHead } = reply;
  let toAgent = upstreamHead.length;
  let fromAgent = opts.head.length;
  socket.write(switchingProtocols(reply.response));
  if (upstreamHead.length) socket.write(upstreamHead);
  if (opts.head.length) upstreamSocket.write(opts.head);
  upstreamSocket.on('data', (c: Buffer) => (toAgent += c.length));
  socket.on('data', (c: Buffer) => (fromAgent += c.length));
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      upstreamSocket.destroy();
      socket.destroy();
      resolve({
        status: 101,
        bytesOut: toAgent,
        summary: {
          upgraded: true,
          bytesToAgent: toAgent,
          bytesFromAgent: fromAgent,
          durationMs: Date.now() - started,
        },
      });
    };
    // Backpressure both ways; either side closing or failing ends the session for both, as does an abort (Airlock
    // stopping, the session revoked).
    opts.outbound.signal?.addEventListener('abort', finish, { once: true });
    // Two pipelines over the same two sockets add their end-of-stream listeners to each (plus the server's and the
    // exchange's): a fixed dozen per spliced session, not a leak, which Node would otherwise warn about.
    for (const end of [socket, upstreamSocket]) end.setMaxListeners(end.getMaxListeners() + 10);
    pipeline(upstreamSocket, socket, finish);
    pipeline(socket, upstreamSocket, finish);
  });
}
