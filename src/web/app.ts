import express, { type Express } from 'express';
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

/**
 * The web listener: health for orchestrators, metrics for Prometheus, and whatever adapters mount (Slack's
 * receiver mounts itself first, before any body parser, because it verifies signatures over the raw body).
 */
export function createWebApp(deps: {
  db: Database;
  clusters: readonly UpstreamCluster[];
  metrics: GatewayMetrics;
  mount?: (app: Express) => void;
}): Express {
  const app = express();
  app.disable('x-powered-by');
  deps.mount?.(app);
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  app.get('/readyz', async (_req, res) => {
    const problems: string[] = [];
    try {
      await deps.db.raw('select 1');
    } catch (err) {
      problems.push(`database: ${(err as Error).message}`);
    }
    if (deps.clusters.length === 0) problems.push('no upstream cluster configured');
    for (const p of await Promise.all(deps.clusters.map(probeCluster))) if (p) problems.push(p);
    res
      .status(problems.length ? 503 : 200)
      .type('text/plain')
      .send(problems.length ? problems.join('\n') : 'ok');
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return app;
}
