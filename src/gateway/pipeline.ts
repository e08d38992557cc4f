import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { toInspectableAccept } from '../kube/content-negotiation.js';
import { buildUpstreamHeaders, impersonatedIdentity } from '../kube/headers.js';
import { AuthenticationError } from '../identity/errors.js';
import { StatusError, isStatusError } from '../kube/status.js';
import { DeadlineExceeded, UpstreamError, sendUpstream, type OutboundRequest } from '../kube/transport.js';
import { Cancellation, type CancelSignal } from '../lib/cancellation.js';
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
import { createAgentLimiter, type AgentLimits } from './limits.js';
import { isLongRunning, mayUpgrade, responseShape } from './request-shape.js';
import { relayResponse, type RelayOutcome } from './response.js';
import type { GatePass, GateTrace, ReviewGate } from './review-gate.js';
import { relayUpgrade, writeResponseOnSocket } from './upgrade.js';

export interface GatewayDeps extends AdmissionDeps {
  masker: Masker;
  recorder: Recorder;
  reviewGate: ReviewGate;
  metrics: GatewayMetrics;
  logger: Logger;
  maxBodyBytes: number;
  /** Deadline for short requests, from forwarding to the last byte (kube-apiserver's --request-timeout). */
  requestTimeoutMs: number;
  /** An upload that sends nothing for this long is cut with 408. */
  bodyIdleTimeoutMs: number;
  limits: AgentLimits;
}

export interface Gateway {
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Requests currently being served or parked (graceful shutdown waits for them). */
  inFlight(): number;
  /** Requests waiting for a review decision. */
  parked(): number;
  /** Graceful shutdown: parked requests are released (the agent is told to re-run and re-attach), open watches and
   * exec sessions are ended, so in-flight requests finish and get recorded before the recorder closes. */
  stop(): void;
  /** Ends every request of a credential session (`Agent.tokenId`) now — parked, streaming or upgraded — answering
   * with `why` where an answer can still be given (a watch gets it as its last event). */
  endSession(tokenId: string, why: StatusError): void;
}

const READ_VERBS = new Set(['get', 'list', 'watch']);

