import type { IncomingHttpHeaders } from 'node:http';
import { AuthenticationError } from './errors.js';

/** The WebSocket subprotocol prefix kube-apiserver accepts a bearer token under (browsers cannot set headers). */
export const BEARER_PROTOCOL_PREFIX = 'base64url.bearer.authorization.k8s.io.';

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The bearer token from `Authorization: Bearer …`, or from a WebSocket `Sec-WebSocket-Protocol` entry
 * `base64url.bearer.authorization.k8s.io.<base64url>` (the rules of kube-apiserver's protocol authenticator).
 * Missing, malformed or conflicting credentials → `AuthenticationError`.
 */
export function extractBearerToken(headers: IncomingHttpHeaders): string {
  const fromHeader =
    headers.authorization === undefined ? undefined : parseAuthorization(headers.authorization);
  const fromProtocol = tokenFromWebSocketProtocols(headers['sec-websocket-protocol']);
  if (fromHeader !== undefined && fromProtocol !== undefined && fromHeader !== fromProtocol) {
    throw new AuthenticationError(
      'the Authorization header and the WebSocket bearer protocol carry different tokens',
    );
  }
  const token = fromHeader ?? fromProtocol;
  if (token === undefined) {
    throw new AuthenticationError(
      'no bearer token: send `Authorization: Bearer <token>` with a token from your issuer',
      'no-token',
    );
  }
  return token;
}

function parseAuthorization(value: string): string {
  const match = /^Bearer +(\S+) *$/i.exec(value);
  if (!match?.[1]) throw new AuthenticationError('the Authorization header must be `Bearer <token>`');
  return match[1];
}

function tokenFromWebSocketProtocols(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const protocols = header.split(',').map((protocol) => protocol.trim());
  const tokenProtocols = protocols.filter((protocol) => protocol.startsWith(BEARER_PROTOCOL_PREFIX));
  const [tokenProtocol, ...extra] = tokenProtocols;
  if (tokenProtocol === undefined) return undefined;
  if (extra.length > 0) throw new AuthenticationError('multiple WebSocket bearer token protocols specified');
  // The token entry is removed before forwarding, so another subprotocol must remain to be negotiated.
  if (tokenProtocols.length === protocols.length) {
    throw new AuthenticationError('the WebSocket bearer token protocol needs an additional subprotocol');
  }
  const encoded = tokenProtocol.slice(BEARER_PROTOCOL_PREFIX.length);
  if (!BASE64URL.test(encoded)) throw new AuthenticationError('invalid WebSocket bearer token encoding');
  try {
    return utf8.decode(Buffer.from(encoded, 'base64url'));
  } catch {
    throw new AuthenticationError('invalid WebSocket bearer token encoding');
  }
}
