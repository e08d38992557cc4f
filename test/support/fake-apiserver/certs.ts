/**
 * A throwaway CA and a server certificate for 127.0.0.1/localhost, made with the openssl CLI once per
 * process (no extra npm package). Go clients require the SAN; the CN alone would be rejected.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface ServerCertificate {
  caPem: string;
  certPem: string;
  keyPem: string;
}

const run = promisify(execFile);

const SERVER_EXTENSIONS = [
  'subjectAltName=IP:127.0.0.1,DNS:localhost',
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature,keyEncipherment',
  'extendedKeyUsage=serverAuth',
].join('\n');

async function generate(): Promise<ServerCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'fake-apiserver-pki-'));
  const file = (name: string) => join(dir, name);
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    await run('openssl', [
      'req',
      '-x509',
      ...ecKey,
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.crt'),
      '-days',
      '30',
      '-subj',
      '/CN=fake-apiserver-ca',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    await run('openssl', [
      'req',
      ...ecKey,
      '-keyout',
      file('server.key'),
      '-out',
      file('server.csr'),
      '-subj',
      '/CN=localhost',
    ]);
    await writeFile(file('server.ext'), SERVER_EXTENSIONS);
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-CA',
      file('ca.crt'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-out',
      file('server.crt'),
      '-days',
      '30',
      '-extfile',
      file('server.ext'),
    ]);
    const [caPem, certPem, keyPem] = await Promise.all(
      ['ca.crt', 'server.crt', 'server.key'].map((name) => readFile(file(name), 'utf8')),
    );
    return { caPem: caPem ?? '', certPem: certPem ?? '', keyPem: keyPem ?? '' };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

let cached: Promise<ServerCertificate> | undefined;

/** The same certificate for every fake server of this process; generated on first use. */
export function serverCertificate(): Promise<ServerCertificate> {
  cached ??= generate().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}
