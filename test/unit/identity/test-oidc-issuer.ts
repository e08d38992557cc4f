import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** How the loopback issuer answers: normally, with HTTP 500, or never (to exercise timeouts). */
export type IssuerBehaviour = 'serving' | 'failing' | 'hanging';

/** A real OIDC issuer on 127.0.0.1: discovery document + JWKS, with request counters. */
export interface TestOidcIssuer {
  url: string;
  jwksUri: string;
  publish(keys: JWK[]): void;
  behave(behaviour: IssuerBehaviour): void;
  readonly requests: { discovery: number; jwks: number };
  close(): Promise<void>;
}

export async function startTestOidcIssuer(): Promise<TestOidcIssuer> {
  let published: JWK[] = [];
  let behaviour: IssuerBehaviour = 'serving';
  const requests = { discovery: 0, jwks: 0 };
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') requests.discovery += 1;
    else if (req.url === '/jwks') requests.jwks += 1;
    if (behaviour === 'hanging') return;
    if (behaviour === 'failing') return void res.writeHead(500).end('upstream trouble');
    const body =
      req.url === '/.well-known/openid-configuration'
        ? { issuer: url, jwks_uri: `${url}/jwks` }
        : req.url === '/jwks'
          ? { keys: published }
          : undefined;
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    jwksUri: `${url}/jwks`,
    publish: (keys) => void (published = keys),
    behave: (next) => void (behaviour = next),
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** A URL on which nothing listens: a port that was just bound and released. */
export async function unusedLoopbackUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export interface TestSigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

export async function createSigningKey(
  kid: string,
  alg: 'RS256' | 'ES256' = 'RS256',
): Promise<TestSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return {
    kid,
    alg,
    privateKey,
    publicKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
  };
}

/** Signs exactly the given claims (no defaults added), so tests control every timestamp. */
export function signToken(key: TestSigningKey, claims: JWTPayload): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .sign(key.privateKey);
}
