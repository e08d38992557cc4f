/**
 * Inbound → outbound header policy. Outbound headers are built from an allow-list, never by deleting from the agent's
 * set, and Airlock's own credential and impersonation are written last (reference kubernetes-api.md §2.3).
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { Agent } from '../identity/agent.js';
import { StatusError } from './status.js';

export interface UpstreamIdentity {
  user: string;
  groups: readonly string[];
  extra: Record<string, readonly string[]>;
  uid?: string;
}

export interface UpstreamHeaderOptions {
  /** Airlock's own credential for the cluster, e.g. 'Bearer …'; undefined when TLS client certificates are used. */
  authorization?: string;
  /** Set when the cluster is in impersonation mode. */
  impersonate?: UpstreamIdentity;
  /** The (rewritten) Accept to send; the agent's own Accept is forwarded when undefined. */
  accept?: string;
  /** Keep Connection/Upgrade/Sec-WebSocket-*\/X-Stream-Protocol-Version: only upgrades need them. */
  upgrade: boolean;
  requestId: string;
  clientIp: string;
}

interface HeaderLine {
  /** Lower-cased header name. */
  name: string;
  value: string;
}

const IMPERSONATION_HEADER = /^impersonate-/i;

/** A WebSocket subprotocol the API server reads as a bearer token (apiserver websocket/protocol.go). */
const BEARER_SUBPROTOCOL = /^base64url\.bearer\.authorization\.k8s\.io\./i;

/** End-to-end headers the API server or its audit log use; the first line of each is forwarded. */
const END_TO_END_HEADERS = [
  'accept',
  'content-type',
  'user-agent',
  'kubectl-command',
  'kubectl-session',
] as const;

/** RFC 9110 token characters except `%`, which client-go escapes too so the server's unescaping is unambiguous. */
const HEADER_KEY_BYTE = /^[!#$&'*+\-.^_`|~0-9A-Za-z]$/;

/** Node's `rawHeaders` ([name, value, name, value, …]) as one entry per received line. */
function headerLines(rawHeaders: readonly string[]): HeaderLine[] {
  const lines: HeaderLine[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    lines.push({ name: (rawHeaders[i] ?? '').toLowerCase(), value: rawHeaders[i + 1] ?? '' });
  }
  return lines;
}

/** Comma-separated tokens of a header such as Connection, trimmed and lower-cased. */
export function headerTokens(value: string | readonly string[] | undefined): string[] {
  const values = typeof value === 'string' ? [value] : (value ?? []);
  return values
    .flatMap((v) => v.split(','))
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== '');
}

/**
 * Refuses (403) any client-supplied Impersonate-* header, including one only named in `Connection`: a proxy that drops
 * nominated headers as hop-by-hop would otherwise let the request run as Airlock itself (CVE-2021-31999).
 */
export function assertNoClientImpersonation(rawHeaders: readonly string[]): void {
  for (const { name, value } of headerLines(rawHeaders)) {
    if (IMPERSONATION_HEADER.test(name)) throw impersonationRefused(`the request carries "${name}"`);
    const nominated =
      name === 'connection' ? headerTokens(value).find((t) => IMPERSONATION_HEADER.test(t)) : undefined;
    if (nominated) throw impersonationRefused(`the Connection header names "${nominated}"`);
  }
}

function impersonationRefused(evidence: string): StatusError {
  return new StatusError(
    'Forbidden',
    `impersonation requests are refused by Airlock (${evidence}): requests run as the authenticated agent; ` +
      'remove --as, --as-group and --as-uid',
  );
}

/** client-go's `headerKeyEscape`: %-encodes every byte of the UTF-8 key that is not a header token character. */
export function headerKeyEscape(key: string): string {
  let escaped = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const ch = String.fromCharCode(byte);
    escaped += HEADER_KEY_BYTE.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return escaped;
}

