/**
 * The preview's only I/O: reads with Airlock's own credentials and the agent's request replayed with `dryRun=All`
 * (impersonating the agent when the cluster does, so it is authorised exactly as the real request would be).
 * Every call is bounded by a timeout; answers are parsed JSON.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Agent } from '../identity/agent.js';
import { buildUpstreamHeaders, impersonatedIdentity } from '../kube/headers.js';
import type { ClassifiedRequest } from '../kube/request-info.js';
import type { UpstreamCluster } from '../kube/upstream.js';

export interface UpstreamAnswer {
  status: number;
  /** The decoded JSON body; undefined when it was not JSON. */
  body: unknown;
}

/** The cluster did not answer (timeout, connection failure, oversized answer); `message` says which. */
export class UpstreamUnavailableError extends Error {
  override readonly name = 'UpstreamUnavailableError';
}

export interface PreviewUpstream {
  /** GET as Airlock itself. */
  get(path: string, query?: URLSearchParams): Promise<UpstreamAnswer>;
  /** The agent's own request (method, path, query, body) with `dryRun=All`. */
  dryRun(request: ClassifiedRequest, contentType: string, body: Buffer): Promise<UpstreamAnswer>;
}

/** Previews read single objects and bounded lists; anything larger is not worth holding in memory. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  asAgent: boolean;
  body?: { contentType: string; bytes: Buffer };
}

export function createPreviewUpstream(
  cluster: UpstreamCluster,
  agent: Agent,
  timeoutMs: number,
): PreviewUpstream {
  async function send(call: Call): Promise<UpstreamAnswer> {
    const url = new URL(cluster.server.href);
    url.pathname = url.pathname.replace(/\/$/, '') + call.path;
    url.search = call.query.toString();
    const authorization = await cluster.authorization();
    const headers = buildUpstreamHeaders([], {
      ...(authorization ? { authorization } : {}),
      ...(call.asAgent && cluster.impersonate ? { impersonate: impersonatedIdentity(agent) } : {}),
      accept: 'application/json',
      upgrade: false,
      requestId: `airlock-preview-${randomBytes(8).toString('hex')}`,
      clientIp: '',
    });
    // Airlock's own request: there is no client address to report.
    delete headers['x-forwarded-for'];
    if (call.body) {
      headers['content-type'] = call.body.contentType;
      headers['content-length'] = String(call.body.bytes.length);
    }
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(
        url,
        {
          method: call.method,
          headers,
          agent: cluster.agent,
          ...cluster.tls,
          signal: AbortSignal.timeout(timeoutMs),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_ANSWER_BYTES) {
              res.destroy(new UpstreamUnavailableError(`the answer exceeded ${MAX_ANSWER_BYTES} bytes`));
            } else chunks.push(chunk);
          });
          res.on('error', (err) => reject(unavailable(err, timeoutMs)));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: parseJson(Buffer.concat(chunks)) }),
          );
        },
      );
      req.on('error', (err) => reject(unavailable(err, timeoutMs)));
      req.end(call.body?.bytes);
    });
  }

  return {
    get: (path, query = new URLSearchParams()) => send({ method: 'GET', path, query, asAgent: false }),
    dryRun(request, contentType, body) {
      const query = new URLSearchParams(request.query);
      query.delete('dryRun');
      query.append('dryRun', 'All');
      return send({
        method: request.method,
        path: request.path,
        query,
        asAgent: true,
        ...(body.length > 0 ? { body: { contentType, bytes: body } } : {}),
      });
    },
  };
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function unavailable(err: Error, timeoutMs: number): UpstreamUnavailableError {
  if (err instanceof UpstreamUnavailableError) return err;
  if (err.name === 'TimeoutError' || err.name === 'AbortError') {
    return new UpstreamUnavailableError(`the cluster did not answer within ${timeoutMs} ms`);
  }
  const code = (err as NodeJS.ErrnoException).code;
  return new UpstreamUnavailableError(`the cluster could not be reached (${code ?? err.message})`);
}
