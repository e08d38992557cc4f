import { createHash } from 'node:crypto';
import type { JWTPayload } from 'jose';
import type { Agent } from './agent.js';
import { AuthenticationError, quote } from './errors.js';
import type { IssuerConfig } from './issuer-config.js';
import { parseScope, type TokenScope } from './scope.js';

/** Maps the claims of a verified token onto an `Agent`, refusing claims of the wrong shape. */
export function agentFromClaims(
  claims: JWTPayload & { exp: number },
  config: Pick<IssuerConfig, 'issuer' | 'claims' | 'exchange'>,
  token: string,
): Agent {
  if (config.exchange) return agentFromExchangedClaims(claims, config);
  const subject = requireNonEmptyString(claims, 'sub');
  // The configured name claim may be absent from some tokens of an issuer; the subject still identifies them.
  const name =
    claims[config.claims.name] === undefined ? subject : requireNonEmptyString(claims, config.claims.name);
  const groups = optionalStringArray(claims, config.claims.groups) ?? [];
  const owner =
    claims[config.claims.owner] === undefined
      ? undefined
      : requireNonEmptyString(claims, config.claims.owner);
  return {
    name,
    subject,
    issuer: config.issuer,
    groups,
    ...(owner === undefined ? {} : { owner }),
    tokenId: tokenIdOf(claims, token),
    expiresAt: new Date(claims.exp * 1000),
  };
}

/** Airlock's own exchanged tokens carry the identity it verified, the session it started and the scope it granted. */
function agentFromExchangedClaims(
  claims: JWTPayload & { exp: number },
  config: Pick<IssuerConfig, 'issuer' | 'claims'>,
): Agent {
  const agent = agentFromClaims(
    claims,
    { issuer: requireNonEmptyString(claims, 'src_iss'), claims: config.claims },
    '',
  );
  const scope = claims.scope === undefined ? '' : requireNonEmptyString(claims, 'scope');
  let parsed: TokenScope;
  try {
    parsed = parseScope(scope);
  } catch (err) {
    throw new AuthenticationError(`token claim "scope" is not valid: ${(err as Error).message}`);
  }
  return { ...agent, tokenId: requireNonEmptyString(claims, 'sid'), exchange: { scope: parsed } };
}

/** The `jti`, or (for issuers that do not set one) a hash prefix that identifies the token without revealing it. */
export function tokenIdOf(claims: JWTPayload, token: string): string {
  if (typeof claims.jti === 'string' && claims.jti !== '') return claims.jti;
  return `sha256:${createHash('sha256').update(token).digest('hex').slice(0, 32)}`;
}

function requireNonEmptyString(claims: JWTPayload, name: string): string {
  const value = claims[name];
  if (typeof value !== 'string' || value === '') {
    throw new AuthenticationError(`token claim ${quote(name)} must be a non-empty string`);
  }
  return value;
}

function optionalStringArray(claims: JWTPayload, name: string): string[] | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) {
    throw new AuthenticationError(`token claim ${quote(name)} must be an array of strings`);
  }
  return value;
}
