import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Database } from '../db/database.js';
import { deadline, sendUpstream } from '../kube/transport.js';
import type { UpstreamCluster } from '../kube/upstream.js';
import type { GatewayMetrics } from './metrics.js';

/** Is the cluster answering? A cheap authenticated GET /version with a short deadline. */
async function probeCluster(cluster: UpstreamCluster): Promise<string | undefined> {
  const authorization = await cluster.authorization();
  const limit = deadline(2000);
  try {
    const reply = await sendUpstream(cluster, {
      method: 'GET',
      path: '/version',
      headers: authorization ? { authorization } : {},
      signal: limit.signal,
    });
    if (reply.kind !== 'response') {
      reply.socket.destroy();
      return `cluster ${cluster.name}: /version switched protocols`;
    }
    reply.response.resume();
    const status = reply.response.statusCode;
    return status === 200 ? undefined : `cluster ${cluster.name}: /version answered ${status}`;
  } catch (err) {
    return `cluster ${cluster.name}: ${(err as Error).message}`;
  } finally {
    limit.clear();
  }
}

/** Readiness: the database answers and at least one cluster does; clusters that do not are reported as degraded. */
async function readiness(
  db: Database,
  clusters: readonly UpstreamCluster[],
): Promise<{ ready: boolean; report: string }> {
  const lines: string[] = [];
  let ready = true;
  try {
    await db.raw('select 1');
  } catch (err) {
    ready = false;
    lines.push(`database: ${(err as Error).message}`);
  }
  if (clusters.length === 0) {
    ready = false;
    lines.push('no upstream cluster configured');
  }
  const problems = await Promise.all(clusters.map(probeCluster));
  const down = problems.filter((p) => p !== undefined);
  // One unreachable cluster must not take every replica out of service while others still work.
  if (clusters.length > 0 && down.length === clusters.length) ready = false;
  lines.push(...down.map((p) => (ready ? `degraded: ${p}` : p)));
  return { ready, report: lines.length ? lines.join('\n') : 'ok' };
}

type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

function sendText(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * A few fixed GET routes on plain Node HTTP: these listeners serve three paths, which does not need a framework
 * (express alone is ~11 MiB resident). Errors never show their text here.
 */
function routes(table: Record<string, Route>, fallback?: RequestListener): RequestListener {
  // A Map: only the listed paths are routes, never properties every object inherits.
  const byPath = new Map(Object.entries(table));
  return (req, res) => {
    const route = byPath.get((req.url ?? '/').split('?')[0]!);
    if (!route) {
      if (fallback) return fallback(req, res);
      return sendText(res, 404, 'not found');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendText(res, 405, 'method not allowed');
    }
    Promise.resolve(route(req, res)).catch(() => {
      if (!res.headersSent) sendText(res, 500, 'internal error');
      else res.destroy();
    });
  };
}

const healthz: Route = (_req, res) => sendText(res, 200, 'ok');

/**
 * The web listener, the one Slack must reach: a liveness check, and Slack's receiver when Slack is on (it verifies
 * signatures over the raw body, so it gets the untouched request).
 */
export function createWebApp(deps: { slack?: RequestListener }): RequestListener {
  return routes({ '/healthz': healthz }, deps.slack);
}

/** The internal listener (loopback by default): health and readiness for orchestrators, metrics for Prometheus. */
export function createInternalApp(deps: {
  db: Database;
  clusters: readonly UpstreamCluster[];
  metrics: GatewayMetrics;
}): RequestListener {
  return routes({
    '/healthz': healthz,
    '/readyz': async (_req, res) => {
      const { ready, report } = await readiness(deps.db, deps.clusters);
      sendText(res, ready ? 200 : 503, report);
    },
    '/metrics': async (_req, res) => {
      const body = await deps.metrics.registry.metrics();
      sendText(res, 200, body, deps.metrics.registry.contentType);
    },
  });
}
