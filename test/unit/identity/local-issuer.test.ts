import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_ISSUER_KEY_FILE, loadOrCreateLocalIssuer } from '../../../src/identity/local-issuer.js';
import { SigningKeyFileError } from '../../../src/identity/key-file.js';
import { AuthenticationError, createTokenVerifier } from '../../../src/identity/token-verifier.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = path.join(await mkdtemp(path.join(tmpdir(), 'airlock-identity-')), 'data');
});
afterEach(() => rm(path.dirname(dataDir), { recursive: true, force: true }));

describe('loadOrCreateLocalIssuer', () => {
  it('mints tokens that the verifier accepts and maps onto the agent', async () => {
    const local = await loadOrCreateLocalIssuer(dataDir);
    const token = await local.mint({
      agent: 'ci-bot',
      groups: ['deployers'],
      owner: 'alice@example.com',
      ttlSeconds: 600,
    });
    const agent = await createTokenVerifier({ issuers: [local.config] }).verify(token);
    expect(agent).toMatchObject({
      name: 'ci-bot',
      subject: 'agent:ci-bot',
      issuer: 'airlock-local',
      groups: ['deployers'],
      owner: 'alice@example.com',
    });
    expect(agent.tokenId).toBe(decodeJwt(token).jti);
  });

  it('mints the documented claims, signed with ES256 under the published kid', async () => {
    const local = await loadOrCreateLocalIssuer(dataDir, {
      issuer: 'https://airlock.test',
      audience: 'gateway',
    });
    const token = await local.mint({ agent: 'ci-bot', owner: 'alice@example.com', ttlSeconds: 60 });
    expect(decodeJwt(token)).toEqual({
      iss: 'https://airlock.test',
      aud: 'gateway',
      sub: 'agent:ci-bot',
      agent: 'ci-bot',
      groups: [],
      email: 'alice@example.com',
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      iat: expect.any(Number),
      exp: expect.any(Number),
    });
    const header = decodeProtectedHeader(token);
    expect(header.alg).toBe('ES256');
    expect(local.config.jwks?.keys.map((k) => k.kid)).toEqual([header.kid]);
    expect(local.config.jwks?.keys[0]).not.toHaveProperty('d');
  });

  it('carries an explicit session id as the token id', async () => {
    const local = await loadOrCreateLocalIssuer(dataDir);
    const token = await local.mint({ agent: 'ci-bot', ttlSeconds: 60, sessionId: 'session-42' });
    const agent = await createTokenVerifier({ issuers: [local.config] }).verify(token);
    expect(agent.tokenId).toBe('session-42');
    expect(agent).not.toHaveProperty('owner');
  });

  it('respects the ttl: exp is iat + ttl, and the token is refused once that has passed', async () => {
    const local = await loadOrCreateLocalIssuer(dataDir);
    const token = await local.mint({ agent: 'ci-bot', ttlSeconds: 300 });
    const { iat, exp } = decodeJwt(token);
    expect(exp).toBe(Number(iat) + 300);

    const afterExpiry = new Date((Number(exp) + local.config.clockSkewSeconds + 1) * 1000);
    const verifier = createTokenVerifier({ issuers: [local.config], now: () => afterExpiry });
    await expect(verifier.verify(token)).rejects.toThrow(AuthenticationError);
    await expect(verifier.verify(token)).rejects.toThrow(/^token expired at /);
  });

  it('refuses to mint beyond the maximum lifetime or for an empty agent name', async () => {
    const local = await loadOrCreateLocalIssuer(dataDir, { maxLifetimeSeconds: 900 });
    await expect(local.mint({ agent: 'ci-bot', ttlSeconds: 901 })).rejects.toThrow(
      'ttlSeconds must be a whole number from 1 to 900',
    );
    await expect(local.mint({ agent: 'ci-bot', ttlSeconds: 0 })).rejects.toThrow(RangeError);
    await expect(local.mint({ agent: '', ttlSeconds: 60 })).rejects.toThrow('agent name must not be empty');
  });

  it('creates the key file once with mode 0600 and reuses it on the next load', async () => {
    const keyFile = path.join(dataDir, LOCAL_ISSUER_KEY_FILE);
    const first = await loadOrCreateLocalIssuer(dataDir);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const keyJson = await readFile(keyFile, 'utf8');
    const token = await first.mint({ agent: 'ci-bot', ttlSeconds: 60 });

    const second = await loadOrCreateLocalIssuer(dataDir);
    expect(await readFile(keyFile, 'utf8')).toBe(keyJson);
    expect(second.config.jwks).toEqual(first.config.jwks);
    await expect(createTokenVerifier({ issuers: [second.config] }).verify(token)).resolves.toMatchObject({
      name: 'ci-bot',
    });
  });

  it('agrees on one key when several processes start at once', async () => {
    const issuers = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateLocalIssuer(dataDir)));
    const keySets = new Set(issuers.map((local) => JSON.stringify(local.config.jwks)));
    expect(keySets.size).toBe(1);
    expect(await readdir(dataDir)).toEqual([LOCAL_ISSUER_KEY_FILE]);
  });

  it('creates a fresh key in another data directory, whose tokens the first issuer does not accept', async () => {
    const first = await loadOrCreateLocalIssuer(dataDir);
    const other = await loadOrCreateLocalIssuer(path.join(dataDir, 'other'));
    const token = await other.mint({ agent: 'ci-bot', ttlSeconds: 60 });
    await expect(createTokenVerifier({ issuers: [first.config] }).verify(token)).rejects.toThrow(
      'token signed with a key that the issuer does not publish',
    );
  });

  it('refuses a key file that other users can read', async () => {
    await loadOrCreateLocalIssuer(dataDir);
    await chmod(path.join(dataDir, LOCAL_ISSUER_KEY_FILE), 0o644);
    await expect(loadOrCreateLocalIssuer(dataDir)).rejects.toThrow(SigningKeyFileError);
    await expect(loadOrCreateLocalIssuer(dataDir)).rejects.toThrow(
      /is accessible to other users; restrict it/,
    );
  });
});
