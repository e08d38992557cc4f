import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeProtectedHeader, exportPKCS8, generateKeyPair } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Agent } from '../../../src/identity/agent.js';
import { EXCHANGE_AUDIENCE, loadExchangeIssuer } from '../../../src/identity/exchange-issuer.js';
import { createTokenVerifier } from '../../../src/identity/token-verifier.js';

/** Exchange signing keys from operator-provided PEM files: what lets several replicas sign and verify alike. */

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'airlock-operator-keys-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

const SUBJECT: Agent = {
  name: 'ci-bot',
  subject: 'ci-bot',
  issuer: 'https://ci.example',
  groups: [],
  tokenId: 'source-token',
  expiresAt: new Date(Date.now() + 3_600_000),
};

async function pemFile(name: string, alg: 'ES256' | 'RS256' = 'ES256', mode = 0o600): Promise<string> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const file = path.join(dir, name);
  await writeFile(file, await exportPKCS8(privateKey), { mode });
  await chmod(file, mode);
  return file;
}

/** One replica: its own data directory, the shared key files. */
function replica(signingKeyFiles: string[]) {
  return mkdtemp(path.join(dir, 'replica-')).then((dataDir) =>
    loadExchangeIssuer(dataDir, {
      issuer: 'airlock',
      audience: EXCHANGE_AUDIENCE,
      lifetimeSeconds: 600,
      keyRotationSeconds: 600,
      signingKeyFiles,
    }),
  );
}

describe('operator-provided exchange signing keys', () => {
  it('lets every replica verify what any other signed, across a rotation with overlap', async () => {
    const [oldKey, newKey] = [await pemFile('old.pem'), await pemFile('new.pem')];
    // Mid-rotation: one replica still signs with the old key (the new one published), another already with the new.
    const a = await replica([oldKey, newKey]);
    const b = await replica([newKey, oldKey]);
    const fromA = (await a.issue(SUBJECT, {})).token;
    const fromB = (await b.issue(SUBJECT, {})).token;
    const [kidA, kidB] = [decodeProtectedHeader(fromA).kid, decodeProtectedHeader(fromB).kid];
    expect(kidA).not.toBe(kidB);
    expect(a.jwks().keys.map((k) => k.kid)).toEqual([kidA, kidB]);
    for (const verifying of [a, b]) {
      const verifier = createTokenVerifier({ issuers: [verifying.config] });
      await expect(verifier.verify(fromA)).resolves.toMatchObject({ name: 'ci-bot' });
      await expect(verifier.verify(fromB)).resolves.toMatchObject({ name: 'ci-bot' });
    }
    // Published keys are public only.
    expect(a.jwks().keys.every((k) => k.d === undefined)).toBe(true);
    // Once the old key is dropped, tokens it signed are refused.
    const done = createTokenVerifier({ issuers: [(await replica([newKey])).config] });
    await expect(done.verify(fromA)).rejects.toThrow();
    await expect(done.verify(fromB)).resolves.toMatchObject({ name: 'ci-bot' });
  });

  it.each([
    ['missing.pem', async () => path.join(dir, 'missing.pem'), 'does not exist'],
    ['rsa.pem', () => pemFile('rsa.pem', 'RS256'), 'is not an EC P-256 private key in PKCS#8 PEM'],
    ['shared.pem', () => pemFile('shared.pem', 'ES256', 0o644), 'is accessible to other users'],
    [
      'garbage.pem',
      async () => {
        const file = path.join(dir, 'garbage.pem');
        await writeFile(file, 'not a key', { mode: 0o600 });
        return file;
      },
      'is not an EC P-256 private key',
    ],
  ])('refuses to start with %s, naming the file and what is wrong', async (name, make, problem) => {
    const good = await pemFile('good.pem');
    const bad = await make();
    await expect(replica([good, bad])).rejects.toThrow(
      `signing key file ${path.join(dir, name)}: ${problem}`,
    );
  });

  it('refuses the same key listed twice', async () => {
    const key = await pemFile('key.pem');
    await expect(replica([key, key])).rejects.toThrow('holds the same key as an earlier file in the list');
  });
});
