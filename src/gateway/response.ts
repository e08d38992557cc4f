import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough, pipeline, type Readable, type Transform } from 'node:stream';
import { promisify } from 'node:util';
import { createGzip, gzip as gzipCallback } from 'node:zlib';
import { StatusError, isStatusError } from '../kube/status.js';
import { joined, readBounded, readUpTo, ResponseTooLarge } from '../kube/transport.js';
import type { Masker } from '../masking/index.js';
import type { Admission } from './admission.js';
import { responseShape } from './request-shape.js';
import type { GatePass } from './review-gate.js';

const gzip = promisify(gzipCallback);

/** What the recorder learns from a relayed response. */
export interface RelayOutcome {
  status: number;
  bytesOut: number;
  /** The masked response document (JSON) or text, when it was buffered. */
  responseBody?: unknown;
  summary?: Record<string, unknown>;
}

/** Upstream response headers worth passing on; hop-by-hop and length/encoding are Airlock's own business. */
const RESPONSE_HEADERS = new Set([
  'content-type',
  'audit-id',
  'cache-control',
  'warning',
  'x-kubernetes-pf-flowschema-uid',
  'x-kubernetes-pf-prioritylevel-uid',
  'retry-after',
  'location',
]);
/**
 * Lists above this are masked item by item as they stream instead of read whole. kube-apiserver declares no length
 * on a list over 2 KiB (Go's net/http sends it chunked), so a list of unknown length is read up to this much first,
 * and streams only if it goes on.
 */
const STREAM_LIST_ABOVE = 1024 * 1024;
/** The most Airlock holds of one answer it must decode whole (objects are ≤ 1.5 MiB in etcd; OpenAPI is larger). */
export const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

/** Like kube-apiserver: compress only large bodies; small ones cost more to gzip than they save. */
const GZIP_THRESHOLD = 128 * 1024;

/**
 * The upstream headers passed on. Warnings carry free text an admission webhook wrote, which may quote the very values
 * it objects to (`DATABASE_URL postgres://app:…@db must not hold credentials`): they are masked like any text.
 */
export function safeResponseHeaders(
  upstream: IncomingMessage,
  maskText: (text: string) => string,
): [string, string | string[]][] {
  const kept: [string, string | string[]][] = [];
  for (const [name, value] of Object.entries(upstream.headers)) {
    if (value === undefined || !RESPONSE_HEADERS.has(name)) continue;
    kept.push([
      name,
      name !== 'warning' ? value : Array.isArray(value) ? value.map(maskText) : maskText(value),
    ]);
  }
  return kept;
}

export const mediaType = (ct: string | undefined) => (ct ?? '').split(';')[0]!.trim().toLowerCase();

function acceptsGzip(req: IncomingMessage): boolean {
  return /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
}

