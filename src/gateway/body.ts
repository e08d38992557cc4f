import type { IncomingMessage } from 'node:http';
import { StatusError } from '../kube/status.js';
import { joined } from '../kube/transport.js';

/**
 * Buffers an agent's request body up to `limit` bytes. Bodies are small (kube-apiserver caps them at 3 MiB) and
 * must be inspected whole: classification of DELETE, the write-back guard and review fingerprints all read them.
 * An upload that stalls for `idleTimeoutMs` is cut (408): a stalled body would otherwise hold memory and a slot forever.
 */
export function readBody(
  req: IncomingMessage,
  opts: { limit: number; idleTimeoutMs: number },
): Promise<Buffer> {
  const { limit } = opts;
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let idle: NodeJS.Timeout | undefined;
    const stop = (err?: Error) => {
      clearTimeout(idle);
      req.removeListener('data', onData);
      if (err) {
        req.resume(); // drain (and discard) what still arrives, so the Status can be answered
        reject(err);
      }
    };
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => stop(stalled(opts.idleTimeoutMs)), opts.idleTimeoutMs);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return stop(tooLarge(limit));
      chunks.push(chunk);
      arm();
    };
    arm();
    req.on('data', onData);
    req.once('end', () => {
      stop();
      resolve(joined(chunks));
    });
    req.once('error', (err) => stop(err));
    req.once('close', () => {
      if (!req.complete) stop(new Error('the agent closed the connection during the upload'));
    });
  });
}

function tooLarge(limit: number): StatusError {
  return new StatusError(
    'RequestEntityTooLarge',
    `request body is larger than Airlock's limit of ${limit} bytes; split the change into smaller objects`,
  );
}

function stalled(ms: number): StatusError {
  return new StatusError(
    'Timeout',
    `the request body stalled: nothing arrived for ${ms / 1000} s; send the body without pauses`,
    undefined,
    408,
  );
}
