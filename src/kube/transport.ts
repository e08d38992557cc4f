/**
 * The one way Airlock talks to a cluster — proxied requests, upgrades, previews and readiness probes all go
 * through `sendUpstream`. The caller hands over the complete outbound request (method, path, every header, body):
 * nothing is copied from the agent's request here and no security property depends on a library event firing.
 * The returned promise always settles: with the cluster's answer, or with an `UpstreamError` when the cluster
 * cannot be reached, the deadline passes or the caller aborts (the agent went away, shutdown).
 */
import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { CancelSignal } from '../lib/cancellation.js';
import { StatusError, isStatusError } from './status.js';
import type { UpstreamCluster } from './upstream.js';

export interface OutboundRequest {
  method: string;
  /** Rebuilt from the classified parts, appended to the cluster's server path. */
  path: string;
  query?: URLSearchParams;
  /** Every header to send (lower-case names) except `host` and `content-length`, which are set here. */
  headers: OutgoingHttpHeaders;
  body?: Buffer;
  /** Opens a dedicated connection and resolves with the upgraded socket when the cluster answers 101. */
  upgrade?: boolean;
  /** Long-running requests (watches, logs) use their own pool so they can never starve short ones. */
  longRunning?: boolean;
  /** Aborting destroys the upstream request and its response at any point of the exchange. */
  signal?: CancelSignal;
}

export type UpstreamReply =
  | { kind: 'response'; response: IncomingMessage }
  | { kind: 'upgraded'; response: IncomingMessage; socket: Duplex; head: Buffer };

/** Why an exchange with the cluster did not produce an answer. */
export type UpstreamFailure = 'unreachable' | 'timeout' | 'aborted';

export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    readonly cluster: string,
    readonly failure: UpstreamFailure,
    readonly detail: string,
  ) {
    super(`cluster "${cluster}": ${detail}`);
  }

  /** The Status the agent sees. */
  toStatusError(): StatusError {
    return this.failure === 'timeout'
      ? new StatusError('Timeout', `cluster "${this.cluster}" did not answer in time (${this.detail})`)
      : new StatusError(
          'ServiceUnavailable',
          `cluster "${this.cluster}" is unreachable from Airlock (${this.detail}); retry later`,
          { retryAfterSeconds: 1 },
        );
  }
}

/** An abort reason that says the deadline passed (as opposed to the agent leaving). */
export class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
  constructor(readonly ms: number) {
    super(`no answer within ${ms / 1000} s`);
  }
}

/** A signal that aborts with `DeadlineExceeded` after `ms`; `clear` once the exchange is over. */
export function deadline(ms: number): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DeadlineExceeded(ms)), ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

function failureOf(
  cluster: string,
  err: unknown,
  signal: CancelSignal | undefined,
): UpstreamError | StatusError {
  if (err instanceof UpstreamError) return err;
  const reason: unknown = signal?.aborted ? signal.reason : undefined;
  // Aborted with a Status (a revoked session): whoever reads the cut stream learns why.
  if (isStatusError(reason)) return reason;
  if (reason instanceof DeadlineExceeded) return new UpstreamError(cluster, 'timeout', reason.message);
  if (signal?.aborted) return new UpstreamError(cluster, 'aborted', 'the request was cancelled');
  const code = (err as NodeJS.ErrnoException).code;
  return new UpstreamError(cluster, 'unreachable', code ?? (err as Error).message);
}

const SET_HERE = new Set(['host', 'content-length', 'expect']);

/**
 * The request's headers as Node's flat `[name, value, …]` list, which it writes as given (validating each) instead of
 * storing them one `setHeader` at a time (~3 µs of every request). `host` and the length are set here; `expect` is
 * never sent. An explicit length (also 0) means Node never chooses chunked framing or waits for a 100-continue.
 */
