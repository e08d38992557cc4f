/**
 * `pods/portforward` over WebSocket, in both protocols kube-apiserver serves:
 * - `portforward.k8s.io`: for the i-th requested port, channel 2i carries data and 2i+1 errors, and each channel
 *   opens with the port number (uint16, little endian);
 * - `SPDY/3.1+portforward.k8s.io` (kubectl ≥1.30): SPDY tunnelled in the WebSocket, one data and one error stream
 *   per connection, the port in the stream headers.
 * There is no container to reach, so the fake echoes whatever arrives on a data channel or stream — enough to prove
 * bytes flow end to end.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { isStatusError } from '../../../src/kube/status.js';
import { badRequest } from './errors.js';
import { statusReply, sendReplyOnSocket } from './http-io.js';
import type { OpenStreams } from './open-streams.js';
import { SpdyServerSession } from './spdy.js';

const PROTOCOL = 'portforward.k8s.io';
const SPDY_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

const toBuffer = (data: RawData): Buffer =>
  Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);

function portPreamble(channel: number, port: number): Buffer {
  const frame = Buffer.alloc(3);
  frame[0] = channel;
  frame.writeUInt16LE(port, 1);
  return frame;
}

export class PodPortForwardServer {
  private readonly wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => (offered.has(PROTOCOL) ? PROTOCOL : false),
  });

  /**
   * `ws` refuses `SPDY/3.1+portforward.k8s.io` as a subprotocol token (the `/`), where Go's server takes it: this
   * server gets the request without the header and names the protocol in its answer itself.
   */
  private readonly spdyWss = new WebSocketServer({ noServer: true }).on('headers', (headers) =>
    headers.push(`Sec-WebSocket-Protocol: ${SPDY_PROTOCOL}`),
  );

  constructor(private readonly streams: OpenStreams) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, query: URLSearchParams): void {
    try {
      if (req.method !== 'GET' || req.headers.upgrade?.toLowerCase() !== 'websocket') {
        throw badRequest(
          `this fake API server only serves port-forward over WebSocket (${SPDY_PROTOCOL}, ${PROTOCOL})`,
        );
      }
      if (protocolsOf(req).includes(SPDY_PROTOCOL)) {
        delete req.headers['sec-websocket-protocol'];
        this.spdyWss.handleUpgrade(req, socket, head, (ws) => this.serveSpdy(ws));
        return;
      }
      const ports = query.getAll('ports').map(Number);
      if (ports.length === 0 || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
        throw badRequest('ports must be a list of port numbers between 1 and 65535');
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        const untrack = this.streams.track(() => ws.terminate());
        ws.on('close', untrack);
        ports.forEach((port, i) => {
          ws.send(portPreamble(2 * i, port));
          ws.send(portPreamble(2 * i + 1, port));
        });
        ws.on('message', (data: RawData) => {
          const bytes = toBuffer(data);
          if (bytes[0]! % 2 === 0 && bytes[0]! / 2 < ports.length) ws.send(bytes);
        });
      });
    } catch (err) {
      if (!isStatusError(err)) throw err;
      sendReplyOnSocket(socket, statusReply(err));
    }
  }

  private serveSpdy(ws: WebSocket): void {
    const untrack = this.streams.track(() => ws.terminate());
    const session = new SpdyServerSession(
      (bytes) => {
        if (ws.readyState === ws.OPEN) ws.send(bytes);
      },
      (stream) => {
        if (stream.headers.get('streamtype') !== 'data') return; // the error stream stays open and silent
        stream.onData((data) => stream.write(data));
        stream.onEnd(() => stream.end());
      },
    );
    ws.on('message', (data: RawData) => session.receive(toBuffer(data)));
    ws.on('close', () => {
      untrack();
      session.close();
    });
  }
}

const protocolsOf = (req: IncomingMessage): string[] =>
  (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
