import { createHash } from 'node:crypto';
import { exportSPKI, SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { IssuerConfig } from '../../../src/identity/issuer-config.js';
import { InvalidIssuerConfigError } from '../../../src/identity/issuer-registry.js';
import {
  AuthenticationError,
  createTokenVerifier,
  IssuerUnreachableError,
  type TokenVerifierOptions,
} from '../../../src/identity/token-verifier.js';
import {
  createSigningKey,
  signToken,
  startTestOidcIssuer,
  unusedLoopbackUrl,
  type TestOidcIssuer,
  type TestSigningKey,
} from './test-oidc-issuer.js';

const NOW = new Date('2026-11-28T12:00:00Z');
const nowSeconds = NOW.getTime() / 1000;

let issuer: TestOidcIssuer;
/** The published key, a later one (rotation), an unpublished one, and one that reuses the published kid. */
let key: TestSigningKey;
let rotated: TestSigningKey;
let stranger: TestSigningKey;
let impostor: TestSigningKey;

// RSA key generation is slow; keys are immutable, so one set serves every test.
beforeAll(async () => {
  [key, rotated, stranger, impostor] = await Promise.all([
    createSigningKey('key-1'),
    createSigningKey('key-2'),
    createSigningKey('ghost'),
    createSigningKey('key-1'),
  ]);
});

beforeEach(async () => {
  issuer = await startTestOidcIssuer();
  issuer.publish([key.publicJwk]);
});
afterEach(() => issuer.close());

function issuerConfig(overrides: Partial<IssuerConfig> = {}): IssuerConfig {
  return {
    issuer: issuer.url,
    audiences: ['airlock'],
    algorithms: ['RS256'],
    claims: { name: 'agent', groups: 'groups', owner: 'email' },
    clockSkewSeconds: 60,
    maxLifetimeSeconds: 3600,
    ...overrides,
  };
}

function verifier(config: Partial<IssuerConfig> = {}, opts: Partial<TokenVerifierOptions> = {}) {
  return createTokenVerifier({
    issuers: [issuerConfig(config)],
    now: () => NOW,
    fetchTimeoutMs: 2_000,
    ...opts,
  });
}

/** Claims of a valid 10-minute token issued a minute ago. */
function claims(overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: issuer.url,
    aud: 'airlock',
    sub: 'agent:ci-bot',
    agent: 'ci-bot',
    iat: nowSeconds - 60,
    exp: nowSeconds + 540,
    ...overrides,
  };
}

async function refusal(verification: Promise<unknown>): Promise<AuthenticationError> {
  const err = await verification.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AuthenticationError);
  const refused = err as AuthenticationError;
  expect(refused.toStatus()).toMatchObject({ kind: 'Status', code: 401, reason: 'Unauthorized' });
  return refused;
}

