import { readFile, stat } from 'node:fs/promises';
import { calculateJwkThumbprint, exportJWK, importPKCS8, type JWK } from 'jose';
import { hasErrorCode, SIGNING_ALGORITHM, SigningKeyFileError } from './key-file.js';

/**
 * Exchange signing keys the operator provides as PEM files (PKCS#8, EC P-256), so every replica signs and verifies
 * with the same keys. The first file signs; all are published and accepted, which is how a rotation overlaps:
 * add the new key second, then move it first, then drop the old one once its tokens have expired.
 */
export async function readOperatorSigningKeys(files: readonly string[]): Promise<JWK[]> {
  const keys: JWK[] = [];
  for (const file of files) {
    const jwk = await readPemSigningKey(file);
    if (keys.some((known) => known.kid === jwk.kid))
      throw new SigningKeyFileError(file, 'holds the same key as an earlier file in the list');
    keys.push(jwk);
  }
  return keys;
}

async function readPemSigningKey(file: string): Promise<JWK> {
  let pem: string;
  try {
    if (((await stat(file)).mode & 0o077) !== 0)
      throw new SigningKeyFileError(
        file,
        `is accessible to other users; restrict it with \`chmod 600 ${file}\``,
      );
    pem = await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof SigningKeyFileError) throw err;
    throw new SigningKeyFileError(
      file,
      hasErrorCode(err, 'ENOENT') ? 'does not exist' : (err as Error).message,
    );
  }
  let jwk: JWK;
  try {
    jwk = await exportJWK(await importPKCS8(pem, SIGNING_ALGORITHM, { extractable: true }));
  } catch {
    throw new SigningKeyFileError(
      file,
      'is not an EC P-256 private key in PKCS#8 PEM (`openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`)',
    );
  }
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: SIGNING_ALGORITHM, use: 'sig' };
}
