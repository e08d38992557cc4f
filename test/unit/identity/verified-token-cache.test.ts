import { describe, expect, it } from 'vitest';
import type { Agent } from '../../../src/identity/agent.js';
import { cacheVerifiedTokens } from '../../../src/identity/verified-token-cache.js';

function agentFor(token: string, expiresAt: number): Agent {
  return {
    name: token,
    subject: token,
    issuer: 'i',
    groups: [],
    tokenId: token,
    expiresAt: new Date(expiresAt),
  };
}

describe('cacheVerifiedTokens', () => {
  it('verifies a token once, until it expires or the ttl passes, and never caches failures', async () => {
    let clock = 1_000_000;
    const calls: string[] = [];
    const inner = {
      async verify(token: string) {
        calls.push(token);
        if (token === 'bad') throw new Error('refused');
        return agentFor(token, token === 'short' ? clock + 5_000 : clock + 3_600_000);
      },
    };
    const cached = cacheVerifiedTokens(inner, { ttlMs: 60_000, now: () => clock });
    await cached.verify('a');
    await cached.verify('a');
    await cached.verify('short');
    await expect(cached.verify('bad')).rejects.toThrow('refused');
    await expect(cached.verify('bad')).rejects.toThrow('refused');
    expect(calls).toEqual(['a', 'short', 'bad', 'bad']);
    clock += 6_000; // past the short token's expiry
    await cached.verify('short');
    await cached.verify('a');
    expect(calls).toEqual(['a', 'short', 'bad', 'bad', 'short']);
    clock += 60_000; // past the ttl
    await cached.verify('a');
    expect(calls.at(-1)).toBe('a');
  });

  it('stays bounded, dropping the oldest entry', async () => {
    const calls: string[] = [];
    const cached = cacheVerifiedTokens(
      { verify: async (t: string) => (calls.push(t), agentFor(t, Date.now() + 3_600_000)) },
      { maxEntries: 2 },
    );
    for (const t of ['a', 'b', 'c', 'b', 'a']) await cached.verify(t);
    expect(calls).toEqual(['a', 'b', 'c', 'a']);
  });
});
