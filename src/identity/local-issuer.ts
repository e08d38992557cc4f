import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import type { IssuerConfig } from './issuer-config.js';

/** The development token issuer: its verification config (inline keys, no HTTP) and a way to mint agent tokens. */
export interface LocalIssuer {
  config: IssuerConfig;
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
const ALGORITHM = 'ES256';

/** The signing key file is missing a part, is not an ES256 key, or is readable by other users. */
export class LocalIssuerKeyError extends Error {
  constructor(file: string, problem: string) {
    super(`local issuer key ${file}: ${problem}`);
    this.name = 'LocalIssuerKeyError';
  }
}

/** Creates an ES256 signing key on first start in `dataDir` (file mode 0600, JWK JSON), reuses it afterwards. */
export async function loadOrCreateLocalIssuer(
  dataDir: string,
  opts: LocalIssuerOptions = {},
): Promise<LocalIssuer> {
  const signingJwk = await loadOrCreateSigningJwk(path.join(dataDir, LOCAL_ISSUER_KEY_FILE));
  const signingKey = await importJWK(signingJwk, ALGORITHM);
  const { kty, crv, x, y, kid } = signingJwk;
  const audience = opts.audience ?? 'airlock';
  const config: IssuerConfig = {
    issuer: opts.issuer ?? 'airlock-local',
    audiences: [audience],
    jwks: { keys: [{ kty, crv, x, y, kid, alg: ALGORITHM, use: 'sig' }] },
    algorithms: [ALGORITHM],
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
        .setProtectedHeader({ alg: ALGORITHM, kid, typ: 'JWT' })
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

function hasErrorCode(err: unknown, code: string): boolean {
  return err instanceof Error && 'code' in err && err.code === code;
}

async function generateSigningJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: ALGORITHM, use: 'sig' };
}

async function readSigningJwk(file: string): Promise<JWK> {
  if (((await stat(file)).mode & 0o077) !== 0) {
    throw new LocalIssuerKeyError(
      file,
      `is accessible to other users; restrict it with \`chmod 600 ${file}\``,
    );
  }
  let jwk: unknown;
  try {
    jwk = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    throw new LocalIssuerKeyError(file, 'is not valid JSON');
  }
  if (!isEs256PrivateJwk(jwk))
    throw new LocalIssuerKeyError(file, 'is not an ES256 (P-256) private JWK with a kid');
  return jwk;
}

function isEs256PrivateJwk(value: unknown): value is JWK {
  if (typeof value !== 'object' || value === null) return false;
  const jwk: Record<string, unknown> = { ...value };
  return (
    jwk.kty === 'EC' &&
    jwk.crv === 'P-256' &&
    ['x', 'y', 'd', 'kid'].every((member) => typeof jwk[member] === 'string' && jwk[member] !== '')
  );
}
