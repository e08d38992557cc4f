/**
 * `pods/portforward` over WebSocket with the `portforward.k8s.io` protocol: for the i-th requested port, channel 2i
 * carries data and 2i+1 errors, and each channel opens with the port number (uint16, little endian). There is no
 * container to reach, so the fake echoes whatever arrives on a data channel — enough to prove bytes flow end to end.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData } from 'ws';
import { isStatusError } from '../../../src/kube/status.js';
import { badRequest } from './errors.js';
import { statusReply, sendReplyOnSocket } from './http-io.js';
import type { OpenStreams } from './open-streams.js';

const PROTOCOL = 'portforward.k8s.io';

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

  constructor(private readonly streams: OpenStreams) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, query: URLSearchParams): void {
    try {
      if (req.method !== 'GET' || req.headers.upgrade?.toLowerCase() !== 'websocket') {
        throw badRequest(`this fake API server only serves port-forward over WebSocket (${PROTOCOL})`);
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
}