describe('createTokenVerifier: accepted tokens', () => {
  it('verifies a token through discovery and maps it onto an Agent', async () => {
    const token = await signToken(
      key,
      claims({ groups: ['deployers'], email: 'alice@example.com', jti: 't-1' }),
    );
    await expect(verifier().verify(token)).resolves.toEqual({
      name: 'ci-bot',
      subject: 'agent:ci-bot',
      issuer: issuer.url,
      groups: ['deployers'],
      owner: 'alice@example.com',
      tokenId: 't-1',
      expiresAt: new Date((nowSeconds + 540) * 1000),
    });
  });

  it('caches the discovery document and the key set across tokens', async () => {
    const verify = verifier();
    await verify.verify(await signToken(key, claims({ jti: 'a' })));
    await verify.verify(await signToken(key, claims({ jti: 'b' })));
    expect(issuer.requests).toEqual({ discovery: 1, jwks: 1 });
  });

  it('uses a configured jwksUri without discovery', async () => {
    await verifier({ jwksUri: issuer.jwksUri }).verify(await signToken(key, claims()));
    expect(issuer.requests).toEqual({ discovery: 0, jwks: 1 });
  });

  it('maps custom name, groups and owner claims', async () => {
    const custom = verifier({
      claims: { name: 'preferred_username', groups: 'roles', owner: 'owner_email' },
    });
    const token = await signToken(
      key,
      claims({
        preferred_username: 'deploy-agent',
        roles: ['sre', 'oncall'],
        owner_email: 'bob@example.com',
      }),
    );
    await expect(custom.verify(token)).resolves.toMatchObject({
      name: 'deploy-agent',
      subject: 'agent:ci-bot',
      groups: ['sre', 'oncall'],
      owner: 'bob@example.com',
    });
  });

  it('falls back to sub for the name, and to no groups and no owner when those claims are absent', async () => {
    const agent = await verifier().verify(await signToken(key, claims({ agent: undefined })));
    expect(agent).toMatchObject({ name: 'agent:ci-bot', groups: [] });
    expect(agent).not.toHaveProperty('owner');
  });

  it('identifies a token without jti by a SHA-256 prefix of the token', async () => {
    const token = await signToken(key, claims());
    const { tokenId } = await verifier().verify(token);
    const digest = createHash('sha256').update(token).digest('hex');
    expect(tokenId).toBe(`sha256:${digest.slice(0, 32)}`);
    expect(tokenId).not.toContain(token.slice(0, 16));
  });

  it('tolerates nbf and exp within the clock skew', async () => {
    const token = await signToken(key, claims({ nbf: nowSeconds + 30, exp: nowSeconds - 30 }));
    await expect(verifier().verify(token)).resolves.toMatchObject({ name: 'ci-bot' });
  });
});

