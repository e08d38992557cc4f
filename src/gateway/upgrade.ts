import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { StatusError } from '../kube/status.js';
import type { UpstreamCluster } from '../kube/upstream.js';
import type { RelayOutcome } from './response.js';

function statusLine(res: IncomingMessage): string {
  const lines = [`HTTP/1.1 ${res.statusCode} ${res.statusMessage ?? ''}`];
  for (let i = 0; i < res.rawHeaders.length; i += 2)
    lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * Opens the upgrade (exec, attach, port-forward; WebSocket or SPDY) upstream with Airlock's credentials and splices
 * the two sockets only after the cluster answered 101. Any other answer is relayed and the agent's socket closed —
 * never left attached to a connection carrying Airlock's credentials (the CVE-2018-1002105 lesson).
 */
export function relayUpgrade(opts: {
  url: URL;
  method: string;
  headers: OutgoingHttpHeaders;
  cluster: UpstreamCluster;
  socket: Duplex;
  head: Buffer;
}): Promise<RelayOutcome> {
  const { url, socket } = opts;
  const started = Date.now();
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const upstreamReq = transport.request({
      method: opts.method,
      host: url.hostname,
      port: url.port,
      path: `${url.pathname}${url.search}`,
      headers: opts.headers,
      agent: false, // an upgraded socket leaves the pool for good
      ...opts.cluster.tls,
    });
    upstreamReq.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        new StatusError(
          'ServiceUnavailable',
          `cluster "${opts.cluster.name}" is unreachable from Airlock (${err.code ?? 'connection failed'}); retry later`,
        ),
      ),
    );
    upstreamReq.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        socket.end(Buffer.concat([Buffer.from(statusLine(res)), body]));
        resolve({ status: res.statusCode ?? 502, bytesOut: body.length, summary: { upgraded: false } });
      });
    });
    upstreamReq.on('upgrade', (res, upstreamSocket, upstreamHead) => {
      let toAgent = upstreamHead.length;
      let fromAgent = opts.head.length;
      socket.write(statusLine(res));
      if (upstreamHead.length) socket.write(upstreamHead);
      if (opts.head.length) upstreamSocket.write(opts.head);
      upstreamSocket.on('data', (c: Buffer) => (toAgent += c.length));
      socket.on('data', (c: Buffer) => (fromAgent += c.length));
      upstreamSocket.pipe(socket);
      socket.pipe(upstreamSocket);
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
      upstreamSocket.on('close', finish);
      socket.on('close', finish);
      upstreamSocket.on('error', finish);
      socket.on('error', finish);
    });
    upstreamReq.end();
  });
}
