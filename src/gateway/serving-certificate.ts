import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';

/**
 * kubectl never sends a bearer token to a plain-HTTP server, so the proxy listener needs TLS even on a laptop.
 * Without a configured certificate, Airlock makes its own small CA on first start (kept in the data directory,
 * keys mode 0600) and a serving certificate for the listen address; `airlock kubeconfig` embeds the CA. The serving
 * certificate is kept too and reused while it is valid for another 30 days, covers the addresses and was signed by
 * the CA, so a restart loads no certificate-making code.
 */

export interface ServingCertificate {
  certPem: string;
  keyPem: string;
  /** The trust anchor clients need (certificate-authority-data). */
  caPem: string;
}

export const CA_CERT = 'airlock-ca.crt';
export const CA_KEY = 'airlock-ca.key';
const SERVING_CERT = 'airlock-serving.crt';
const SERVING_KEY = 'airlock-serving.key';
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

export async function writePrivate(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode: 0o600 });
  await rename(tmp, path);
}

/** The names the serving certificate must cover: loopback always, plus the listen and public hosts. */
export function servingNames(hosts: readonly string[]): string[] {
  return [
    ...new Set(['localhost', '127.0.0.1', '::1', ...hosts.filter((h) => h && h !== '0.0.0.0' && h !== '::')]),
  ];
}

/**
 * Pure: whether a kept certificate and key still serve `names`, signed by `caPem`, for longer than the renewal margin.
 * The key must be the certificate's: replicas sharing a data directory may each have written one of the two files.
 */
export function reusable(
  kept: { certPem: string; keyPem: string },
  caPem: string,
  names: readonly string[],
  now: Date,
): boolean {
  try {
    const cert = new X509Certificate(kept.certPem);
    const ca = new X509Certificate(caPem);
    if (new Date(cert.validTo).getTime() - now.getTime() < RENEW_BEFORE_MS) return false;
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false;
    if (!cert.checkPrivateKey(createPrivateKey(kept.keyPem))) return false;
    return names.every((n) => (isIP(n) ? cert.checkIP(n) : cert.checkHost(n)) !== undefined);
  } catch {
    return false;
  }
}

async function readIfPresent(path: string): Promise<string | undefined> {
  return existsSync(path) ? readFile(path, 'utf8') : undefined;
}

/** The kept serving certificate when it is still good, else a new one (and the CA on first start). */
export async function loadOrCreateServingCertificate(
  dataDir: string,
  hosts: string[],
): Promise<ServingCertificate> {
  await mkdir(dataDir, { recursive: true });
  const names = servingNames(hosts);
  const [caPem, certPem, keyPem] = await Promise.all(
    [CA_CERT, SERVING_CERT, SERVING_KEY].map((f) => readIfPresent(join(dataDir, f))),
  );
  if (caPem && certPem && keyPem && reusable({ certPem, keyPem }, caPem, names, new Date()))
    return { certPem, keyPem, caPem };
  const { issueServingCertificate } = await import('./certificate-authority.js');
  const issued = await issueServingCertificate(dataDir, names);
  await writePrivate(join(dataDir, SERVING_KEY), issued.keyPem);
  await writeFile(join(dataDir, SERVING_CERT), issued.certPem);
  return issued;
}

/** The CA clients should trust for the self-managed certificate, if one was created. */
export async function localCaPem(dataDir: string): Promise<string | undefined> {
  return readIfPresent(join(dataDir, CA_CERT));
}
