import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  type CompactJWSHeaderParameters,
  type CryptoKey,
  type FlattenedJWSInput,
  type JSONWebKeySet,
} from 'jose';
import { IssuerUnreachableError } from './errors.js';
import { fetchJson, RemoteFetchError } from './fetch-json.js';
import type { IssuerConfig } from './issuer-config.js';
import { discoverJwksUri } from './oidc-discovery.js';

/** Finds the public key that verifies a token, from the token's (unverified) header. */
export type KeyResolver = (
  header: CompactJWSHeaderParameters,
  token: FlattenedJWSInput,
) => Promise<CryptoKey>;

export interface RemoteKeyOptions {
  /** Bound on each discovery or key set request. */
  fetchTimeoutMs: number;
  /** A token with an unknown `kid` refetches the key set at most once per this interval. */
  refetchCooldownMs: number;
}

/**
 * The issuer's inline keys, or its published key set: located once (configured `jwksUri` or discovery), cached,
 * and refetched when a token names a key it does not know yet (key rotation). Fetch failures become
 * `IssuerUnreachableError`.
 */
export function createKeyResolver(config: IssuerConfig, opts: RemoteKeyOptions): KeyResolver {
  const { jwks } = config;
  if (typeof jwks === 'function') {
    // One resolver per published key set, so imported keys are reused until the set changes.
    let resolved: { set: JSONWebKeySet; resolve: KeyResolver } | undefined;
    return (header, token) => {
      const set = jwks();
      if (resolved?.set !== set) resolved = { set, resolve: createLocalJWKSet(set) };
      return resolved.resolve(header, token);
    };
  }
  if (jwks) return createLocalJWKSet(jwks);

  let remoteKeys: Promise<KeyResolver> | undefined;
  const openOnce = (): Promise<KeyResolver> => {
    if (!remoteKeys) {
      remoteKeys = openRemoteKeySet(config, opts);
      // A failed discovery is not cached: the next token tries again.
      remoteKeys.catch(() => (remoteKeys = undefined));
    }
    return remoteKeys;
  };

  return async (header, token) => {
    try {
      const resolve = await openOnce();
      return await resolve(header, token);
    } catch (err) {
      if (err instanceof RemoteFetchError) throw new IssuerUnreachableError(config.issuer, err);
      throw err;
    }
  };
}

async function openRemoteKeySet(config: IssuerConfig, opts: RemoteKeyOptions): Promise<KeyResolver> {
  const jwksUri = config.jwksUri
    ? new URL(config.jwksUri)
    : await discoverJwksUri(config.issuer, opts.fetchTimeoutMs);
  return createRemoteJWKSet(jwksUri, {
    timeoutDuration: opts.fetchTimeoutMs,
    cooldownDuration: opts.refetchCooldownMs,
    // Our fetch reports failures as RemoteFetchError (URL + reason), which jose passes through unchanged.
    [customFetch]: async (url: string) => Response.json(await fetchKeySet(url, opts.fetchTimeoutMs)),
  });
}

async function fetchKeySet(url: string, timeoutMs: number): Promise<unknown> {
  const body = await fetchJson(url, timeoutMs);
  const keys = typeof body === 'object' && body !== null && 'keys' in body ? body.keys : undefined;
  if (!Array.isArray(keys)) throw new RemoteFetchError(url, 'the response is not a JSON Web Key Set');
  return body;
}
