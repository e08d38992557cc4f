/**
 * The preview's only I/O: reads with Airlock's own credentials and the agent's request replayed with `dryRun=All`
 * (impersonating the agent when the cluster does, so it is authorised exactly as the real request would be).
 * Every call is bounded by a timeout; answers are parsed JSON.
 */
import { randomBytes } from 'node:crypto';
import type { Agent } from '../identity/agent.js';
import { buildUpstreamHeaders, impersonatedIdentity } from '../kube/headers.js';
import type { ClassifiedRequest } from '../kube/request-info.js';
import { deadline, readBounded, ResponseTooLarge, sendUpstream, UpstreamError } from '../kube/transport.js';
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
    if (call.body) headers['content-type'] = call.body.contentType;
    const limit = deadline(timeoutMs);
    try {
      const reply = await sendUpstream(cluster, {
        method: call.method,
        path: call.path,
        query: call.query,
        headers,
        ...(call.body ? { body: call.body.bytes } : {}),
        signal: limit.signal,
      });
      if (reply.kind !== 'response') {
        reply.socket.destroy();
        throw new UpstreamUnavailableError('the cluster switched protocols on a preview request');
      }
      const bytes = await readBounded(reply.response, MAX_ANSWER_BYTES);
      return { status: reply.response.statusCode ?? 0, body: parseJson(bytes) };
    } catch (err) {
      throw unavailable(err as Error, timeoutMs);
    } finally {
      limit.clear();
    }
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
  if (err instanceof ResponseTooLarge)
    return new UpstreamUnavailableError(`the answer exceeded ${err.limit} bytes`);
  if (err instanceof UpstreamError && err.failure === 'timeout') {
    return new UpstreamUnavailableError(`the cluster did not answer within ${timeoutMs} ms`);
  }
  if (err instanceof UpstreamError)
    return new UpstreamUnavailableError(`the cluster could not be reached (${err.detail})`);
  return new UpstreamUnavailableError(`the cluster could not be reached (${err.message})`);
}
