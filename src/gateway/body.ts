import type { IncomingMessage } from 'node:http';
import { StatusError } from '../kube/status.js';

/**
 * Buffers an agent's request body up to `limit` bytes. Bodies are small (kube-apiserver caps them at 3 MiB) and
 * must be inspected whole: classification of DELETE, the write-back guard and review fingerprints all read them.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function tooLarge(limit: number): StatusError {
  return new StatusError(
    'RequestEntityTooLarge',
    `request body is larger than Airlock's limit of ${limit} bytes; split the change into smaller objects`,
  );
}
