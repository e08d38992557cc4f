import type { Agent } from './agent.js';
import type { TokenVerifier } from './token-verifier.js';

/**
 * Agents send the same token on every request; verifying its signature each time costs a crypto round trip on the
 * hot path. A verified token is remembered until it expires, but at most `ttlMs` (so a key withdrawn by its issuer
 * stops working soon after), in a bounded map. Failures are never cached: they are cheap and must stay precise.
 */
export function cacheVerifiedTokens(
  verifier: TokenVerifier,
  opts: { maxEntries?: number; ttlMs?: number; now?: () => number } = {},
): TokenVerifier {
  const maxEntries = opts.maxEntries ?? 10_000;
  const ttlMs = opts.ttlMs ?? 60_000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { agent: Agent; until: number }>();
  return {
    async verify(token) {
      const hit = cache.get(token);
      if (hit && hit.until > now()) return hit.agent;
      if (hit) cache.delete(token);
      const agent = await verifier.verify(token);
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string); // oldest first
      cache.set(token, { agent, until: Math.min(agent.expiresAt.getTime(), now() + ttlMs) });
      return agent;
    },
  };
}
