import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { readPrivateJson, writePrivateJson } from '../identity/key-file.js';

/**
 * The kubectl credential plugin (`airlock credential`): exchanges the agent's source token (from its identity
 * provider or CI) for a short-lived Airlock token at `POST /auth/token`, and prints it as a
 * `client.authentication.k8s.io/v1` ExecCredential. kubectl runs it whenever its credential is due, so commands keep
 * working across expiries; the exchanged token is cached (mode 0600) until shortly before it expires.
 */

export const EXEC_CREDENTIAL_API = 'client.authentication.k8s.io/v1';

export interface ExecCredential {
  apiVersion: typeof EXEC_CREDENTIAL_API;
  kind: 'ExecCredential';
  status: { token: string; expirationTimestamp: string };
}

export interface CredentialOptions {
  /** Airlock's proxy URL (a cluster URL under it works too: only its origin is used). */
  server: string;
  sourceToken: string;
  /** OAuth scope to request, e.g. `namespace:team-a verb:get`. */
  scope?: string;
  /** PEM of the CA that signed Airlock's serving certificate; the system roots when absent. */
  ca?: string;
  cacheDir: string;
  now?: () => Date;
}

/** The exchange was refused (OAuth error) or could not be made; the message says which and why. */
export class CredentialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialError';
  }
}

interface CachedToken {
  token: string;
  /** When the token expires (epoch ms). */
  expiresAt: number;
  /** When to exchange again (epoch ms): early enough that a command started before then still finishes. */
  refreshAt: number;
}

export async function execCredential(opts: CredentialOptions): Promise<ExecCredential> {
  const now = opts.now ?? (() => new Date());
  const cacheFile = path.join(opts.cacheDir, `${cacheKey(opts)}.json`);
  const cached = await readCache(cacheFile);
  const current =
    cached && cached.refreshAt > now().getTime() ? cached : await exchangeAndCache(opts, cacheFile, now());
  return {
    apiVersion: EXEC_CREDENTIAL_API,
    kind: 'ExecCredential',
    // kubectl asks again at this time, before the token itself expires.
    status: { token: current.token, expirationTimestamp: new Date(current.refreshAt).toISOString() },
  };
}

/** `$XDG_CACHE_HOME/airlock`, else `~/.cache/airlock`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'airlock', 'credentials');
}

/**
 * The CA from `KUBERNETES_EXEC_INFO` (kubectl passes the cluster's `certificate-authority-data` when the kubeconfig
 * sets `provideClusterInfo: true`), so a kubeconfig needs to carry the CA only once.
 */
export function caFromExecInfo(execInfo: string | undefined): string | undefined {
  if (!execInfo) return undefined;
  let info: unknown;
  try {
    info = JSON.parse(execInfo);
  } catch {
    throw new CredentialError('KUBERNETES_EXEC_INFO is not valid JSON');
  }
  const data = (info as { spec?: { cluster?: { 'certificate-authority-data'?: unknown } } }).spec?.cluster?.[
    'certificate-authority-data'
  ];
  return typeof data === 'string' && data !== '' ? Buffer.from(data, 'base64').toString('utf8') : undefined;
}

/** The token file or variable named on the command line, trimmed; empty means misconfigured. */
export async function readSourceToken(
  source: { file?: string; env?: string },
  env: NodeJS.ProcessEnv,
): Promise<string> {
  if ((source.file === undefined) === (source.env === undefined)) {
    throw new CredentialError('give exactly one of --source-token-file and --source-token-env');
  }
  const token = source.file !== undefined ? await readTokenFile(source.file) : env[source.env!];
  if (!token?.trim()) {
    throw new CredentialError(
      source.file !== undefined
        ? `the source token file ${source.file} is empty`
        : `the environment variable ${source.env} holds no source token`,
    );
  }
  return token.trim();
}

async function readTokenFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new CredentialError(`cannot read the source token file ${file}: ${(err as Error).message}`);
  }
}

/** One cache entry per Airlock, source token and scope; the name reveals none of them. */
function cacheKey(opts: Pick<CredentialOptions, 'server' | 'sourceToken' | 'scope'>): string {
  return createHash('sha256')
    .update(JSON.stringify([new URL(opts.server).origin, opts.sourceToken, opts.scope ?? '']))
    .digest('hex')
    .slice(0, 40);
}

async function readCache(file: string): Promise<CachedToken | undefined> {
  try {
    const value = (await readPrivateJson(file)) as Partial<CachedToken> | null;
    const valid =
      typeof value?.token === 'string' &&
      typeof value.expiresAt === 'number' &&
      typeof value.refreshAt === 'number';
    return valid ? (value as CachedToken) : undefined;
  } catch {
    // A missing, unreadable or corrupt cache entry only costs one exchange, which replaces it.
    return undefined;
  }
}

async function exchangeAndCache(opts: CredentialOptions, file: string, now: Date): Promise<CachedToken> {
  const { accessToken, expiresIn } = await exchange(opts);
  const lifetimeMs = expiresIn * 1000;
  // Refresh with a minute to spare, or half the lifetime of very short-lived tokens.
  const entry: CachedToken = {
    token: accessToken,
    expiresAt: now.getTime() + lifetimeMs,
    refreshAt: now.getTime() + lifetimeMs - Math.min(60_000, lifetimeMs / 2),
  };
  await mkdir(opts.cacheDir, { recursive: true, mode: 0o700 });
  await writePrivateJson(file, entry);
  return entry;
}

async function exchange(opts: CredentialOptions): Promise<{ accessToken: string; expiresIn: number }> {
  const url = new URL('/auth/token', opts.server);
  const form = new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token: opts.sourceToken,
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    ...(opts.scope ? { scope: opts.scope } : {}),
  });
  const { status, body } = await postForm(url, form.toString(), opts.ca);
  let answer: Record<string, unknown>;
  try {
    answer = JSON.parse(body) as Record<string, unknown>;
  } catch {
    throw new CredentialError(`${url.href} answered HTTP ${status} without a token exchange response`);
  }
  if (status !== 200) {
    const description = typeof answer.error_description === 'string' ? `: ${answer.error_description}` : '';
    throw new CredentialError(`token exchange refused (${String(answer.error)})${description}`);
  }
  if (typeof answer.access_token !== 'string' || typeof answer.expires_in !== 'number') {
    throw new CredentialError(`${url.href} answered without access_token and expires_in`);
  }
  return { accessToken: answer.access_token, expiresIn: answer.expires_in };
}

function postForm(url: URL, body: string, ca: string | undefined): Promise<{ status: number; body: string }> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        timeout: 30_000,
        ...(ca ? { ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', (err) =>
      reject(new CredentialError(`cannot reach Airlock at ${url.origin}: ${err.message}`)),
    );
    req.end(body);
  });
}
