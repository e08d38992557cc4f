import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough, type Transform } from 'node:stream';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { StatusError } from '../kube/status.js';
import type { Masker } from '../masking/index.js';
import type { Admission } from './admission.js';
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
/** Lists above this (or of unknown length) are masked item by item as they stream instead of decoded whole. */
const STREAM_LIST_ABOVE = 1024 * 1024;

function isLarge(upstream: IncomingMessage): boolean {
  const length = Number(upstream.headers['content-length'] ?? NaN);
  return !Number.isFinite(length) || length > STREAM_LIST_ABOVE;
}

/** Like kube-apiserver: compress only large bodies; small ones cost more to gzip than they save. */
const GZIP_THRESHOLD = 128 * 1024;

function copyHeaders(upstream: IncomingMessage, res: ServerResponse): void {
  for (const [name, value] of Object.entries(upstream.headers)) {
    if (value !== undefined && RESPONSE_HEADERS.has(name)) res.setHeader(name, value);
  }
}

const mediaType = (ct: string | undefined) => (ct ?? '').split(';')[0]!.trim().toLowerCase();

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
    stream.on('aborted', () => reject(new Error('upstream aborted the response')));
  });
}

function acceptsGzip(req: IncomingMessage): boolean {
  return /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
}

async function sendBuffered(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  payload: Buffer,
): Promise<number> {
  let out = payload;
  if (payload.length >= GZIP_THRESHOLD && acceptsGzip(req)) {
    out = await gzip(payload, { level: 1 });
    res.setHeader('content-encoding', 'gzip');
    res.setHeader('vary', 'Accept-Encoding');
  }
  res.setHeader('content-length', out.length);
  res.writeHead(status);
  res.end(out);
  return out.length;
}

/** Streams (watch, followed logs) go through a masking transform as they arrive; the stream is never buffered whole. */
function relayStream(
  upstream: IncomingMessage,
  res: ServerResponse,
  masker: Transform,
  countEvents: boolean,
): Promise<RelayOutcome> {
  const started = Date.now();
  res.removeHeader('content-length');
  res.writeHead(upstream.statusCode ?? 502);
  res.flushHeaders();
  let bytesOut = 0;
  let events = 0;
  return new Promise((resolve) => {
    const finish = () => {
      upstream.destroy();
      masker.destroy();
      resolve({
        status: upstream.statusCode ?? 502,
        bytesOut,
        summary: {
          stream: true,
          ...(countEvents ? { events } : {}),
          bytes: bytesOut,
          durationMs: Date.now() - started,
        },
      });
    };
    masker.on('data', (chunk: Buffer) => {
      bytesOut += chunk.length;
      if (countEvents) for (const byte of chunk) if (byte === 10) events++;
      res.write(chunk);
    });
    masker.on('end', () => {
      res.end();
      finish();
    });
    masker.on('error', () => {
      res.destroy();
      finish();
    });
    upstream.on('error', () => masker.destroy());
    // Whether the agent went away or Airlock ended the stream (shutdown), the upstream watch is released at once:
    // it holds a pooled socket.
    res.on('close', finish);
    upstream.pipe(masker);
  });
}

/**
 * Relays an upstream response to the agent with secrets masked: JSON documents are decoded, masked and
 * re-encoded; watch streams and followed logs are masked event by event; other text is masked by detectors.
 * A rule may allow unmasked reads, in which case the body is passed through untouched (still counted, and
 * masked for the recording).
 */
export async function relayResponse(
  a: Admission,
  upstream: IncomingMessage,
  req: IncomingMessage,
  res: ServerResponse,
  masker: Masker,
  gate: Pick<GatePass, 'explain' | 'complete'> = {},
): Promise<RelayOutcome> {
  const explain = gate.explain ?? ((_status: number, document: unknown) => document);
  /** A buffered answer is reported to the review before the agent gets it, so the review's outcome is stored
   * by the time the agent can look. Streams report when they end. */
  const answer = async (
    status: number,
    payload: Buffer,
    outcome: Omit<RelayOutcome, 'bytesOut'>,
  ): Promise<RelayOutcome> => {
    await gate.complete?.(outcome);
    return { ...outcome, bytesOut: await sendBuffered(req, res, status, payload) };
  };
  const status = upstream.statusCode ?? 502;
  copyHeaders(upstream, res);
  const type = mediaType(upstream.headers['content-type']);
  const isJson = type === 'application/json' || type.endsWith('+json');
  const streaming = a.request.info.verb === 'watch' || a.request.query.get('follow') === 'true';

  if (a.decision.unmasked) {
    if (streaming) {
      return relayStream(upstream, res, new PassThrough(), a.request.info.verb === 'watch');
    }
    const raw = await readAll(upstream);
    return answer(status, raw, { status, responseBody: maskedForRecording(raw, isJson, masker) });
  }
  if (streaming) {
    return relayStream(
      upstream,
      res,
      isJson ? masker.createWatchStream() : masker.createTextStream(),
      a.request.info.verb === 'watch',
    );
  }

  if (isJson && a.request.info.verb === 'list' && isLarge(upstream)) {
    return relayStream(upstream, res, masker.createListStream(), false);
  }

  const raw = await readAll(upstream);
  if (isJson) {
    const parsed = safeJson(raw);
    if (parsed !== undefined) {
      const masked = explain(status, masker.maskDocument(parsed));
      return answer(status, Buffer.from(JSON.stringify(masked)), { status, responseBody: masked });
    }
  }
  if (raw.length === 0 || type.startsWith('text/') || isJson) {
    const text = masker.maskText(raw.toString('utf8'));
    return answer(status, Buffer.from(text), { status, responseBody: text });
  }
  if (a.request.info.isResourceRequest) {
    // Airlock asked for JSON; an object it cannot decode might carry secrets, so it never reaches the agent.
    const refusal = new StatusError(
      'InternalError',
      `the cluster answered with "${type}", which Airlock cannot inspect for secrets; the response was withheld`,
    );
    res.setHeader('content-type', 'application/json');
    const bytesOut = await sendBuffered(
      req,
      res,
      refusal.code,
      Buffer.from(JSON.stringify(refusal.toStatus())),
    );
    return { status: refusal.code, bytesOut, summary: { withheldContentType: type } };
  }
  // Non-resource binary bodies (e.g. OpenAPI protobuf) are API descriptions, not objects Airlock masks.
  return answer(status, raw, { status, summary: { contentType: type, opaque: true } });
}

/** Unmasking is for the agent's eyes only: the session log never stores a secret value. */
function maskedForRecording(raw: Buffer, isJson: boolean, masker: Masker): unknown {
  if (!isJson) return masker.maskText(raw.toString('utf8'));
  const parsed = safeJson(raw);
  return parsed === undefined ? undefined : masker.maskDocument(parsed);
}

function safeJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}
