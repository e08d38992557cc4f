import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { Readable } from 'node:stream';
import httpProxy from 'http-proxy';
import { toInspectableAccept } from '../kube/content-negotiation.js';
import { buildUpstreamHeaders, impersonatedIdentity } from '../kube/headers.js';
import { StatusError, isStatusError } from '../kube/status.js';
import type { Logger } from '../lib/logger.js';
import type { Masker } from '../masking/index.js';
import type { Recorder } from '../recording/recorder.js';
import type { GatewayMetrics } from '../web/metrics.js';
import {
  admit,
  newPartialAdmission,
  policyDenial,
  type Admission,
  type AdmissionDeps,
  type PartialAdmission,
} from './admission.js';
import { readBody } from './body.js';
import { relayResponse, type RelayOutcome } from './response.js';
import type { GatePass, GateTrace, ReviewGate } from './review-gate.js';
import { relayUpgrade } from './upgrade.js';

export interface GatewayDeps extends AdmissionDeps {
  masker: Masker;
  recorder: Recorder;
  reviewGate: ReviewGate;
  metrics: GatewayMetrics;
  logger: Logger;
  maxBodyBytes: number;
}

export interface Gateway {
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Requests currently being served or parked (graceful shutdown waits for them). */
  inFlight(): number;
  /** Graceful shutdown: parked requests are released (the agent is told to re-run and re-attach), open watches and
   * exec sessions are ended, so in-flight requests finish and get recorded before the recorder closes. */
  stop(): void;
}

const READ_VERBS = new Set(['get', 'list', 'watch']);

