import type { IssuerConfig } from './issuer-config.js';
import { createKeyResolver, type KeyResolver, type RemoteKeyOptions } from './signing-keys.js';

/** A configured issuer, checked and ready to verify tokens. */
export interface TrustedIssuer {
  config: IssuerConfig;
  /** The configured algorithms minus those never accepted. */
  algorithms: string[];
  keys: KeyResolver;
}

/** Longest tolerated clock difference; more would quietly extend every token's life. */
export const MAX_CLOCK_SKEW_SECONDS = 300;

/** An issuer configuration that cannot be used safely; raised when the verifier is created, before any token. */
export class InvalidIssuerConfigError extends Error {
  constructor(issuer: string, problem: string) {
    super(`issuer ${JSON.stringify(issuer)}: ${problem}`);
    this.name = 'InvalidIssuerConfigError';
  }
}

/** `none` is unsigned; HS* would let anyone holding a published public key forge tokens (alg confusion). */
function isNeverAccepted(algorithm: string): boolean {
  return algorithm.toLowerCase() === 'none' || algorithm.toUpperCase().startsWith('HS');
}

/** Validates every issuer configuration and indexes the issuers by their exact `iss`. */
export function createIssuerRegistry(
  issuers: IssuerConfig[],
  keyOptions: RemoteKeyOptions,
): Map<string, TrustedIssuer> {
  const registry = new Map<string, TrustedIssuer>();
  for (const config of issuers) {
    const fail = (problem: string): never => {
      throw new InvalidIssuerConfigError(config.issuer, problem);
    };
    if (config.issuer === '') fail('the issuer must not be empty');
    if (registry.has(config.issuer)) fail('is configured twice');
    if (config.audiences.length === 0) fail('at least one audience is required');
    if (config.jwksUri !== undefined && !isHttpUrl(config.jwksUri)) fail('jwksUri must be an http(s) URL');
    if (!config.jwks && config.jwksUri === undefined && !isHttpUrl(config.issuer)) {
      fail('needs inline jwks, a jwksUri, or an http(s) issuer URL for OIDC discovery');
    }
    const algorithms = config.algorithms.filter((alg) => !isNeverAccepted(alg));
    if (algorithms.length === 0)
      fail('no acceptable algorithm is configured (none and HS* are never accepted)');
    if (!(config.clockSkewSeconds >= 0 && config.clockSkewSeconds <= MAX_CLOCK_SKEW_SECONDS)) {
      fail(`clockSkewSeconds must be between 0 and ${MAX_CLOCK_SKEW_SECONDS}`);
    }
    if (!(Number.isInteger(config.maxLifetimeSeconds) && config.maxLifetimeSeconds > 0)) {
      fail('maxLifetimeSeconds must be a positive integer');
    }
    registry.set(config.issuer, { config, algorithms, keys: createKeyResolver(config, keyOptions) });
  }
  return registry;
}

function isHttpUrl(value: string): boolean {
  return URL.canParse(value) && ['http:', 'https:'].includes(new URL(value).protocol);
}
