import { decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import type { Agent } from './agent.js';
import { agentFromClaims } from './claims.js';
import { AuthenticationError, quote } from './errors.js';
import type { IssuerConfig } from './issuer-config.js';
import { createIssuerRegistry } from './issuer-registry.js';
import { checkLifetime } from './token-lifetime.js';
import { explainVerificationFailure } from './verification-failure.js';

// The gateway authenticates through this module alone.
export { AuthenticationError, IssuerUnreachableError } from './errors.js';
export { extractBearerToken } from './bearer-token.js';

export interface TokenVerifier {
  /** The agent a token identifies; any reason to refuse it is an `AuthenticationError` (401). */
  verify(token: string): Promise<Agent>;
}

export interface TokenVerifierOptions {
  issuers: IssuerConfig[];
  now?: () => Date;
  /** Bound on each discovery or key set request (default 5 s). */
  fetchTimeoutMs?: number;
  /** Minimum interval between key set refetches caused by unknown `kid`s (default 30 s). */
  jwksRefetchCooldownMs?: number;
}

/** Verifies agent tokens against the configured issuers. Throws `InvalidIssuerConfigError` for unusable config. */
export function createTokenVerifier(opts: TokenVerifierOptions): TokenVerifier {
  const issuers = createIssuerRegistry(opts.issuers, {
    fetchTimeoutMs: opts.fetchTimeoutMs ?? 5_000,
    refetchCooldownMs: opts.jwksRefetchCooldownMs ?? 30_000,
  });
  const now = opts.now ?? (() => new Date());

  return {
    async verify(token) {
      const unverified = readUnverified(token);
      // Chosen by the unverified `iss`: unknown issuers are refused before any network I/O.
      const issuer = issuers.get(unverified.iss);
      if (!issuer) {
        throw new AuthenticationError(
          `token issuer ${quote(unverified.iss)} is not configured`,
          'unknown-issuer',
        );
      }
      if (!issuer.algorithms.includes(unverified.alg)) {
        throw new AuthenticationError(
          `token signed with alg ${quote(unverified.alg)}, which is not accepted (accepted: ${issuer.algorithms.join(', ')})`,
        );
      }
      const { config } = issuer;
      const currentDate = now();
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, issuer.keys, {
          issuer: config.issuer,
          audience: config.audiences,
          algorithms: issuer.algorithms,
          clockTolerance: config.clockSkewSeconds,
          currentDate,
          requiredClaims: ['exp', 'sub'],
        }));
      } catch (err) {
        throw explainVerificationFailure(err, config);
      }
      const claims = withExpiry(payload);
      checkLifetime(claims, config, currentDate);
      return agentFromClaims(claims, config, token);
    },
  };
}

/** The issuer and algorithm a token claims, read before its signature is checked: only to choose how to check it. */
function readUnverified(token: string): { iss: string; alg: string } {
  let iss: unknown;
  let alg: unknown;
  try {
    iss = decodeJwt(token).iss;
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw new AuthenticationError('token is not a well-formed JWT');
  }
  if (typeof iss !== 'string') throw new AuthenticationError('token has no "iss" (issuer) claim');
  if (typeof alg !== 'string') throw new AuthenticationError('token has no "alg" header');
  return { iss, alg };
}

/** jose has already required a numeric `exp`; this narrows the type to say so. */
function withExpiry(payload: JWTPayload): JWTPayload & { exp: number } {
  if (typeof payload.exp !== 'number') throw new AuthenticationError('token has no "exp" claim');
  return { ...payload, exp: payload.exp };
}