function clientIp(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

function upstreamUnavailable(a: Admission, err: Error): StatusError {
  return new StatusError(
    'ServiceUnavailable',
    `cluster "${a.cluster.name}" is unreachable from Airlock (${(err as NodeJS.ErrnoException).code ?? 'connection failed'}); retry later`,
  );
}

/** `complete` runs at most once: before a buffered answer is sent, or after a stream or upgrade ends. */
function completingOnce(pass: GatePass): GatePass {
  const { complete } = pass;
  if (!complete) return pass;
  let done = false;
  return {
    ...pass,
    async complete(outcome) {
      if (done) return;
      done = true;
      await complete.call(pass, outcome);
    },
  };
}

export function createGateway(deps: GatewayDeps): Gateway {
  const proxy = httpProxy.createProxyServer({ selfHandleResponse: true, ignorePath: true, xfwd: false });
  /** Per-request state http-proxy's events need; keyed by the agent's request. */
  const forwarding = new WeakMap<
    IncomingMessage,
    {
      a: Admission;
      pass: GatePass;
      headers: OutgoingHttpHeaders;
      resolve: (o: RelayOutcome) => void;
      reject: (e: Error) => void;
    }
  >();
  let inFlight = 0;
  /** One per request in flight; aborting releases a parked request. (A set rather than AbortSignal.any with a
   * process-long signal, which retains every request's signal on Node 20.) */
  const inFlightSignals = new Set<AbortController>();
  const abortOnClose = (emitter: NodeJS.EventEmitter): AbortController => {
    const aborted = new AbortController();
    inFlightSignals.add(aborted);
    emitter.once('close', () => {
      aborted.abort();
      inFlightSignals.delete(aborted);
    });
    return aborted;
  };
  /** Closers of long-lived exchanges (watches, followed logs, upgrades) still open. */
  const openStreams = new Set<() => void>();
  const holdOpen = (close: () => void, until: NodeJS.EventEmitter) => {
    openStreams.add(close);
    until.once('close', () => openStreams.delete(close));
  };

  proxy.on('proxyReq', (proxyReq, req) => {
    const state = forwarding.get(req);
    if (!state) return proxyReq.destroy();
    // http-proxy copies every inbound header; replace them wholesale with the allow-listed set.
    for (const name of proxyReq.getHeaderNames()) proxyReq.removeHeader(name);
    for (const [name, value] of Object.entries(state.headers))
      if (value !== undefined) proxyReq.setHeader(name, value);
  });
  proxy.on('proxyRes', (proxyRes, req, res) => {
    const state = forwarding.get(req);
    if (!state) return proxyRes.destroy();
    relayResponse(state.a, proxyRes, req, res as ServerResponse, deps.masker, state.pass).then(
      state.resolve,
      state.reject,
    );
  });

  async function upstreamHeaders(
    a: Admission,
    req: IncomingMessage,
    body: Buffer,
    upgrade: boolean,
    contentType?: string,
  ) {
    const authorization = await a.cluster.authorization();
    const headers = buildUpstreamHeaders(req.rawHeaders, {
      ...(authorization ? { authorization } : {}),
      ...(a.cluster.impersonate ? { impersonate: impersonatedIdentity(a.agent) } : {}),
      accept: toInspectableAccept(req.headers.accept),
      upgrade,
      requestId: a.requestId,
      clientIp: clientIp(req),
    });
    headers.host = a.cluster.server.host;
    if (!upgrade) headers['content-length'] = String(body.length);
    if (contentType) headers['content-type'] = contentType;
    return headers;
  }

  function upstreamUrl(a: Admission): URL {
    const url = new URL(a.cluster.server.href);
    url.pathname = url.pathname.replace(/\/$/, '') + a.request.path;
    url.search = a.request.query.toString();
    return url;
  }

  async function forward(
    a: Admission,
    pass: GatePass,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<RelayOutcome> {
    const headers = await upstreamHeaders(a, req, pass.body, false, pass.contentType);
    return new Promise((resolve, reject) => {
      forwarding.set(req, { a, pass, headers, resolve, reject });
      proxy.web(
        req,
        res,
        {
          target: upstreamUrl(a).href,
          agent: a.cluster.agent,
          secure: a.cluster.tls.rejectUnauthorized !== false,
          // No chunk at all for an empty body, so headers and end leave in one write.
          buffer: Readable.from(pass.body.length ? [pass.body] : []),
        },
        (err) => reject(upstreamUnavailable(a, err)),
      );
    });
  }

  /** Policy outcome → what gets forwarded (or the Status the agent sees instead). */
  async function gate(a: Admission, trace: GateTrace, signal: AbortSignal): Promise<GatePass> {
    const { decision, request } = a;
    if (decision.action === 'deny') throw policyDenial(a);
    const isRead = READ_VERBS.has(request.info.verb) || request.dryRun || !request.info.isResourceRequest;
    if (!deps.recorder.available() && !(isRead && decision.recording.bestEffort)) {
      throw new StatusError(
        'ServiceUnavailable',
        'Airlock cannot record this request right now (its session store is unavailable), so it is not forwarded; retry shortly',
        { retryAfterSeconds: 5 },
      );
    }
    if (decision.action === 'review') return completingOnce(await deps.reviewGate.hold(a, trace, signal));
    return { body: a.body };
  }

  function record(
    partial: PartialAdmission,
    a: Admission | undefined,
    trace: GateTrace,
    outcome: RelayOutcome,
    error?: string,
  ) {
    const seconds = (Date.now() - partial.receivedAt.getTime()) / 1000;
    deps.metrics.observe(
      {
        cluster: partial.cluster?.name ?? 'unknown',
        verb: partial.request?.info.verb ?? 'unknown',
        decision: partial.decision?.action ?? 'none',
        code: outcome.status,
      },
      seconds,
    );
    const log = {
      requestId: partial.requestId,
      cluster: partial.cluster?.name,
      agent: partial.agent?.name,
      verb: partial.request?.info.verb,
      path: partial.request?.path,
      decision: partial.decision?.action,
      rule: partial.decision?.rule,
      status: outcome.status,
      ms: Math.round(seconds * 1000),
      ...trace,
      ...(error ? { error: deps.masker.maskText(error) } : {}),
    };
    if (outcome.status >= 500) deps.logger.warn(log, 'request failed');
    else deps.logger.info(log, 'request');
    if (!partial.agent || !partial.request || !partial.decision || !partial.cluster) return;
    const requestBody =
      a?.parsedBody.kind === 'document'
        ? deps.masker.maskRequestBody(a.parsedBody.value, a.request.info)
        : undefined;
    deps.recorder.record({
      requestId: partial.requestId,
      time: partial.receivedAt,
      agent: partial.agent,
      cluster: partial.cluster.name,
      ...(a?.sessionHint ? { sessionHint: a.sessionHint } : {}),
      request: partial.request,
      decision: partial.decision,
      ...trace,
      status: outcome.status,
      latencyMs: Math.round(seconds * 1000),
      bytesIn: a?.body.length ?? 0,
      bytesOut: outcome.bytesOut,
      ...(requestBody !== undefined ? { requestBody } : {}),
      ...(outcome.responseBody !== undefined ? { responseBody: outcome.responseBody } : {}),
      ...(outcome.summary || error
        ? { summary: { ...outcome.summary, ...(error ? { error: deps.masker.maskText(error) } : {}) } }
        : {}),
    });
  }

  function statusOf(err: unknown): StatusError {
    return isStatusError(err)
      ? err
      : new StatusError('InternalError', 'Airlock failed to handle the request; see its logs');
  }

  function sendStatus(res: ServerResponse, err: StatusError): RelayOutcome {
    const payload = Buffer.from(JSON.stringify(err.toStatus()));
    if (!res.headersSent) {
      const retry = err.details?.retryAfterSeconds;
      res.writeHead(err.code, {
        'content-type': 'application/json',
        'content-length': payload.length,
        ...(retry ? { 'retry-after': String(retry) } : {}),
      });
      res.end(payload);
    } else {
      res.destroy();
    }
    return { status: err.code, bytesOut: payload.length, responseBody: err.toStatus() };
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const partial = newPartialAdmission();
    const trace: GateTrace = {};
    const aborted = abortOnClose(res);
    let a: Admission | undefined;
    try {
      a = await admit(deps, req, () => readBody(req, deps.maxBodyBytes), partial);
      if (a.request.info.verb === 'watch' || a.request.query.get('follow') === 'true')
        holdOpen(() => res.end(), res);
      const pass = await gate(a, trace, aborted.signal);
      const outcome = await forward(a, pass, req, res);
      await pass.complete?.(outcome);
      record(partial, a, trace, outcome);
    } catch (err) {
      const status = statusOf(err);
      if (!isStatusError(err)) deps.logger.error({ requestId: partial.requestId, err }, 'unexpected error');
      record(partial, a, trace, sendStatus(res, status), status.message);
    }
  }

  async function serveUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const partial = newPartialAdmission();
    const trace: GateTrace = {};
    const aborted = abortOnClose(socket);
    let a: Admission | undefined;
    try {
      // Same admission and gate as plain requests: an upgrade is never a shorter path around policy.
      a = await admit(deps, req, async () => Buffer.alloc(0), partial);
      holdOpen(() => socket.end(), socket);
      const pass = await gate(a, trace, aborted.signal);
      const headers = await upstreamHeaders(a, req, pass.body, true);
      const outcome = await relayUpgrade({
        url: upstreamUrl(a),
        method: req.method ?? 'GET',
        headers,
        cluster: a.cluster,
        socket,
        head,
      });
      await pass.complete?.(outcome);
      record(partial, a, trace, {
        ...outcome,
        summary: { ...outcome.summary, command: a.request.query.getAll('command') },
      });
    } catch (err) {
      const status = statusOf(err);
      if (!isStatusError(err)) deps.logger.error({ requestId: partial.requestId, err }, 'unexpected error');
      const payload = JSON.stringify(status.toStatus());
      socket.end(
        `HTTP/1.1 ${status.code} ${status.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`,
      );
      record(partial, a, trace, { status: status.code, bytesOut: payload.length }, status.message);
    }
  }

  const track = (p: Promise<void>) => {
    inFlight++;
    p.finally(() => inFlight--).catch(() => undefined);
  };

  return {
    handleRequest: (req, res) => track(serve(req, res)),
    handleUpgrade: (req, socket, head) => track(serveUpgrade(req, socket, head)),
    inFlight: () => inFlight,
    stop() {
      for (const aborted of inFlightSignals) aborted.abort();
      for (const close of openStreams) close();
    },
  };
}