describe('createTokenVerifier: refused tokens', () => {
  it('refuses an expired token', async () => {
    const token = await signToken(key, claims({ iat: nowSeconds - 900, exp: nowSeconds - 120 }));
    expect((await refusal(verifier().verify(token))).message).toBe(
      'token expired at 2026-11-28T11:58:00.000Z; request a new token',
    );
  });

  it('refuses a token that is not yet valid', async () => {
    const token = await signToken(key, claims({ nbf: nowSeconds + 600, exp: nowSeconds + 900 }));
    expect((await refusal(verifier().verify(token))).message).toBe(
      'token is not valid before 2026-11-28T12:10:00.000Z',
    );
  });

  it('refuses a token issued in the future', async () => {
    const token = await signToken(key, claims({ iat: nowSeconds + 600, exp: nowSeconds + 900 }));
    expect((await refusal(verifier().verify(token))).message).toBe(
      "token is issued in the future (2026-11-28T12:10:00.000Z); check the issuer's clock",
    );
  });

  it('refuses an unknown issuer before any network I/O', async () => {
    const token = await signToken(key, claims({ iss: 'https://elsewhere.example' }));
    expect((await refusal(verifier().verify(token))).message).toBe(
      'token issuer "https://elsewhere.example" is not configured',
    );
    expect(issuer.requests).toEqual({ discovery: 0, jwks: 0 });
  });

  it('refuses a wrong audience and names the accepted ones', async () => {
    const token = await signToken(key, claims({ aud: 'kubernetes' }));
    expect((await refusal(verifier().verify(token))).message).toBe(
      'token audience is not accepted (expected "airlock")',
    );
    const twoAudiences = verifier({ audiences: ['airlock', 'airlock-staging'] });
    expect((await refusal(twoAudiences.verify(token))).message).toBe(
      'token audience is not accepted (expected one of "airlock", "airlock-staging")',
    );
  });

  it('refuses alg none even when the configuration lists it', async () => {
    const token = new UnsecuredJWT(claims()).encode();
    const lenient = verifier({ algorithms: ['RS256', 'none'] });
    expect((await refusal(lenient.verify(token))).message).toBe(
      'token signed with alg "none", which is not accepted (accepted: RS256)',
    );
    expect(issuer.requests.jwks).toBe(0);
  });

  it('refuses HS256 signed with the RSA public key as the HMAC secret (algorithm confusion)', async () => {
    const publicPem = new TextEncoder().encode(await exportSPKI(key.publicKey));
    const forged = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256', kid: key.kid })
      .sign(publicPem);
    const lenient = verifier({ algorithms: ['RS256', 'HS256'] });
    expect((await refusal(lenient.verify(forged))).message).toBe(
      'token signed with alg "HS256", which is not accepted (accepted: RS256)',
    );
  });

  it('refuses a token signed by a key the issuer does not publish, after one refetch', async () => {
    const verify = verifier({}, { jwksRefetchCooldownMs: 0 });
    expect((await refusal(verify.verify(await signToken(stranger, claims())))).message).toBe(
      'token signed with a key that the issuer does not publish',
    );
    expect(issuer.requests.jwks).toBe(2);
  });

  it('refuses a token whose kid is published but whose signature does not match', async () => {
    expect((await refusal(verifier().verify(await signToken(impostor, claims())))).message).toBe(
      'token signature is not valid',
    );
  });

  it('refuses a lifetime over the maximum, measured from iat or else from now', async () => {
    const dayLong = await signToken(key, claims({ iat: nowSeconds, exp: nowSeconds + 86_400 }));
    expect((await refusal(verifier().verify(dayLong))).message).toBe(
      'token lifetime 24h exceeds the maximum of 1h; request a shorter-lived token',
    );
    const noIat = await signToken(key, claims({ iat: undefined, exp: nowSeconds + 5400 }));
    expect((await refusal(verifier().verify(noIat))).message).toBe(
      'token lifetime 1h30m exceeds the maximum of 1h; request a shorter-lived token',
    );
  });

  it('refuses a token without exp', async () => {
    const token = await signToken(key, claims({ exp: undefined }));
    expect((await refusal(verifier().verify(token))).message).toBe(
      'token has no "exp" claim; Airlock accepts only short-lived tokens',
    );
  });

  it('refuses a token without sub', async () => {
    const token = await signToken(key, claims({ sub: undefined }));
    expect((await refusal(verifier().verify(token))).message).toBe('token has no "sub" claim');
  });

  it.each([
    ['not a JWT', 'not-a-jwt'],
    ['a payload that is not JSON', 'eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln'],
    ['an empty string', ''],
  ])('refuses a malformed token: %s', async (_case, token) => {
    expect((await refusal(verifier().verify(token))).message).toBe('token is not a well-formed JWT');
  });

  it('refuses a token without iss', async () => {
    const token = await signToken(key, claims({ iss: undefined }));
    expect((await refusal(verifier().verify(token))).message).toBe('token has no "iss" (issuer) claim');
  });

  it.each([
    ['an empty name', { agent: '' }, 'token claim "agent" must be a non-empty string'],
    ['a numeric name', { agent: 42 }, 'token claim "agent" must be a non-empty string'],
    ['groups as a string', { groups: 'admins' }, 'token claim "groups" must be an array of strings'],
    ['groups with a number', { groups: ['sre', 7] }, 'token claim "groups" must be an array of strings'],
    [
      'an owner that is not a string',
      { email: ['a@example.com'] },
      'token claim "email" must be a non-empty string',
    ],
  ])('refuses claims of the wrong shape: %s', async (_case, overrides, message) => {
    const token = await signToken(key, claims(overrides));
    expect((await refusal(verifier().verify(token))).message).toBe(message);
  });
});

describe('createTokenVerifier: key rotation', () => {
  it('accepts a key published after the key set was cached, by refetching on the unknown kid', async () => {
    const verify = verifier({}, { jwksRefetchCooldownMs: 0 });
    await verify.verify(await signToken(key, claims()));
    issuer.publish([key.publicJwk, rotated.publicJwk]);
    await expect(verify.verify(await signToken(rotated, claims()))).resolves.toMatchObject({
      name: 'ci-bot',
    });
    expect(issuer.requests.jwks).toBe(2);
  });

  it('does not refetch within the cooldown, so unknown kids cannot hammer the issuer', async () => {
    const verify = verifier({}, { jwksRefetchCooldownMs: 60_000 });
    await verify.verify(await signToken(key, claims()));
    issuer.publish([key.publicJwk, rotated.publicJwk]);
    expect((await refusal(verify.verify(await signToken(rotated, claims())))).message).toBe(
      'token signed with a key that the issuer does not publish',
    );
    expect(issuer.requests.jwks).toBe(1);
  });
});