function clientIp(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/** What the session log says when the agent went away before its answer: nginx's "client closed request". */
const AGENT_LEFT = 499;

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

/** The reason a graceful stop cancels an exchange: the answer and the record say Airlock stopped, not the cluster. */
class AirlockStopping extends Error {
  override readonly name = 'AirlockStopping';
  constructor() {
    super('Airlock is stopping');
  }

  toStatusError(): StatusError {
    return new StatusError('ServiceUnavailable', 'the request was cut short (Airlock is stopping); retry', {
      retryAfterSeconds: 1,
    });
  }
}

/**
 * One request's lifetime: a single abort signal that fires when the agent goes away, when the deadline passes or on
 * shutdown; whichever comes first is remembered so the outcome can be recorded truthfully.
 */
class Exchange {
  readonly signal = new Cancellation();
  agentLeft = false;
  /** Parked, or relaying a long-running stream: a graceful stop cuts these instead of waiting for them. */
  interruptible = false;
  /** The credential session it runs under, once authenticated: revoking that session ends it. */
  tokenId: string | undefined;
  private deadline: NodeJS.Timeout | undefined;

  /**
   * `cancelAfterFinish`: whether closing the connection after `finished()` still cancels (an upgraded session runs on
   * after the upgrade). A plain request whose answer was sent has nothing left to cancel, and aborting would build an
   * Error and dispatch an event on every request.
   */
  constructor(connection: NodeJS.EventEmitter, finished: () => boolean, cancelAfterFinish: boolean) {
    connection.once('close', () => {
      if (!finished()) this.agentLeft = true;
      else if (!cancelAfterFinish) return;
      this.signal.abort(new Error('the agent closed the connection'));
    });
  }

  startDeadline(ms: number): void {
    this.deadline = setTimeout(() => this.signal.abort(new DeadlineExceeded(ms)), ms);
  }

  settle(): void {
    clearTimeout(this.deadline);
  }
}

export function createGateway(deps: GatewayDeps): Gateway {
  const limiter = createAgentLimiter(deps.limits, (kind) => deps.metrics.limited(kind));
  let inFlight = 0;
  let parked = 0;
  // The request line holds only fields built here (no headers or bodies; error text masked), so the logger's path
  // redaction, ~35 µs a line measured under load, buys nothing on it.
  const accessLog = deps.logger.child({}, { redact: { paths: [] } });
  /** Requests in flight; aborting one releases it if parked and cuts its upstream exchange. */
  const exchanges = new Set<Exchange>();
  const open = (
    connection: NodeJS.EventEmitter,
    finished: () => boolean,
    cancelAfterFinish: boolean,
  ): Exchange => {
    const exchange = new Exchange(connection, finished, cancelAfterFinish);
    exchanges.add(exchange);
    return exchange;
  };

  async function upstreamHeaders(a: Admission, req: IncomingMessage, upgrade: boolean, contentType?: string) {
    const authorization = await a.cluster.authorization();
    const headers = buildUpstreamHeaders(req.rawHeaders, {
      ...(authorization ? { authorization } : {}),
      ...(a.cluster.impersonate ? { impersonate: impersonatedIdentity(a.agent) } : {}),
      accept: toInspectableAccept(req.headers.accept),
      upgrade,
      requestId: a.requestId,
      clientIp: clientIp(req),
    });
    if (contentType) headers['content-type'] = contentType;
    return headers;
  }

  /** The complete outbound request, built here before anything is sent: no header of the agent's rides along. */
  async function outbound(
    a: Admission,
    req: IncomingMessage,
    pass: GatePass,
    signal: CancelSignal,
    upgrade: boolean,
  ): Promise<OutboundRequest> {
    return {
      method: a.request.method,
      path: a.request.path,
      query: a.request.query,
      headers: await upstreamHeaders(a, req, upgrade, pass.contentType),
      ...(upgrade ? {} : { body: pass.body }),
      longRunning: isLongRunning(a.request.info),
      signal,
    };
  }

  async function forward(
    a: Admission,
    pass: GatePass,
    req: IncomingMessage,
    res: ServerResponse,
    exchange: Exchange,
  ): Promise<RelayOutcome> {
    const request = await outbound(a, req, pass, exchange.signal, false);
    // kube-apiserver's split: short requests get a deadline, long-running ones (watch, logs, exec, proxy) none.
    if (!request.longRunning) exchange.startDeadline(deps.requestTimeoutMs);
    const reply = await sendUpstream(a.cluster, request);
    if (reply.kind === 'upgraded') {
      reply.socket.destroy();
      throw new StatusError(
        'InternalError',
        'the cluster switched protocols on an ordinary request; refused',
      );
    }
    return relayResponse(a, reply.response, req, res, deps.masker, pass);
  }

  /** Policy outcome → what gets forwarded (or the Status the agent sees instead). */
  async function gate(a: Admission, trace: GateTrace, signal: CancelSignal): Promise<GatePass> {
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
    if (decision.action === 'review') {
      parked++;
      try {
        return completingOnce(await deps.reviewGate.hold(a, trace, signal));
      } finally {
        parked--;
      }
    }
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
    // Recorded and logged as masked: a path or query is whatever the agent typed.
    const request = partial.request && deps.masker.maskRequest(partial.request);
    const log = {
      requestId: partial.requestId,
      cluster: partial.cluster?.name,
      agent: partial.agent?.name,
      verb: request?.info.verb,
      path: request?.path,
      decision: partial.decision?.action,
      rule: partial.decision?.rule,
      status: outcome.status,
      ms: Math.round(seconds * 1000),
      ...trace,
      ...(error ? { error: deps.masker.maskText(error) } : {}),
    };
    if (outcome.status >= 500) accessLog.warn(log, 'request failed');
    else accessLog.info(log, 'request');
    if (!partial.agent || !request || !partial.decision || !partial.cluster) return;
    const requestBody =
      a?.parsedBody.kind === 'document'
        ? deps.masker.maskRequestBody(a.parsedBody.value, a.request.info)
        : undefined;
    deps.recorder.record({
      requestId: partial.requestId,
      time: partial.receivedAt,
      agent: partial.agent,
      cluster: partial.cluster.name,
      ...(a?.sessionHint
        ? { sessionHint: a.sessionHint, sessionLabel: deps.masker.maskText(a.sessionHint) }
        : {}),
      request,
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

  /** The Status for a failure, given why the exchange was aborted (deadline vs. the agent leaving). */
  function statusOf(err: unknown, exchange: Exchange, clusterName: string | undefined): StatusError {
    const reason: unknown = exchange.signal.reason;
    // Ended with a Status (its session revoked) or by a stop: that is the answer, whatever the cut left behind (a
    // cancelled exchange with the cluster is not the cluster's failure).
    if (isStatusError(reason)) return reason;
    if (reason instanceof AirlockStopping) return reason.toStatusError();
    if (isStatusError(err)) return err;
    // Not sent (nobody is left to read it); it is what the record says.
    if (exchange.agentLeft) {
      return new StatusError(
        'BadRequest',
        'the agent closed the connection before the answer',
        undefined,
        AGENT_LEFT,
      );
    }
    if (err instanceof UpstreamError) return err.toStatusError();
    if (reason instanceof DeadlineExceeded) {
      return new UpstreamError(clusterName ?? 'unknown', 'timeout', reason.message).toStatusError();
    }
    return new StatusError('InternalError', 'Airlock failed to handle the request; see its logs');
  }

  /** Logs what nobody expected and counts the failures operators watch (auth, clusters not answering). */
  function noteFailure(err: unknown, exchange: Exchange, partial: PartialAdmission): void {
    if (err instanceof AuthenticationError) deps.metrics.authFailed(err.failure);
    else if (err instanceof UpstreamError && !(exchange.signal.reason instanceof AirlockStopping))
      deps.metrics.upstreamFailed(err.cluster, err.failure);
    else if (!isStatusError(err) && !exchange.signal.aborted)
      deps.logger.error({ requestId: partial.requestId, err }, 'unexpected error');
  }

  function sendStatus(res: ServerResponse, err: StatusError, trace: GateTrace): RelayOutcome {
    const payload = Buffer.from(JSON.stringify(err.toStatus()));
    if (!res.headersSent && !res.destroyed) {
      const retry = err.details?.retryAfterSeconds;
      res.writeHead(err.code, {
        'content-type': 'application/json',
        'content-length': payload.length,
        ...(retry ? { 'retry-after': String(retry) } : {}),
        // Machine-readable for clients that act on a parked or denied request (Airlock's MCP tools do).
        ...(trace.reviewId && trace.verdict
          ? { 'x-airlock-review': trace.reviewId, 'x-airlock-review-state': trace.verdict.state }
          : {}),
      });
      res.end(payload);
    } else {
      // Mid-answer: cutting the connection is the only way to say the answer is incomplete.
      res.destroy();
    }
    return { status: err.code, bytesOut: payload.length, responseBody: err.toStatus() };
  }

  /** A reviewed execution that failed after the gate let it through still reports, so the review never stays open. */
  async function completeAfterFailure(pass: GatePass | undefined, status: number, requestId: string) {
    try {
      await pass?.complete?.({ status });
    } catch (err) {
      deps.logger.error({ requestId, err }, 'could not store the outcome of a reviewed execution');
    }
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const partial = newPartialAdmission();
    const trace: GateTrace = {};
    const exchange = open(res, () => res.writableFinished, false);
    let a: Admission | undefined;
    let pass: GatePass | undefined;
    let release: (() => void) | undefined;
    try {
      a = await admit(
        deps,
        req,
        () => readBody(req, { limit: deps.maxBodyBytes, idleTimeoutMs: deps.bodyIdleTimeoutMs }),
        partial,
      );
      exchange.tokenId = a.agent.tokenId;
      const longRunning = isLongRunning(a.request.info);
      release = limiter.admit(a.agent, longRunning);
      exchange.interruptible = true;
      pass = await gate(a, trace, exchange.signal);
      exchange.interruptible = longRunning;
      const outcome = await forward(a, pass, req, res, exchange);
      // A stream the agent closed was served; a buffered answer it did not wait for was not.
      const recorded =
        exchange.agentLeft && !outcome.summary?.stream ? { ...outcome, status: AGENT_LEFT } : outcome;
      await pass.complete?.(recorded);
      record(partial, a, trace, recorded);
    } catch (err) {
      const status = statusOf(err, exchange, partial.cluster?.name);
      noteFailure(err, exchange, partial);
      const outcome: RelayOutcome = exchange.agentLeft
        ? { status: AGENT_LEFT, bytesOut: 0, summary: { agentLeft: true, forwarded: pass !== undefined } }
        : sendStatus(res, status, trace);
      await completeAfterFailure(pass, outcome.status, partial.requestId);
      record(partial, a, trace, outcome, status.message);
      // A request whose body was not read to the end leaves the connection unusable.
      if (!req.complete) res.once('finish', () => req.socket.destroy());
    } finally {
      exchange.settle();
      exchanges.delete(exchange);
      release?.();
    }
  }

  function refuseUpgrade(a: Admission): StatusError {
    const { info } = a.request;
    if (responseShape(info) === 'watch') {
      return new StatusError(
        'BadRequest',
        'watch over WebSocket is not served through Airlock (its events could not be masked); use a plain HTTP watch, ' +
          'as kubectl and client-go do by default',
      );
    }
    return new StatusError(
      'BadRequest',
      `a connection upgrade is only served for pods/exec, pods/attach, pods/portforward and proxy requests, not for ` +
        `${info.verb} ${info.resource || a.request.path}${info.subresource ? `/${info.subresource}` : ''}; ` +
        'send the request without Connection: Upgrade',
    );
  }

  async function serveUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const partial = newPartialAdmission();
    const trace: GateTrace = {};
    let upgraded = false;
    const exchange = open(socket, () => upgraded, true);
    let a: Admission | undefined;
    let pass: GatePass | undefined;
    let release: (() => void) | undefined;
    try {
      // Same admission and gate as plain requests: an upgrade is never a shorter path around policy.
      a = await admit(deps, req, async () => Buffer.alloc(0), partial);
      exchange.tokenId = a.agent.tokenId;
      if (!mayUpgrade(a.request.info)) throw refuseUpgrade(a);
      release = limiter.admit(a.agent, true);
      exchange.interruptible = true;
      pass = await gate(a, trace, exchange.signal);
      const outcome = await relayUpgrade({
        a,
        cluster: a.cluster,
        outbound: await outbound(a, req, pass, exchange.signal, true),
        socket,
        head,
        masker: deps.masker,
      });
      upgraded = true;
      await pass.complete?.(outcome);
      record(partial, a, trace, {
        ...outcome,
        summary: { ...outcome.summary, command: deps.masker.maskQuery(a.request.query).getAll('command') },
      });
    } catch (err) {
      const status = statusOf(err, exchange, partial.cluster?.name);
      noteFailure(err, exchange, partial);
      const payload = Buffer.from(JSON.stringify(status.toStatus()));
      if (!exchange.agentLeft) {
        writeResponseOnSocket(
          socket,
          status.code,
          status.reason,
          [['Content-Type', 'application/json']],
          payload,
        );
      } else socket.destroy();
      const outcome: RelayOutcome = exchange.agentLeft
        ? { status: AGENT_LEFT, bytesOut: 0, summary: { agentLeft: true, forwarded: pass !== undefined } }
        : { status: status.code, bytesOut: payload.length, responseBody: status.toStatus() };
      await completeAfterFailure(pass, outcome.status, partial.requestId);
      record(partial, a, trace, outcome, status.message);
    } finally {
      exchange.settle();
      exchanges.delete(exchange);
      release?.();
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
    parked: () => parked,
    stop() {
      for (const exchange of exchanges)
        if (exchange.interruptible) exchange.signal.abort(new AirlockStopping());
    },
    endSession(tokenId, why) {
      for (const exchange of exchanges) if (exchange.tokenId === tokenId) exchange.signal.abort(why);
    },
  };
}
