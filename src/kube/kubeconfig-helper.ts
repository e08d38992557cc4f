import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** Where a cluster's settings come from: a kubeconfig file (optionally one of its contexts) or the pod's service account. */
export type KubeconfigSource = { inCluster: true } | { inCluster: false; file: string; context?: string };

/**
 * How Airlock's own credential for a cluster stays fresh:
 * - `static`: a token or client certificate written in the kubeconfig; read once.
 * - `file`: a token file (the pod's rotated service-account token, `tokenFile` auth providers); re-read by path.
 * - `plugin`: an exec plugin or another auth provider; only `@kubernetes/client-node` knows how to run it.
 */
export type CredentialSource = { kind: 'static' } | { kind: 'file'; path: string } | { kind: 'plugin' };

/** What Airlock needs of a kubeconfig context, in plain data. */
export interface ResolvedKubeconfig {
  server: string;
  tlsServerName?: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: boolean;
  authorization?: string;
  credentials: CredentialSource;
}

export interface KubeconfigResolution {
  resolved: ResolvedKubeconfig;
  /** The current `Authorization` header; only for `plugin` credentials (others are read without the helper). */
  authorize(): Promise<string | undefined>;
  close(): Promise<void>;
}

/** A kubeconfig that `@kubernetes/client-node` refused, or that lacks what Airlock needs. */
export class KubeconfigError extends Error {
  override name = 'KubeconfigError';
}

type Reply = { ok: true; value: unknown } | { ok: false; message: string };

/*
 * `@kubernetes/client-node` loads its whole generated API client (~70 MiB of resident memory) just to parse a
 * kubeconfig and run credential plugins, which Airlock does once at start-up. So it runs in a helper process that
 * ends after start-up, and stays only for exec plugins and auth providers. A process, not a worker thread: memory a
 * finished worker used stays in the gateway's allocator. Its code is plain JavaScript (it only drives client-node),
 * so the same code runs from the compiled build and from TypeScript sources.
 */
const HELPER_SOURCE = `
const [clientNode, sourceJson] = process.argv.slice(-2);
process.on('disconnect', () => process.exit(0));
const toBytes = (v) => (v === undefined || v === null ? undefined : Buffer.from(v));
// client-node reads token files verbatim: a trailing newline would make the header invalid.
const headerOf = (opts) => opts.headers.Authorization?.trim();
import(clientNode).then(({ KubeConfig }) => {
  const kc = new KubeConfig();
  const source = JSON.parse(sourceJson);
  const authorization = async () => {
    const opts = { headers: {} };
    await kc.applyToHTTPSOptions(opts);
    return headerOf(opts);
  };
  async function resolve() {
    if (source.inCluster) kc.loadFromCluster();
    else {
      kc.loadFromFile(source.file);
      if (source.context) {
        if (!kc.getContextObject(source.context)) throw new Error('context "' + source.context + '" not found in ' + source.file);
        kc.setCurrentContext(source.context);
      }
    }
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig context has no cluster');
    const user = kc.getCurrentUser() ?? {};
    const opts = { headers: {} };
    await kc.applyToHTTPSOptions(opts);
    const tokenFile = user.authProvider?.config?.tokenFile;
    return {
      server: cluster.server,
      tlsServerName: cluster.tlsServerName,
      ca: toBytes(opts.ca),
      cert: toBytes(opts.cert),
      key: toBytes(opts.key),
      rejectUnauthorized: opts.rejectUnauthorized ?? true,
      authorization: headerOf(opts),
      credentials: tokenFile && !user.exec
        ? { kind: 'file', path: tokenFile }
        : user.exec || user.authProvider ? { kind: 'plugin' } : { kind: 'static' },
    };
  }
  const answer = (work) => work().then(
    (value) => process.send({ ok: true, value }),
    (err) => process.send({ ok: false, message: err instanceof Error ? err.message : String(err) }),
  );
  process.on('message', (request) => answer(request === 'authorize' ? authorization : resolve));
}, (err) => process.send({ ok: false, message: 'cannot load @kubernetes/client-node: ' + err.message }));
`;

const CLIENT_NODE = pathToFileURL(createRequire(import.meta.url).resolve('@kubernetes/client-node')).href;

const toBuffer = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes) : undefined);

/** The helper process: `node -e` with IPC (advanced serialization carries the certificates' bytes). */
function startHelper(source: KubeconfigSource): ChildProcess {
  const helper = spawn(process.execPath, ['-e', HELPER_SOURCE, CLIENT_NODE, JSON.stringify(source)], {
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  // One kept for credential plugins must not hold the gateway open; it exits when the gateway does.
  helper.unref();
  helper.channel?.unref();
  return helper;
}

/**
 * Resolves one kubeconfig context with `@kubernetes/client-node` in a helper process. The helper ends here unless
 * the credential needs client-node to be refreshed (`plugin`); then `authorize()` asks it, one request at a time.
 */
export async function resolveKubeconfig(source: KubeconfigSource): Promise<KubeconfigResolution> {
  const helper = startHelper(source);
  let queue: Promise<unknown> = Promise.resolve();
  const ask = <T>(request: 'resolve' | 'authorize'): Promise<T> => {
    const next = queue.then(
      () =>
        new Promise<T>((resolve, reject) => {
          const onExit = (code: number) =>
            reject(new KubeconfigError(`the kubeconfig helper process exited (code ${code})`));
          helper.once('exit', onExit);
          helper.once('error', reject);
          helper.once('message', (reply: Reply) => {
            helper.off('exit', onExit);
            helper.off('error', reject);
            if (reply.ok) resolve(reply.value as T);
            else reject(new KubeconfigError(reply.message));
          });
          helper.send(request);
        }),
    );
    queue = next.catch(() => undefined);
    return next;
  };
  const close = async () => {
    if (helper.exitCode !== null || helper.signalCode !== null) return;
    const exited = new Promise((resolve) => helper.once('exit', resolve));
    helper.kill();
    await exited;
  };
  try {
    const raw = await ask<ResolvedKubeconfig>('resolve');
    const resolved: ResolvedKubeconfig = {
      ...raw,
      ca: toBuffer(raw.ca),
      cert: toBuffer(raw.cert),
      key: toBuffer(raw.key),
    };
    if (resolved.credentials.kind !== 'plugin') await close();
    return { resolved, authorize: () => ask<string | undefined>('authorize'), close };
  } catch (err) {
    await close();
    throw err;
  }
}
