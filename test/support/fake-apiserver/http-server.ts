/**
 * The HTTP edge: records every request, checks the bearer token, applies injected faults, then routes
 * to discovery, resources or the exec upgrade.
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { PODS } from './catalog.js';
import { discoveryDocument } from './discovery.js';
import { pathNotFound, methodNotAllowed, unauthorized } from './errors.js';
import { faultReply, type FaultInjector, type FaultResponse, type RecordedRequest } from './faults.js';
import { errorReply, readBody, sendReply, sendReplyOnSocket, statusReply, type Reply } from './http-io.js';
import type { PodExecServer } from './pod-exec.js';
import type { PodPortForwardServer } from './pod-portforward.js';
import type { Registry } from './registry.js';
import { parseResourcePath } from './request-target.js';
import type { ResourceHandler } from './resource-handler.js';

export interface HttpDeps {
  token: string;
  gitVersion: string;
  /** host:port, known once the server listens. */
  serverAddress: () => string;
  requests: RecordedRequest[];
  recordRequests: boolean;
  faults: FaultInjector;
  registry: Registry;
  resources: ResourceHandler;
  exec: PodExecServer;
  portForward: PodPortForwardServer;
}

/** What the edge decided before any API logic runs. */
type Screening = Reply | Extract<FaultResponse, { raw: unknown }> | 'hang' | 'destroy' | undefined;

const HEALTH_PATHS = new Set(['/healthz', '/livez', '/readyz']);

function headerLines(rawHeaders: readonly string[]): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? '').toLowerCase();
    (headers[name] ??= []).push(rawHeaders[i + 1] ?? '');
  }
  return headers;
}

function recordRequest(deps: HttpDeps, req: IncomingMessage, body: string): RecordedRequest {
  const target = req.url ?? '/';
  const queryStart = target.indexOf('?');
  const recorded: RecordedRequest = {
    method: req.method ?? 'GET',
    path: queryStart >= 0 ? target.slice(0, queryStart) : target,
    query: new URLSearchParams(queryStart >= 0 ? target.slice(queryStart + 1) : ''),
    headers: headerLines(req.rawHeaders),
    body,
  };
  if (deps.recordRequests) deps.requests.push(recorded);
  return recorded;
}

/** Exactly one Authorization line with the expected bearer token; anything else is 401, as from kube-apiserver. */
function screen(deps: HttpDeps, request: RecordedRequest): Screening {
  const authorization = request.headers.authorization ?? [];
  if (authorization.length !== 1 || authorization[0] !== `Bearer ${deps.token}`)
    return statusReply(unauthorized());
  const fault = deps.faults.take(request);
  return typeof fault === 'object' && !('raw' in fault) ? faultReply(fault) : fault;
}

function route(
  deps: HttpDeps,
  request: RecordedRequest,
  req: IncomingMessage,
  res: ServerResponse,
): Reply | 'streamed' {
  if (HEALTH_PATHS.has(request.path)) return { status: 200, body: 'ok' };
  const target = parseResourcePath(request.path);
  if (target) {
    return deps.resources.handle(target, { ...request, headers: req.headers }, res);
  }
  const document = discoveryDocument(request.path, {
    gitVersion: deps.gitVersion,
    serverAddress: deps.serverAddress(),
  });
  if (!document) throw pathNotFound();
  if (request.method !== 'GET' && request.method !== 'HEAD') throw methodNotAllowed(request.method);
  return { status: 200, body: document };
}

/** Serves one request: the same path for ordinary requests and for upgrade requests this server does not hijack. */
function serveRequest(deps: HttpDeps, req: IncomingMessage, res: ServerResponse, body: string): void {
  const request = recordRequest(deps, req, body);
  const screening = screen(deps, request);
  if (screening === 'hang') return;
  if (screening === 'destroy') return void req.socket.destroy();
  if (screening && 'raw' in screening) return screening.raw(res, req);
  if (screening) return sendReply(res, screening);
  try {
    const outcome = route(deps, request, req, res);
    if (outcome !== 'streamed') sendReply(res, outcome);
  } catch (err) {
    if (res.headersSent) res.destroy();
    else sendReply(res, errorReply(err));
  }
}

export function createRequestListener(deps: HttpDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    let body: string;
    try {
      body = await readBody(req);
    } catch (err) {
      sendReply(res, errorReply(err));
      return;
    }
    serveRequest(deps, req, res, body);
  };
  return (req, res) => void handle(req, res);
}

const isWebSocket = (req: IncomingMessage) =>
  /\bupgrade\b/i.test(String(req.headers.connection ?? '')) &&
  String(req.headers.upgrade ?? '').toLowerCase() === 'websocket';

/**
 * The minimal ServerResponse a watch needs, writing each event line as one WebSocket message, as kube-apiserver's
 * `HandleWS` does for a watch requested over WebSocket.
 */
function webSocketWatchResponse(ws: import('ws').WebSocket): ServerResponse {
  let ended = false;
  const adapter = {
    get writableEnded() {
      return ended;
    },
    get headersSent() {
      return true;
    },
    writeHead: () => adapter,
    flushHeaders: () => undefined,
    write(line: string) {
      ws.send(line.replace(/\n$/, ''));
      return true;
    },
    end() {
      ended = true;
      ws.close();
    },
    destroy: () => ws.terminate(),
    on(event: string, listener: () => void) {
      if (event === 'close') ws.on('close', listener);
      return adapter;
    },
  };
  return adapter as unknown as ServerResponse;
}

/**
 * Upgrades as Go's net/http and kube-apiserver answer them: exec and port-forward hijack the connection; a watch
 * requested over WebSocket is served as one message per event (101); any other request carrying upgrade headers is
 * answered as an ordinary request (net/http does not refuse them), on the same connection, which then closes.
 */
export function createUpgradeListener(
  deps: HttpDeps,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const websockets = new WebSocketServer({ noServer: true });
  return (req, socket, head) => {
    const target = parseResourcePath(new URL(req.url ?? '/', 'http://fake').pathname);
    const sub = target?.subresource?.name;
    if (target?.rt === PODS && (sub === 'exec' || sub === 'portforward') && target.name !== undefined) {
      const request = recordRequest(deps, req, '');
      const screening = screen(deps, request);
      if (screening === 'hang') return;
      if (screening === 'destroy') return void socket.destroy();
      if (screening && 'raw' in screening)
        return sendReplyOnSocket(socket, { status: 500, body: 'raw fault on upgrade' });
      if (screening) return sendReplyOnSocket(socket, screening);
      try {
        const pod = deps.registry.get(PODS, { namespace: target.namespace, name: target.name });
        if (sub === 'portforward') deps.portForward.handleUpgrade(req, socket, head, request.query);
        else deps.exec.handleUpgrade(req, socket, head, { pod, query: request.query });
      } catch (err) {
        sendReplyOnSocket(socket, errorReply(err));
      }
      return;
    }
    const query = new URL(req.url ?? '/', 'http://fake').searchParams;
    if (
      isWebSocket(req) &&
      target &&
      target.name === undefined &&
      /^(1|t|true)$/i.test(query.get('watch') ?? '')
    ) {
      websockets.handleUpgrade(req, socket, head, (ws) =>
        serveRequest(deps, req, webSocketWatchResponse(ws), ''),
      );
      return;
    }
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.once('finish', () => socket.end());
    serveRequest(deps, req, res, '');
  };
}
