/**
 * How MCP tools reach Kubernetes: as HTTP requests to Airlock's own gateway, over a loopback listener that serves the
 * very same handler as the proxy listener. Every tool call is therefore authenticated, classified, reviewed, masked
 * and recorded exactly like a kubectl request with the caller's token; the MCP layer holds no credential of its own.
 */
import http from 'node:http';

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path without the cluster prefix, e.g. `/api/v1/namespaces/default/pods`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  contentType?: string;
  body?: string;
  accept?: string;
}

export interface KubeResponse {
  status: number;
  contentType: string;
  body: string;
  /** Set when the answer was cut at the size bound. */
  truncated: boolean;
  /** The review the gateway parked the request on, and what it said (`X-Airlock-Review*` headers). */
  review?: { id: string; state: string };
}

/** One caller's view of the cluster(s): the token, stated reason and cancellation travel with every request. */
export interface KubeCaller {
  token: string;
  /** `undefined` → the default cluster at the root paths. */
  cluster?: string | undefined;
  reason?: string | undefined;
  signal: AbortSignal;
}

export interface KubeApi {
  request(caller: KubeCaller, req: KubeRequest): Promise<KubeResponse>;
}

/** The message of a Kubernetes `Status` answer, or the body itself when the answer was not one. */
export function statusMessage(res: Pick<KubeResponse, 'status' | 'body'>): string {
  try {
    const status = JSON.parse(res.body) as { kind?: string; message?: unknown };
    if (status.kind === 'Status' && typeof status.message === 'string') return status.message;
  } catch {
    // not JSON: the body is the message
  }
  return res.body.trim() || `HTTP ${res.status}`;
}

/** Tool answers go to a model's context: more than this is cut, and the tool says so. */
export const MAX_ANSWER_BYTES = 1024 * 1024;

/** A header carries Latin-1 octets; a reason in any script travels as its UTF-8 bytes, which admission decodes. */
function headerText(text: string): string {
  // Line breaks and other control characters cannot travel in a header; they carry nothing a reviewer needs.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const line = text.replace(/[\s\x00-\x1f\x7f]+/g, ' ').trim();
  return Buffer.from(line.slice(0, 1000), 'utf8').toString('latin1');
}

export function clusterPrefix(cluster: string | undefined): string {
  return cluster === undefined ? '' : `/clusters/${encodeURIComponent(cluster)}`;
}

function target(caller: KubeCaller, req: KubeRequest): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(req.query ?? {}))
    if (value !== undefined) params.set(name, String(value));
  const query = params.toString();
  return `${clusterPrefix(caller.cluster)}${req.path}${query ? `?${query}` : ''}`;
}

/** A KubeApi that sends each request to the gateway listening at `origin` (an `http://127.0.0.1:port` loopback). */
export function loopbackKubeApi(origin: URL): KubeApi {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  return {
    request: (caller, req) =>
      new Promise<KubeResponse>((resolve, reject) => {
        const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
        const outbound = http.request(
          {
            agent,
            host: origin.hostname,
            port: origin.port,
            method: req.method,
            path: target(caller, req),
            signal: caller.signal,
            headers: {
              authorization: `Bearer ${caller.token}`,
              accept: req.accept ?? 'application/json',
              'user-agent': 'airlock-mcp',
              ...(caller.reason ? { 'x-airlock-reason': headerText(caller.reason) } : {}),
              ...(body
                ? { 'content-type': req.contentType ?? 'application/json', 'content-length': body.length }
                : {}),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            let truncated = false;
            const review = res.headers['x-airlock-review'];
            const finish = () =>
              resolve({
                status: res.statusCode ?? 502,
                contentType: res.headers['content-type'] ?? '',
                body: Buffer.concat(chunks).toString('utf8'),
                truncated,
                ...(typeof review === 'string'
                  ? { review: { id: review, state: String(res.headers['x-airlock-review-state'] ?? '') } }
                  : {}),
              });
            res.on('data', (chunk: Buffer) => {
              if (truncated) return;
              if (size + chunk.length > MAX_ANSWER_BYTES) {
                chunks.push(chunk.subarray(0, MAX_ANSWER_BYTES - size));
                truncated = true;
                // The rest is not wanted: stop reading instead of buffering an unbounded answer.
                res.destroy();
                finish();
                return;
              }
              chunks.push(chunk);
              size += chunk.length;
            });
            res.on('end', finish);
            res.on('error', (err) => (truncated ? undefined : reject(err)));
          },
        );
        outbound.on('error', reject);
        outbound.end(body);
      }),
  };
}
