/**
 * The HTTP edge: records every request, checks the bearer token, applies injected faults, then routes
 * to discovery, resources or the exec upgrade.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { PODS } from './catalog.js';
import { discoveryDocument } from './discovery.js';
import { badRequest, pathNotFound, methodNotAllowed, unauthorized } from './errors.js';
import { faultReply, type FaultInjector, type RecordedRequest } from './faults.js';
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
type Screening = Reply | 'hang' | 'destroy' | undefined;

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
  return typeof fault === 'object' ? faultReply(fault) : fault;
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

export function createRequestListener(deps: HttpDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    let body: string;
    try {
      body = await readBody(req);
    } catch (err) {
      sendReply(res, errorReply(err));
      return;
    }
    const request = recordRequest(deps, req, body);
    const screening = screen(deps, request);
    if (screening === 'hang') return;
    if (screening === 'destroy') return void req.socket.destroy();
    if (screening) return sendReply(res, screening);
    try {
      const outcome = route(deps, request, req, res);
      if (outcome !== 'streamed') sendReply(res, outcome);
    } catch (err) {
      if (res.headersSent) res.destroy();
      else sendReply(res, errorReply(err));
    }
  };
  return (req, res) => void handle(req, res);
}

export function createUpgradeListener(
  deps: HttpDeps,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    const request = recordRequest(deps, req, '');
    const screening = screen(deps, request);
    if (screening === 'hang') return;
    if (screening === 'destroy') return void socket.destroy();
    if (screening) return sendReplyOnSocket(socket, screening);
    try {
      const target = parseResourcePath(request.path);
      const sub = target?.subresource?.name;
      if (target?.rt !== PODS || (sub !== 'exec' && sub !== 'portforward') || target.name === undefined) {
        throw badRequest(
          `this fake API server upgrades only pods/exec and pods/portforward, not ${request.path}`,
        );
      }
      const pod = deps.registry.get(PODS, { namespace: target.namespace, name: target.name });
      if (sub === 'portforward') deps.portForward.handleUpgrade(req, socket, head, request.query);
      else deps.exec.handleUpgrade(req, socket, head, { pod, query: request.query });
    } catch (err) {
      sendReplyOnSocket(socket, errorReply(err));
    }
  };
}