/** A body Airlock never asked to be encoded: it cannot be inspected, so it is never relayed. */
function isEncoded(upstream: IncomingMessage): boolean {
  const encoding = String(upstream.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  return encoding !== '' && encoding !== 'identity';
}

/** Whether the recording (or a failure's record) will store the response document. */
function keepsDocument(a: Pick<Admission, 'decision'>, status: number): boolean {
  return a.decision.recording.level === 'request-response' || status >= 300;
}

/** A finished answer ready to send: status, body and the upstream headers to keep. */
export interface MaskedAnswer {
  status: number;
  payload: Buffer;
  contentType?: string;
  /** What the session log stores (already masked). */
  recorded: Omit<RelayOutcome, 'bytesOut'>;
}

function withheld(why: string, summary: Record<string, unknown>): MaskedAnswer {
  const refusal = new StatusError('InternalError', `${why}; the response was withheld`);
  return {
    status: refusal.code,
    payload: Buffer.from(JSON.stringify(refusal.toStatus())),
    contentType: 'application/json',
    recorded: { status: refusal.code, responseBody: refusal.toStatus(), summary },
  };
}

/**
 * Masks one whole answer. JSON is decoded and masked by structure; text by detectors. JSON that does not decode and
 * binary bodies of resource requests are withheld: Airlock asked for JSON, and what it cannot inspect may hold secrets.
 * Also used for the non-101 answer to an upgrade, which is an ordinary response like any other.
 */
export function maskAnswer(
  a: Pick<Admission, 'request' | 'decision'>,
  upstream: IncomingMessage,
  raw: Buffer,
  masker: Masker,
  explain?: (status: number, document: unknown) => unknown,
): MaskedAnswer {
  const status = upstream.statusCode ?? 502;
  const type = mediaType(upstream.headers['content-type']);
  const isJson = type === 'application/json' || type.endsWith('+json');
  if (isEncoded(upstream)) {
    return withheld(
      `the cluster answered with content-encoding "${String(upstream.headers['content-encoding'])}"`,
      {
        withheldEncoding: upstream.headers['content-encoding'],
      },
    );
  }
  if (isJson && raw.length > 0 && !explain && masker.isMaskFree(raw)) {
    // Nothing to mask: relay the bytes. The document is decoded only when the session log keeps it.
    return {
      status,
      payload: raw,
      recorded: { status, ...(keepsDocument(a, status) ? { responseBody: safeJson(raw) } : {}) },
    };
  }
  if (isJson && raw.length > 0) {
    const parsed = safeJson(raw);
    if (parsed === undefined) {
      return withheld('the cluster answered with JSON Airlock cannot decode', { withheldContentType: type });
    }
    const masked = explain ? explain(status, masker.maskDocument(parsed)) : masker.maskDocument(parsed);
    const payload = a.decision.unmasked ? raw : Buffer.from(JSON.stringify(masked));
    return { status, payload, recorded: { status, responseBody: masked } };
  }
  if (raw.length === 0 || type.startsWith('text/')) {
    const text = masker.maskText(raw.toString('utf8'));
    const payload = a.decision.unmasked ? raw : Buffer.from(text);
    return { status, payload, recorded: { status, responseBody: text } };
  }
  if (a.request.info.isResourceRequest) {
    return withheld(`the cluster answered with "${type}", which Airlock cannot inspect for secrets`, {
      withheldContentType: type,
    });
  }
  // Non-resource binary bodies (e.g. OpenAPI protobuf) are API descriptions, not objects Airlock masks.
  return { status, payload: raw, recorded: { status, summary: { contentType: type, opaque: true } } };
}

async function sendAnswer(
  req: IncomingMessage,
  res: ServerResponse,
  upstream: IncomingMessage,
  answer: MaskedAnswer,
  maskText: Masker['maskText'],
): Promise<number> {
  for (const [name, value] of safeResponseHeaders(upstream, maskText)) res.setHeader(name, value);
  if (answer.contentType) res.setHeader('content-type', answer.contentType);
  let out = answer.payload;
  if (out.length >= GZIP_THRESHOLD && acceptsGzip(req)) {
    out = await gzip(out, { level: 1 });
    res.setHeader('content-encoding', 'gzip');
    res.setHeader('vary', 'Accept-Encoding');
  }
  res.setHeader('content-length', out.length);
  res.writeHead(answer.status);
  res.end(out);
  return out.length;
}

/**
 * The upstream body, ending cleanly when the cluster's connection fails instead of erroring: a watch that ends is
 * re-established by client-go (from its last resourceVersion, or by re-listing), and the masker drops the cut event.
 */
async function* untilUpstreamFails(upstream: Readable, failed: (err: Error) => void): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of upstream) yield chunk as Buffer;
  } catch (err) {
    failed(err as Error);
    // Cut by Airlock with a Status (a revoked session): the watch's last event says why, as kube-apiserver's would.
    if (isStatusError(err))
      yield Buffer.from(`\n${JSON.stringify({ type: 'ERROR', object: err.toStatus() })}\n`);
  }
}

/**
 * Relays a stream through a masking transform with backpressure both ways: a slow agent pauses the upstream, an
 * agent that leaves destroys it (releasing its socket), and an upstream failure ends the agent's response — cleanly
 * for watches, by cutting the connection otherwise, so a truncated list or log never looks complete.
 */
