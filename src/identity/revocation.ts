import type { Agent } from './agent.js';
import { AuthenticationError, quote } from './errors.js';
import type { TokenVerifier } from './token-verifier.js';

/** A session ended by `airlock sessions revoke`. */
export interface Revocation {
  /** The credential session: `Agent.tokenId`. */
  tokenId: string;
  revokedAt: Date;
  revokedBy: string;
  reason?: string;
}

/** Answers from memory, so it can be asked on every request. */
export interface RevocationList {
  revocationOf(tokenId: string): Revocation | undefined;
}

/** The 401 for a revoked session: when, by whom and why, and what the agent can do. */
export function sessionRevoked(revocation: Revocation): AuthenticationError {
  const reason = revocation.reason ? `: ${quote(revocation.reason)}` : '';
  return new AuthenticationError(
    `session ${quote(revocation.tokenId)} was revoked at ${revocation.revokedAt.toISOString()} by ` +
      `${quote(revocation.revokedBy)}${reason}; its tokens are no longer accepted, ask the agent's owner`,
    'revoked',
  );
}

/**
 * Refuses tokens of revoked sessions. It wraps the (cached) verifier, so a token verified before the revocation is
 * refused from the next request on.
 */
export function refuseRevokedSessions(verifier: TokenVerifier, revocations: RevocationList): TokenVerifier {
  return {
    async verify(token): Promise<Agent> {
      const agent = await verifier.verify(token);
      const revocation = revocations.revocationOf(agent.tokenId);
      if (revocation) throw sessionRevoked(revocation);
      return agent;
    },
  };
}
