/**
 * The MCP endpoint at `/mcp` on the proxy listener (Streamable HTTP, stateless: every POST carries its own
 * JSON-RPC messages and bearer token, so any replica can answer any call). It authenticates the caller with the same
 * verifier as the proxy before the MCP SDK sees a byte, and loads the SDK on first use only.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { extractBearerToken } from '../identity/bearer-token.js';
import { AuthenticationError, IssuerUnreachableError } from '../identity/errors.js';
import type { TokenVerifier } from '../identity/token-verifier.js';
import { isStatusError } from '../kube/status.js';
import type { Logger } from '../lib/logger.js';
import type { Review } from '../reviews/model.js';
import { readBody } from '../gateway/body.js';
import { sendJson } from '../gateway/token-endpoint.js';
import { createDiscovery, type Discovery } from './discovery.js';
import type { KubeApi } from './kube-api.js';

export const MCP_PATH = '/mcp';

export interface McpEndpointDeps {
  verifier: TokenVerifier;
  /** The gateway, reached over its loopback listener; called once, on the first request (it listens by then). */
  kube: () => KubeApi;
  reviews: { get(id: string): Promise<Review | undefined> };
  logger: Logger;
  maxBodyBytes: number;
  bodyIdleTimeoutMs: number;
}

/** Serves `/mcp` ahead of the gateway (it is not a cluster path); everything else goes to `next`. */
export function withMcpEndpoint(deps: McpEndpointDeps, next: RequestListener): RequestListener {
  let server: Promise<typeof import('./server.js')> | undefined;
  let backend: Backend | undefined;
  const load = async (): Promise<Loaded> => {
    if (!backend) {
      const kube = deps.kube();
      // Discovery is per cluster and the same for every caller: one cache serves every request of this process.
      backend = { kube, discovery: createDiscovery(kube) };
    }
    return { ...(await (server ??= import('./server.js'))), ...backend };
  };
  return (req, res) => {
    if ((req.url ?? '').split('?')[0] !== MCP_PATH) return next(req, res);
    void serve(deps, req, res, load).catch((err: unknown) => {
      deps.logger.error({ err: (err as Error).message }, 'MCP request failed');
      if (!res.headersSent) jsonRpcError(res, 500, -32603, 'Airlock could not serve this MCP request');
      else res.destroy();
    });
  };
}

interface Backend {
  kube: KubeApi;
  discovery: Discovery;
}
type Loaded = typeof import('./server.js') & Backend;

async function serve(
  deps: McpEndpointDeps,
  req: IncomingMessage,
  res: ServerResponse,
  load: () => Promise<Loaded>,
): Promise<void> {
  if (req.method !== 'POST') {
    // Stateless: no server-initiated stream to GET and no session to DELETE (the transport's own answer for both).
    res.setHeader('allow', 'POST');
    return jsonRpcError(res, 405, -32000, 'Method not allowed: this MCP endpoint is stateless; send POST');
  }
  let token: string;
  let agent;
  try {
    token = extractBearerToken(req.headers);
    agent = await deps.verifier.verify(token);
  } catch (err) {
    if (!(err instanceof AuthenticationError)) throw err;
    return unauthorized(res, err);
  }
  let body: unknown;
  try {
    const raw = await readBody(req, { limit: deps.maxBodyBytes, idleTimeoutMs: deps.bodyIdleTimeoutMs });
    body = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    if (isStatusError(err)) return jsonRpcError(res, err.code, -32600, err.message);
    return jsonRpcError(res, 400, -32700, 'Parse error: the request body is not JSON');
  }
  const { serveMcpRequest, kube, discovery } = await load();
  await serveMcpRequest({
    req,
    res,
    body,
    context: { agent, token, kube, discovery, reviews: deps.reviews, logger: deps.logger },
  });
}

/** RFC 6750 §3: the challenge says why, so an MCP client can tell a missing token from an expired one. */
function unauthorized(res: ServerResponse, err: AuthenticationError): void {
  if (err instanceof IssuerUnreachableError) return jsonRpcError(res, 503, -32000, err.message);
  const missing = err.failure === 'no-token';
  const challenge = missing
    ? 'Bearer realm="airlock"'
    : `Bearer realm="airlock", error="invalid_token", error_description="${err.message.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?')}"`;
  res.setHeader('www-authenticate', challenge);
  jsonRpcError(res, 401, -32001, err.message);
}

function jsonRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null });
}