function upgradeHeaders(lines: readonly HeaderLine[]): OutgoingHttpHeaders {
  const values = (name: string) => lines.filter((l) => l.name === name).map((l) => l.value);
  const first = (name: string) => values(name)[0];
  const protocols = values('sec-websocket-protocol')
    .flatMap((v) => v.split(','))
    .map((p) => p.trim())
    .filter((p) => p !== '' && !BEARER_SUBPROTOCOL.test(p));
  const extensions = values('sec-websocket-extensions');
  const streamVersions = values('x-stream-protocol-version');
  const headers: OutgoingHttpHeaders = { connection: 'Upgrade' };
  const upgrade = first('upgrade');
  const key = first('sec-websocket-key');
  const version = first('sec-websocket-version');
  if (upgrade !== undefined) headers.upgrade = upgrade;
  if (key !== undefined) headers['sec-websocket-key'] = key;
  if (version !== undefined) headers['sec-websocket-version'] = version;
  if (extensions.length > 0) headers['sec-websocket-extensions'] = extensions.join(', ');
  if (protocols.length > 0) headers['sec-websocket-protocol'] = protocols.join(', ');
  if (streamVersions.length > 0) headers['x-stream-protocol-version'] = streamVersions;
  return headers;
}

function impersonationHeaders(identity: UpstreamIdentity): OutgoingHttpHeaders {
  if (identity.user.trim() === '') {
    // Without Impersonate-User the API server would see Airlock's own, more privileged identity.
    throw new StatusError(
      'InternalError',
      'refusing to forward: the cluster is in impersonation mode but the agent has no user name to impersonate',
    );
  }
  const headers: OutgoingHttpHeaders = { 'impersonate-user': identity.user };
  // An array makes Node emit one line per group; the API server does not split comma-joined values.
  if (identity.groups.length > 0) headers['impersonate-group'] = [...identity.groups];
  for (const [key, values] of Object.entries(identity.extra)) {
    if (values.length > 0) headers[`impersonate-extra-${headerKeyEscape(key)}`] = [...values];
  }
  if (identity.uid) headers['impersonate-uid'] = identity.uid;
  return headers;
}

/** The headers to send upstream, lower-cased names; `content-length` and `host` are left to the caller. */
export function buildUpstreamHeaders(
  rawHeaders: readonly string[],
  opts: UpstreamHeaderOptions,
): OutgoingHttpHeaders {
  const lines = headerLines(rawHeaders);
  // Headers named in Connection are hop-by-hop (RFC 9110 §7.6.1); only `Upgrade` survives, and only on upgrades.
  const hopByHop = new Set(
    lines.filter((l) => l.name === 'connection').flatMap((l) => headerTokens(l.value)),
  );
  const forwardable = lines.filter((l) => !hopByHop.has(l.name) || (opts.upgrade && l.name === 'upgrade'));

  const headers: OutgoingHttpHeaders = {};
  for (const name of END_TO_END_HEADERS) {
    const line = forwardable.find((l) => l.name === name);
    if (line) headers[name] = line.value;
  }
  if (opts.accept !== undefined) headers.accept = opts.accept;
  if (opts.upgrade) Object.assign(headers, upgradeHeaders(forwardable));
  headers['audit-id'] = opts.requestId;
  headers['x-forwarded-for'] = opts.clientIp;
  // Airlock's identity is written last so that nothing copied above can shadow it.
  if (opts.authorization !== undefined) headers.authorization = opts.authorization;
  if (opts.impersonate) Object.assign(headers, impersonationHeaders(opts.impersonate));
  return headers;
}

/** Who the cluster sees when Airlock impersonates an agent: the same identity for forwarded requests and previews. */
export function impersonatedIdentity(agent: Agent): UpstreamIdentity {
  return {
    user: agent.subject,
    // With explicit groups the apiserver adds none itself, so the authenticated group is named here.
    groups: [...agent.groups, 'system:authenticated'],
    extra: {
      'airlock.dev/agent': [agent.name],
      ...(agent.owner ? { 'airlock.dev/owner': [agent.owner] } : {}),
    },
  };
}
