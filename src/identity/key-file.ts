import { randomUUID } from 'node:crypto';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

/** Airlock signs its own tokens with ES256: small keys, fast, and supported by every JOSE library. */
export const SIGNING_ALGORITHM = 'ES256';

/** A signing key file is missing a part, is not an ES256 key, or is readable by other users. */
export class SigningKeyFileError extends Error {
  constructor(file: string, problem: string) {
    super(`signing key file ${file}: ${problem}`);
    this.name = 'SigningKeyFileError';
  }
}

/** A new ES256 private JWK whose `kid` is its thumbprint. */
export async function generateSigningJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: SIGNING_ALGORITHM, use: 'sig' };
}

/** The public half of a signing JWK, as published for verifiers. */
export function publicJwk({ kty, crv, x, y, kid }: JWK): JWK {
  return { kty, crv, x, y, kid, alg: SIGNING_ALGORITHM, use: 'sig' };
}

export function isEs256PrivateJwk(value: unknown): value is JWK {
  if (typeof value !== 'object' || value === null) return false;
  const jwk: Record<string, unknown> = { ...value };
  return (
    jwk.kty === 'EC' &&
    jwk.crv === 'P-256' &&
    ['x', 'y', 'd', 'kid'].every((member) => typeof jwk[member] === 'string' && jwk[member] !== '')
  );
}

/** Reads a JSON file holding private keys, refusing it when other users could read it. */
export async function readPrivateJson(file: string): Promise<unknown> {
  if (((await stat(file)).mode & 0o077) !== 0) {
    throw new SigningKeyFileError(
      file,
      `is accessible to other users; restrict it with \`chmod 600 ${file}\``,
    );
  }
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    throw new SigningKeyFileError(file, 'is not valid JSON');
  }
}

/** Replaces `file` with `value` (mode 0600) atomically: readers see the old or the new file, never a part. */
export async function writePrivateJson(file: string, value: unknown): Promise<void> {
  const staging = `${file}.${randomUUID()}.tmp`;
  await writeFile(staging, JSON.stringify(value), { mode: 0o600, flag: 'wx' });
  try {
    await rename(staging, file);
  } finally {
    await rm(staging, { force: true });
  }
}

export function hasErrorCode(err: unknown, code: string): boolean {
  return err instanceof Error && 'code' in err && err.code === code;
}
