/** Writing responses: JSON and Status bodies on ordinary responses and on raw (pre-upgrade) sockets. */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { StatusError } from '../../../src/kube/status.js';

export interface Reply {
  status: number;
  body: unknown;
}

/** kube-apiserver's isPrettyPrint: `pretty=true` (Go ParseBool), or a curl, Wget or browser user agent. */
function wantsPretty(req: IncomingMessage | undefined): boolean {
  if (!req) return false;
  const pretty = new URL(req.url ?? '/', 'http://fake').searchParams.get('pretty');
  if (pretty !== null) return /^(1|t|T|TRUE|true|True)$/.test(pretty);
  return /^(curl|Wget|Mozilla\/)/.test(String(req.headers['user-agent'] ?? ''));
}

/** Strings are sent verbatim as text; everything else as JSON, compact unless pretty-printing was asked for. */
function encode(body: unknown, pretty = false): { contentType: string; payload: string } {
  return typeof body === 'string'
    ? { contentType: 'text/plain; charset=utf-8', payload: body }
    : {
        contentType: 'application/json',
        payload: pretty ? `${JSON.stringify(body, null, 2)}\n` : JSON.stringify(body),
      };
}

/**
 * Go's net/http sends Content-Length only when the whole body fits its 2 KiB chunking buffer; kube-apiserver encodes a
 * list in one write without declaring a length, so anything larger goes out chunked.
 */
const GO_CHUNKING_BUFFER = 2048;

export function sendReply(res: ServerResponse, reply: Reply): void {
  const { contentType, payload } = encode(reply.body, wantsPretty(res.req));
  const length = Buffer.byteLength(payload);
  if (length <= GO_CHUNKING_BUFFER) {
    res.writeHead(reply.status, { 'Content-Type': contentType, 'Content-Length': length });
    return void res.end(payload);
  }
  res.writeHead(reply.status, { 'Content-Type': contentType, 'Transfer-Encoding': 'chunked' });
  res.write(payload);
  res.end();
}

/** An upgrade that is not accepted gets an ordinary HTTP response, then the connection closes. */
export function sendReplyOnSocket(socket: Duplex, reply: Reply): void {
  const { contentType, payload } = encode(reply.body);
  socket.end(
    `HTTP/1.1 ${reply.status} ${STATUS_CODES[reply.status] ?? ''}\r\n` +
      `Content-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n` +
      payload,
  );
}

export const statusReply = (err: StatusError): Reply => ({ status: err.code, body: err.toStatus() });

/** Any error as a Status reply: StatusErrors as they are, anything else as a 500 that names the bug. */
export function errorReply(err: unknown): Reply {
  if (err instanceof StatusError) return statusReply(err);
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return statusReply(new StatusError('InternalError', `fake apiserver bug: ${message}`));
}

/** kube-apiserver's request body limit. */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      throw new StatusError('RequestEntityTooLarge', 'the server has received a request that is too large');
    }
    chunks.push(buffer);
  }
  // Protobuf bodies are binary: latin1 keeps every byte (and the recorded body comparable) where UTF-8 would not.
  const binary = req.headers['content-type']?.toLowerCase().startsWith('application/vnd.kubernetes.protobuf');
  return Buffer.concat(chunks).toString(binary ? 'latin1' : 'utf8');
}