function headerList(request: OutboundRequest, host: string): string[] {
  const list: string[] = [];
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || SET_HERE.has(name.toLowerCase())) continue;
    if (Array.isArray(value)) for (const each of value) list.push(name, each);
    else list.push(name, String(value));
  }
  list.push('host', host);
  if (!request.upgrade) list.push('content-length', String(request.body?.length ?? 0));
  return list;
}

export function sendUpstream(cluster: UpstreamCluster, request: OutboundRequest): Promise<UpstreamReply> {
  const { signal } = request;
  const base = cluster.server;
  const path = `${base.pathname.replace(/\/$/, '')}${request.path}`;
  const query = request.query?.toString() ?? '';
  const headers = headerList(request, base.host);
  const transport = base.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(failureOf(cluster.name, signal.reason, signal));
    const outgoing = transport.request({
      method: request.method,
      protocol: base.protocol,
      hostname: base.hostname.replace(/^\[|\]$/g, ''),
      port: base.port,
      path: query ? `${path}?${query}` : path,
      headers,
      // An upgraded socket leaves any pool for good.
      agent: request.upgrade ? false : request.longRunning ? cluster.longRunningAgent : cluster.agent,
      ...cluster.tls,
    });
    let settled = false;
    let answer: IncomingMessage | undefined;
    const onAbort = () => {
      const failure = failureOf(cluster.name, signal?.reason, signal);
      // The answer being relayed fails with the reason itself (not a bare "aborted"), so its reader can say why.
      answer?.destroy(failure);
      outgoing.destroy(failure);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const release = () => signal?.removeEventListener('abort', onAbort);
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      release();
      reject(failureOf(cluster.name, err, signal));
    };
    outgoing.on('error', fail);
    // Every exchange closes; only one closed before its answer needs an Error (building one costs a stack trace).
    outgoing.on('close', () => settled || fail(new Error('the connection closed before an answer')));
    outgoing.on('response', (response) => {
      if (settled) return void response.destroy();
      settled = true;
      answer = response;
      // The abort listener stays until the response is consumed: aborting must also cut a body being relayed.
      response.once('close', release);
      resolve({ kind: 'response', response });
    });
    outgoing.on('upgrade', (response, socket, head) => {
      release();
      if (settled) return void socket.destroy();
      settled = true;
      resolve({ kind: 'upgraded', response, socket, head });
    });
    outgoing.end(request.body && request.body.length > 0 ? request.body : undefined);
  });
}

/** Reads a response body whole, refusing more than `limit` bytes. */
export async function readBounded(response: IncomingMessage, limit: number): Promise<Buffer> {
  const { head, ended } = await readUpTo(response, limit);
  if (!ended) {
    const tooLarge = new ResponseTooLarge(limit);
    response.destroy(tooLarge);
    throw tooLarge;
  }
  return joined(head);
}

/** Chunks as one buffer, without a copy when there is only one. */
export function joined(chunks: readonly Buffer[]): Buffer {
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/**
 * Reads a response body until it ends (`ended`) or has passed `limit` bytes; then it stops with the stream paused and
 * the rest unread, for the caller to stream on from `head`.
 */
export function readUpTo(
  response: IncomingMessage,
  limit: number,
): Promise<{ head: Buffer[]; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const head: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (ended: boolean) => {
      if (settled) return;
      settled = true;
      response.off('data', onData);
      resolve({ head, ended });
    };
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      head.push(chunk);
      size += chunk.length;
      if (size > limit) {
        response.pause();
        settle(false);
      }
    };
    response.on('data', onData);
    response.once('end', () => settle(true));
    // Once settled, a failure is the next reader's to report (it finds the stream errored): this listener only keeps
    // the error from going unhandled in between.
    response.on('error', fail);
    response.once('close', () => {
      if (!response.complete) fail(new Error('the cluster closed the connection mid-answer'));
    });
  });
}

export class ResponseTooLarge extends Error {
  override readonly name = 'ResponseTooLarge';
  constructor(readonly limit: number) {
    super(`the cluster's answer is larger than Airlock's inspection limit of ${limit} bytes`);
  }
}
