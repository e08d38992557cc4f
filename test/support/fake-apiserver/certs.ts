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

/** The openssl steps, run inside a private temp dir (so file names need no quoting). */
const OPENSSL_STEPS = [
  'req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt -days 30 ' +
    '-subj /CN=fake-apiserver-ca -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign',
  'req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr -subj /CN=localhost',
  'x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 30 -extfile server.ext',
];

async function generate(): Promise<ServerCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'fake-apiserver-pki-'));
  try {
    await writeFile(join(dir, 'server.ext'), SERVER_EXTENSIONS);
    for (const step of OPENSSL_STEPS) await run('openssl', step.split(' '), { cwd: dir });
    const [caPem = '', certPem = '', keyPem = ''] = await Promise.all(
      ['ca.crt', 'server.crt', 'server.key'].map((name) => readFile(join(dir, name), 'utf8')),
    );
    return { caPem, certPem, keyPem };
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
