import { createHash, randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { importJWK, SignJWT, type JSONWebKeySet, type JWK } from 'jose';
import type { Agent } from './agent.js';
import { AuthenticationError } from './errors.js';
import type { IssuerConfig } from './issuer-config.js';
import {
  generateSigningJwk,
  hasErrorCode,
  isEs256PrivateJwk,
  publicJwk,
  readPrivateJson,
  writePrivateJson,
  SIGNING_ALGORITHM,
  SigningKeyFileError,
} from './key-file.js';
import { readOperatorSigningKeys } from './operator-signing-keys.js';
import { formatScope, type TokenScope } from './scope.js';

/** Airlock's own issuer for token exchange (RFC 8693): short-lived, scoped tokens for agents. */
export interface ExchangeIssuer {
  /** How the verifier accepts these tokens as agent credentials; its keys follow rotation. */
  config: IssuerConfig;
  /** The public keys verifiers should accept: the current one and, during the overlap, the previous one. */
  jwks(): JSONWebKeySet;
  issue(subject: Agent, scope: TokenScope): Promise<IssuedToken>;
}

export interface IssuedToken {
  token: string;
  expiresAt: Date;
  /** `exp - iat`: what `expires_in` reports, independent of how long signing took. */
  lifetimeSeconds: number;
  /** What the token's session is called in recordings and in `airlock sessions revoke`. */
  sessionId: string;
}

export interface ExchangeIssuerOptions {
  /** The `iss` of exchanged tokens. */
  issuer: string;
  audience: string;
  /** Lifetime of an exchanged token; never longer than the subject token it replaces has left. */
  lifetimeSeconds: number;
  /** A signing key is replaced once it is this old; the previous key stays published until the next rotation. */
  keyRotationSeconds: number;
  /** Operator-provided keys (PEM files, the first signs): shared by every replica, never rotated by Airlock. */
  signingKeyFiles?: readonly string[];
  now?: () => Date;
}

export const EXCHANGE_KEYS_FILE = 'exchange-signing-keys.json';
/** Exchanged tokens are for Airlock itself, whatever audience the token they replace was for. */
export const EXCHANGE_AUDIENCE = 'airlock-exchange';
/** Claims an exchanged token carries beyond the registered ones; `claims.ts` reads them back. */
export const EXCHANGE_CLAIMS = { name: 'agent', groups: 'groups', owner: 'email' } as const;

interface StoredKey {
  createdAt: number;
  jwk: JWK;
}

/** Loads the key ring from `dataDir` (creating or rotating it as due) and returns the issuer. */
export async function loadExchangeIssuer(
  dataDir: string,
  opts: ExchangeIssuerOptions,
): Promise<ExchangeIssuer> {
  const now = opts.now ?? (() => new Date());
  const keys = opts.signingKeyFiles?.length
    ? operatorKeys(await readOperatorSigningKeys(opts.signingKeyFiles))
    : await dataDirKeys(path.join(dataDir, EXCHANGE_KEYS_FILE), opts.keyRotationSeconds, now);
  const published = keys.published;

  const config: IssuerConfig = {
    issuer: opts.issuer,
    audiences: [opts.audience],
    jwks: published,
    algorithms: [SIGNING_ALGORITHM],
    claims: { ...EXCHANGE_CLAIMS },
    clockSkewSeconds: 30,
    maxLifetimeSeconds: opts.lifetimeSeconds,
    exchange: true,
  };

  return {
    config,
    jwks: published,
    async issue(subject, scope) {
      const key = await keys.current();
      const issuedAt = Math.floor(now().getTime() / 1000);
      const expiresAt = Math.min(
        issuedAt + opts.lifetimeSeconds,
        Math.floor(subject.expiresAt.getTime() / 1000),
      );
      if (expiresAt <= issuedAt) {
        throw new AuthenticationError('token expires within a second; exchange a fresh one', 'expired');
      }
      const sessionId = exchangeSessionId(subject);
      const scopeText = formatScope(scope);
      const token = await new SignJWT({
        [EXCHANGE_CLAIMS.name]: subject.name,
        [EXCHANGE_CLAIMS.groups]: subject.groups,
        ...(subject.owner === undefined ? {} : { [EXCHANGE_CLAIMS.owner]: subject.owner }),
        src_iss: subject.issuer,
        sid: sessionId,
        ...(scopeText === '' ? {} : { scope: scopeText }),
      })
        .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: key.kid!, typ: 'JWT' })
        .setIssuer(opts.issuer)
        .setAudience(opts.audience)
        .setSubject(subject.subject)
        .setJti(randomUUID())
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAt)
        .sign(await importJWK(key, SIGNING_ALGORITHM));
      return {
        token,
        expiresAt: new Date(expiresAt * 1000),
        lifetimeSeconds: expiresAt - issuedAt,
        sessionId,
      };
    },
  };
}

