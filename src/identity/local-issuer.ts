import { randomUUID } from 'node:crypto';
import { link, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { importJWK, SignJWT, type JSONWebKeySet, type JWK } from 'jose';
import type { IssuerConfig } from './issuer-config.js';
import {
  generateSigningJwk,
  hasErrorCode,
  isEs256PrivateJwk,
  publicJwk,
  readPrivateJson,
  SIGNING_ALGORITHM,
  SigningKeyFileError,
} from './key-file.js';

/** The development token issuer: its verification config (inline keys, no HTTP) and a way to mint agent tokens. */
export interface LocalIssuer {
  config: IssuerConfig & { jwks: JSONWebKeySet };
  mint(opts: MintOptions): Promise<string>;
}

export interface MintOptions {
  agent: string;
  groups?: string[];
  owner?: string;
  ttlSeconds: number;
  /** Sessions group on the token id, so tokens minted with the same session id continue one session. */
  sessionId?: string;
}

export interface LocalIssuerOptions {
  issuer?: string;
  audience?: string;
  maxLifetimeSeconds?: number;
}

export const LOCAL_ISSUER_KEY_FILE = 'local-issuer-key.json';

/** Creates an ES256 signing key on first start in `dataDir` (file mode 0600, JWK JSON), reuses it afterwards. */
export async function loadOrCreateLocalIssuer(
  dataDir: string,
  opts: LocalIssuerOptions = {},
): Promise<LocalIssuer> {
  const signingJwk = await loadOrCreateSigningJwk(path.join(dataDir, LOCAL_ISSUER_KEY_FILE));
  const signingKey = await importJWK(signingJwk, SIGNING_ALGORITHM);
  const { kid } = signingJwk;
  const audience = opts.audience ?? 'airlock';
  const config: LocalIssuer['config'] = {
    issuer: opts.issuer ?? 'airlock-local',
    audiences: [audience],
    jwks: { keys: [publicJwk(signingJwk)] },
    algorithms: [SIGNING_ALGORITHM],
    claims: { name: 'agent', groups: 'groups', owner: 'email' },
    clockSkewSeconds: 30,
    maxLifetimeSeconds: opts.maxLifetimeSeconds ?? 3600,
  };

  return {
    config,
    async mint({ agent, groups = [], owner, ttlSeconds, sessionId }) {
      if (agent === '') throw new RangeError('agent name must not be empty');
      if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > config.maxLifetimeSeconds) {
        throw new RangeError(`ttlSeconds must be a whole number from 1 to ${config.maxLifetimeSeconds}`);
      }
      const issuedAt = Math.floor(Date.now() / 1000);
      return new SignJWT({ agent, groups, ...(owner === undefined ? {} : { email: owner }) })
        .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid, typ: 'JWT' })
        .setIssuer(config.issuer)
        .setAudience(audience)
        .setSubject(`agent:${agent}`)
        .setJti(sessionId ?? randomUUID())
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + ttlSeconds)
        .sign(signingKey);
    },
  };
}

async function loadOrCreateSigningJwk(file: string): Promise<JWK> {
  try {
    return await readSigningJwk(file);
  } catch (err) {
    if (!hasErrorCode(err, 'ENOENT')) throw err;
  }
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const staging = `${file}.${randomUUID()}.tmp`;
  await writeFile(staging, JSON.stringify(await generateSigningJwk()), { mode: 0o600, flag: 'wx' });
  try {
    // link() publishes the complete file atomically and fails if one exists, so processes that start together
    // (server and `airlock token mint`) agree on one key and never read a half-written file.
    await link(staging, file);
  } catch (err) {
    if (!hasErrorCode(err, 'EEXIST')) throw err;
  } finally {
    await rm(staging, { force: true });
  }
  return readSigningJwk(file);
}

async function readSigningJwk(file: string): Promise<JWK> {
  const jwk = await readPrivateJson(file);
  if (!isEs256PrivateJwk(jwk))
    throw new SigningKeyFileError(file, 'is not an ES256 (P-256) private JWK with a kid');
  return jwk;
}
