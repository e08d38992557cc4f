import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics for the proxy: one registry per process, exposed on the web listener at /metrics. */
export interface GatewayMetrics {
  registry: Registry;
  observe(labels: { cluster: string; verb: string; decision: string; code: number }, seconds: number): void;
  /** A request refused with 429 because its agent reached a limit (`maxInFlight`, `maxLongRunning`). */
  limited(limit: string): void;
}

export function createMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'airlock_' });
  const requests = new Counter({
    name: 'airlock_requests_total',
    help: 'Agent requests by cluster, verb, policy decision and HTTP status code.',
    labelNames: ['cluster', 'verb', 'decision', 'code'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'airlock_request_duration_seconds',
    help: 'Time from receiving an agent request to the end of the response (parked time included).',
    labelNames: ['cluster', 'verb', 'decision'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const limited = new Counter({
    name: 'airlock_agent_limit_refusals_total',
    help: 'Requests refused with 429 because the agent reached a per-agent limit.',
    labelNames: ['limit'] as const,
    registers: [registry],
  });
  return {
    registry,
    limited: (limit) => limited.inc({ limit }),
    observe({ cluster, verb, decision, code }, seconds) {
      requests.inc({ cluster, verb, decision, code: String(code) });
      latency.observe({ cluster, verb, decision }, seconds);
    },
  };
}