function relayStream(
  upstream: IncomingMessage,
  res: ServerResponse,
  masker: Transform,
  opts: { watch: boolean; gzip?: boolean; maskText: Masker['maskText'] },
): Promise<RelayOutcome> {
  const started = Date.now();
  const status = upstream.statusCode ?? 502;
  for (const [name, value] of safeResponseHeaders(upstream, opts.maskText)) res.setHeader(name, value);
  if (opts.gzip) {
    res.setHeader('content-encoding', 'gzip');
    res.setHeader('vary', 'Accept-Encoding');
  }
  res.writeHead(status);
  res.flushHeaders();
  let bytesOut = 0;
  let events = 0;
  let upstreamFailure: string | undefined;
  const gzip = opts.gzip ? createGzip({ level: 1 }) : undefined;
  (gzip ?? masker).on('data', (chunk: Buffer) => (bytesOut += chunk.length));
  if (opts.watch)
    masker.on('data', (chunk: Buffer) => {
      for (const byte of chunk) if (byte === 10) events++;
    });
  // Stream to stream where possible: an async generator costs a promise per chunk.
  const source = opts.watch
    ? untilUpstreamFails(upstream, (err) => (upstreamFailure = err.message))
    : upstream;
  return new Promise((resolve) => {
    const settled = (err: Error | null | undefined) => {
      upstream.destroy();
      const agentLeft = err !== undefined && err !== null && !res.writableFinished && res.destroyed;
      resolve({
        status,
        bytesOut,
        summary: {
          stream: true,
          ...(opts.watch ? { events } : {}),
          bytes: bytesOut,
          durationMs: Date.now() - started,
          ...(upstreamFailure ? { upstreamFailure } : {}),
          ...(err && !upstreamFailure ? { interrupted: agentLeft ? 'agent' : err.message } : {}),
        },
      });
    };
    if (gzip) pipeline(source, masker, gzip, res, settled);
    else pipeline(source, masker, res, settled);
  });
}

/**
 * Relays an upstream response to the agent with secrets masked. Which path it takes is decided by the classified
 * request (request-shape.ts): watches are masked event by event, logs line by line, large lists item by item, and
 * everything else is read whole (bounded) and masked by structure. A rule may allow unmasked reads: the agent then
 * gets the bytes as sent, and the session log still stores only the masked form.
 */
export async function relayResponse(
  a: Admission,
  upstream: IncomingMessage,
  req: IncomingMessage,
  res: ServerResponse,
  masker: Masker,
  gate: Pick<GatePass, 'explain' | 'complete'> = {},
): Promise<RelayOutcome> {
  const status = upstream.statusCode ?? 502;
  const type = mediaType(upstream.headers['content-type']);
  const isJson = type === 'application/json' || type.endsWith('+json');
  const shape = responseShape(a.request.info);
  const streamable = status === 200 && !isEncoded(upstream);
  const unmasked = a.decision.unmasked === true;

  if (streamable && (shape === 'watch' || shape === 'log')) {
    // A watch must be JSON events and a log text; anything else cannot be masked as it streams.
    const expected = shape === 'watch' ? isJson : type.startsWith('text/');
    if (!expected) {
      upstream.destroy();
      const answer = withheld(`the cluster streamed "${type}" for a ${shape}, which Airlock cannot mask`, {
        withheldContentType: type,
      });
      return { ...answer.recorded, bytesOut: await sendAnswer(req, res, upstream, answer, masker.maskText) };
    }
    const transform = unmasked
      ? new PassThrough()
      : shape === 'watch'
        ? masker.createWatchStream()
        : masker.createTextStream();
    return relayStream(upstream, res, transform, { watch: shape === 'watch', maskText: masker.maskText });
  }
  let raw: Buffer | undefined;
  if (streamable && shape === 'list' && isJson && !unmasked) {
    const length = declaredLength(upstream);
    let large = length !== undefined && length > STREAM_LIST_ABOVE;
    if (length === undefined) {
      const { head, ended } = await readUpTo(upstream, STREAM_LIST_ABOVE);
      raw = joined(head);
      if (!ended) {
        upstream.unshift(raw); // what was read goes through the stream first
        large = true;
      }
    }
    if (large) {
      const masking = masker.createListStream({ maxHeldBytes: MAX_DOCUMENT_BYTES });
      // Compressed like any large answer (and like kube-apiserver's lists) when the agent accepts it.
      return relayStream(upstream, res, masking, {
        watch: false,
        gzip: acceptsGzip(req),
        maskText: masker.maskText,
      });
    }
  }

  try {
    raw ??= await readBounded(upstream, MAX_DOCUMENT_BYTES);
  } catch (err) {
    if (!(err instanceof ResponseTooLarge)) throw err;
    const answer = withheld(err.message, { withheldBytes: err.limit });
    return { ...answer.recorded, bytesOut: await sendAnswer(req, res, upstream, answer, masker.maskText) };
  }
  const answer = maskAnswer(a, upstream, raw, masker, gate.explain);
  // A buffered answer is reported to the review before the agent gets it, so the review's outcome is stored by the
  // time the agent can look. Streams report when they end.
  await gate.complete?.(answer.recorded);
  return { ...answer.recorded, bytesOut: await sendAnswer(req, res, upstream, answer, masker.maskText) };
}

function declaredLength(upstream: IncomingMessage): number | undefined {
  const length = Number(upstream.headers['content-length'] ?? NaN);
  return Number.isFinite(length) ? length : undefined;
}

function safeJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}
