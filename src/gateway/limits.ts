/**
 * Per-agent admission limits, so one agent cannot exhaust Airlock or its upstream connection pools: a cap on
 * requests in flight (parked ones included) and a lower cap on long-running ones (watches, logs, exec, proxy),
 * which hold an upstream connection for minutes. Over a limit the agent gets 429 with Retry-After, which client-go
 * retries by itself.
 */
import type { Agent } from '../identity/agent.js';
import { StatusError } from '../kube/status.js';

export interface AgentLimits {
  maxInFlight: number;
  maxLongRunning: number;
}

export interface AgentLimiter {
  /** Counts the request against the agent's limits; returns the release to call once it settled. */
  admit(agent: Agent, longRunning: boolean): () => void;
}

interface Usage {
  inFlight: number;
  longRunning: number;
}

export function createAgentLimiter(
  limits: AgentLimits,
  onLimited?: (kind: keyof AgentLimits) => void,
): AgentLimiter {
  const usage = new Map<string, Usage>();
  const refuse = (agent: Agent, kind: keyof AgentLimits, what: string, retryAfterSeconds: number) => {
    onLimited?.(kind);
    return new StatusError(
      'TooManyRequests',
      `agent "${agent.name}" already has ${limits[kind]} ${what} open through Airlock, its limit; ` +
        'finish or close some and retry',
      { retryAfterSeconds },
    );
  };
  return {
    admit(agent, longRunning) {
      const key = `${agent.issuer}\u0000${agent.subject}`;
      const current = usage.get(key) ?? { inFlight: 0, longRunning: 0 };
      if (current.inFlight >= limits.maxInFlight) throw refuse(agent, 'maxInFlight', 'requests', 1);
      if (longRunning && current.longRunning >= limits.maxLongRunning) {
        throw refuse(agent, 'maxLongRunning', 'long-running requests (watches, logs, exec, port-forward)', 5);
      }
      current.inFlight++;
      if (longRunning) current.longRunning++;
      usage.set(key, current);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        current.inFlight--;
        if (longRunning) current.longRunning--;
        if (current.inFlight === 0) usage.delete(key);
      };
    },
  };
}