/**
 * Every exchange of the same subject token continues one session, so a credential plugin that re-exchanges
 * before expiry keeps one session (and one revocation covers them all); a new subject token starts a new one.
 */
export function exchangeSessionId(subject: Pick<Agent, 'issuer' | 'tokenId'>): string {
  return `xs-${createHash('sha256').update(`${subject.issuer}\n${subject.tokenId}`).digest('hex').slice(0, 32)}`;
}

/** Where exchange tokens' keys come from: the key that signs now, and the public keys verifiers accept. */
interface SigningKeys {
  current(): Promise<JWK>;
  published(): JSONWebKeySet;
}

function operatorKeys(keys: JWK[]): SigningKeys {
  const published = { keys: keys.map(publicJwk) };
  return { current: async () => keys[0]!, published: () => published };
}

/** Generated keys in the data directory, rotated by Airlock: sound for a single replica only (each would make its own). */
async function dataDirKeys(file: string, rotationSeconds: number, now: () => Date): Promise<SigningKeys> {
  let ring = await rotateIfDue(file, await readKeyRing(file), rotationSeconds, now());
  let published: JSONWebKeySet = { keys: ring.map((key) => publicJwk(key.jwk)) };
  let rotation: Promise<void> | undefined;
  return {
    // Rotation happens when a token is about to be signed with a key that is due: one at a time, so concurrent
    // exchanges agree on the new key.
    async current() {
      while (isDue(ring[0], rotationSeconds, now())) {
        rotation ??= rotateIfDue(file, ring, rotationSeconds, now())
          .then((next) => {
            ring = next;
            published = { keys: ring.map((key) => publicJwk(key.jwk)) };
          })
          .finally(() => (rotation = undefined));
        await rotation;
      }
      return ring[0]!.jwk;
    },
    published: () => published,
  };
}

function isDue(key: StoredKey | undefined, rotationSeconds: number, now: Date): boolean {
  return key === undefined || now.getTime() >= key.createdAt + rotationSeconds * 1000;
}

/** Keeps the newest key as the previous one, so tokens it signed stay valid until they expire. */
async function rotateIfDue(
  file: string,
  ring: StoredKey[],
  rotationSeconds: number,
  now: Date,
): Promise<StoredKey[]> {
  if (!isDue(ring[0], rotationSeconds, now)) return ring;
  const next = [{ createdAt: now.getTime(), jwk: await generateSigningJwk() }, ...ring.slice(0, 1)];
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writePrivateJson(file, { keys: next });
  return next;
}

async function readKeyRing(file: string): Promise<StoredKey[]> {
  let stored: unknown;
  try {
    stored = await readPrivateJson(file);
  } catch (err) {
    if (hasErrorCode(err, 'ENOENT')) return [];
    throw err;
  }
  const keys = (stored as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || !keys.every(isStoredKey)) {
    throw new SigningKeyFileError(file, 'is not a list of ES256 private keys with their creation times');
  }
  return keys;
}

function isStoredKey(value: unknown): value is StoredKey {
  const key = value as Partial<StoredKey> | null;
  return typeof key?.createdAt === 'number' && isEs256PrivateJwk(key.jwk);
}
