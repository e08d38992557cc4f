import express, { type Express, type NextFunction, type Request, type Response } from 'express';
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

/**
 * The web listener, the one Slack must reach: whatever adapters mount (Slack's receiver mounts itself first, before
 * any body parser, because it verifies signatures over the raw body) and a liveness check. Errors never show their
 * text here.
 */
export function createWebApp(deps: { mount?: (app: Express) => void }): Express {
  const app = express();
  app.disable('x-powered-by');
  deps.mount?.(app);
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  app.use((_err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(_err);
    res.status(500).type('text/plain').send('internal error');
  });
  return app;
}

/** The internal listener (loopback by default): health and readiness for orchestrators, metrics for Prometheus. */
export function createInternalApp(deps: {
  db: Database;
  clusters: readonly UpstreamCluster[];
  metrics: GatewayMetrics;
}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  app.get('/readyz', async (_req, res) => {
    const { ready, report } = await readiness(deps.db, deps.clusters);
    res
      .status(ready ? 200 : 503)
      .type('text/plain')
      .send(report);
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return app;
}
