import { fetchJson, RemoteFetchError } from './fetch-json.js';

/** Finds an issuer's key set URL through OpenID Connect discovery (`<issuer>/.well-known/openid-configuration`). */
export async function discoverJwksUri(issuer: string, timeoutMs: number): Promise<URL> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const document = await fetchJson(url, timeoutMs);
  if (!isRecord(document)) throw new RemoteFetchError(url, 'the discovery document is not a JSON object');
  // OIDC Discovery §4.3: a document naming another issuer must not be used.
  if (document.issuer !== issuer) {
    throw new RemoteFetchError(url, `the discovery document names issuer ${JSON.stringify(document.issuer)}`);
  }
  const jwksUri = document.jwks_uri;
  if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri)) {
    throw new RemoteFetchError(url, 'the discovery document has no valid jwks_uri');
  }
  return new URL(jwksUri);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
