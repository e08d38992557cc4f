import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuthFailure } from '../identity/errors.js';
import type { UpstreamFailure } from '../kube/transport.js';

/** Prometheus metrics: one registry per process, exposed on the internal listener at /metrics (names in the README). */
export interface GatewayMetrics {
  registry: Registry;
  observe(labels: { cluster: string; verb: string; decision: string; code: number }, seconds: number): void;
  /** A request refused with 429 because its agent reached a limit (`maxInFlight`, `maxLongRunning`). */
  limited(limit: string): void;
  authFailed(failure: AuthFailure): void;
  upstreamFailed(cluster: string, failure: UpstreamFailure): void;
  /** Seconds from a review's creation to a stage it reached (`decided`, `executed`). */
  reviewStage(stage: 'decided' | 'executed', seconds: number): void;
  recorderFailed(kind: 'store' | 'dropped'): void;
  /** A value read when Prometheus scrapes (counts from the database, queue lengths). */
  gauge(name: string, help: string, read: () => number | Promise<number>): void;
}

export function createMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'airlock_' });
  const registers = [registry];
  const requests = new Counter({
    name: 'airlock_requests_total',
    help: 'Agent requests by cluster, verb, policy decision and HTTP status code.',
    labelNames: ['cluster', 'verb', 'decision', 'code'] as const,
    registers,
  });
  const latency = new Histogram({
    name: 'airlock_request_duration_seconds',
    help: 'Time from receiving an agent request to the end of the response (parked time included).',
    labelNames: ['cluster', 'verb', 'decision'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });
  const limited = new Counter({
    name: 'airlock_agent_limit_refusals_total',
    help: 'Requests refused with 429 because the agent reached a per-agent limit.',
    labelNames: ['limit'] as const,
    registers,
  });
  const authFailures = new Counter({
    name: 'airlock_auth_failures_total',
    help: 'Agent requests refused with 401, by reason.',
    labelNames: ['reason'] as const,
    registers,
  });
  const upstreamErrors = new Counter({
    name: 'airlock_upstream_errors_total',
    help: 'Exchanges with a cluster that produced no answer: unreachable, timed out, or cut because the agent left.',
    labelNames: ['cluster', 'failure'] as const,
    registers,
  });
  const reviewLatency = new Histogram({
    name: 'airlock_review_seconds',
    help: 'Seconds from a review being opened to its decision and to its execution.',
    labelNames: ['stage'] as const,
    buckets: [5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200],
    registers,
  });
  const recorderFailures = new Counter({
    name: 'airlock_recorder_failures_total',
    help: 'Recording failures: a batch the store refused (retried), or events dropped because the queue was full.',
    labelNames: ['kind'] as const,
    registers,
  });
  return {
    registry,
    observe({ cluster, verb, decision, code }, seconds) {
      requests.inc({ cluster, verb, decision, code: String(code) });
      latency.observe({ cluster, verb, decision }, seconds);
    },
    limited: (limit) => limited.inc({ limit }),
    authFailed: (reason) => authFailures.inc({ reason }),
    upstreamFailed: (cluster, failure) => upstreamErrors.inc({ cluster, failure }),
    reviewStage: (stage, seconds) => reviewLatency.observe({ stage }, seconds),
    recorderFailed: (kind) => recorderFailures.inc({ kind }),
    gauge(name, help, read) {
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          this.set(await read());
        },
      });
    },
  };
}