describe('createTokenVerifier: unreachable issuer', () => {
  async function unreachable(
    verification: Promise<unknown>,
    issuerUrl: string,
  ): Promise<IssuerUnreachableError> {
    const err = await refusal(verification);
    expect(err).toBeInstanceOf(IssuerUnreachableError);
    expect(err.message).toBe(
      `token issuer "${issuerUrl}" could not be reached to fetch its signing keys; try again later`,
    );
    return err as IssuerUnreachableError;
  }

  it('reports a refused connection, keeping the URL and reason for logs only', async () => {
    const url = await unusedLoopbackUrl();
    const verify = verifier({ issuer: url });
    const err = await unreachable(verify.verify(await signToken(key, claims({ iss: url }))), url);
    expect(err.issuer).toBe(url);
    expect(String(err.cause)).toContain(`GET ${url}/.well-known/openid-configuration failed: ECONNREFUSED`);
    expect(JSON.stringify(err.toStatus())).not.toContain('.well-known');
  });

  it('reports a failing discovery endpoint, and retries discovery on the next token', async () => {
    issuer.behave('failing');
    const verify = verifier();
    const err = await unreachable(verify.verify(await signToken(key, claims())), issuer.url);
    expect(String(err.cause)).toContain('HTTP 500');
    issuer.behave('serving');
    await expect(verify.verify(await signToken(key, claims()))).resolves.toMatchObject({ name: 'ci-bot' });
    expect(issuer.requests.discovery).toBe(2);
  });

  it('reports a failing key set endpoint', async () => {
    const verify = verifier({ jwksUri: issuer.jwksUri });
    issuer.behave('failing');
    const err = await unreachable(verify.verify(await signToken(key, claims())), issuer.url);
    expect(String(err.cause)).toContain(`GET ${issuer.jwksUri} failed: HTTP 500`);
  });

  it('gives up on an issuer that does not answer within the fetch timeout', async () => {
    issuer.behave('hanging');
    const verify = verifier({}, { fetchTimeoutMs: 200 });
    const started = Date.now();
    const err = await unreachable(verify.verify(await signToken(key, claims())), issuer.url);
    expect(String(err.cause)).toContain('no complete response within 200 ms');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('createTokenVerifier: configuration', () => {
  it.each([
    [
      { algorithms: ['HS256', 'none'] },
      'no acceptable algorithm is configured (none and HS* are never accepted)',
    ],
    [{ audiences: [] }, 'at least one audience is required'],
    [{ clockSkewSeconds: 3600 }, 'clockSkewSeconds must be between 0 and 300'],
    [{ maxLifetimeSeconds: 0 }, 'maxLifetimeSeconds must be a positive integer'],
    [{ jwksUri: 'file:///etc/keys.json' }, 'jwksUri must be an http(s) URL'],
    [{ issuer: 'airlock-ci' }, 'needs inline jwks, a jwksUri, or an http(s) issuer URL for OIDC discovery'],
  ])('refuses an unusable issuer configuration %j', (overrides, problem) => {
    const config = issuerConfig(overrides);
    expect(() => createTokenVerifier({ issuers: [config] })).toThrow(
      new InvalidIssuerConfigError(config.issuer, problem),
    );
  });

  it('refuses the same issuer configured twice', () => {
    expect(() => createTokenVerifier({ issuers: [issuerConfig(), issuerConfig()] })).toThrow(
      `issuer "${issuer.url}": is configured twice`,
    );
  });
});
