/** Builders and canaries shared by the masking tests. A canary is a value that must never survive masking. */
import type { Transform } from 'node:stream';
import { LAST_APPLIED_ANNOTATION } from '../../../src/masking/document.js';

export const CANARY = 'canary-s3cr3t-value-7f1c';
export const CANARY_BASE64 = Buffer.from(CANARY).toString('base64');

export const b64 = (text: string): string => Buffer.from(text).toString('base64');

export function secret(
  name: string,
  options: { namespace?: string; withKind?: boolean; lastApplied?: boolean } = {},
): Record<string, unknown> {
  const { namespace = 'default', withKind = true, lastApplied = false } = options;
  const manifest = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'Opaque',
    data: { password: CANARY_BASE64 },
    stringData: { token: CANARY },
  };
  return {
    ...(withKind ? { apiVersion: 'v1', kind: 'Secret' } : {}),
    metadata: {
      name,
      namespace,
      uid: '0b5c9d2e-4f1a-4c61-9a57-3e2f8d6b1a90',
      resourceVersion: '4711',
      ...(lastApplied ? { annotations: { [LAST_APPLIED_ANNOTATION]: `${JSON.stringify(manifest)}\n` } } : {}),
    },
    type: 'Opaque',
    data: { password: CANARY_BASE64, 'tls.crt': CANARY_BASE64 },
  };
}

/** Deep-freezes a document so any mutation by the masker throws (ESM is strict mode). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Writes the chunks through a transform and collects every output chunk separately. */
export async function runThrough(stream: Transform, chunks: readonly Buffer[]): Promise<Buffer[]> {
  const output: Buffer[] = [];
  const finished = new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => output.push(chunk));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  await finished;
  return output;
}

/** The input cut into two chunks at every byte offset, plus once into single bytes. */
export function everySplit(input: Buffer): Buffer[][] {
  const splits: Buffer[][] = [];
  for (let at = 1; at < input.length; at += 1) splits.push([input.subarray(0, at), input.subarray(at)]);
  splits.push([...input].map((byte) => Buffer.from([byte])));
  return splits;
}

/**
 * A seeded generator of random JSON values (strings, numbers, booleans, null, nested arrays and objects up to depth
 * 4): strings are runs of `pieces`, object keys runs of `keyPieces`. For tests that split or mask arbitrary JSON.
 */
export function randomJson(
  seed: number,
  pieces: readonly string[],
  keyPieces: readonly string[] = pieces,
): () => unknown {
  let state = seed;
  const random = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const text = (from: readonly string[]) =>
    Array.from({ length: Math.floor(random() * 14) }, () => from[Math.floor(random() * from.length)]).join(
      '',
    );
  const value = (depth: number): unknown => {
    const pick = random();
    if (depth > 3 || pick < 0.3) return text(pieces);
    if (pick < 0.4) return Math.floor(random() * 2000) - 1000;
    if (pick < 0.45) return random() < 0.5;
    if (pick < 0.5) return null;
    if (pick < 0.75) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
    return Object.fromEntries(
      Array.from({ length: Math.floor(random() * 4) }, () => [text(keyPieces), value(depth + 1)]),
    );
  };
  return () => Array.from({ length: Math.floor(random() * 30) }, () => value(0));
}

/** A deterministic pseudo-random text of `length` characters drawn from `alphabet`. */
export function randomLetters(seed: number, length: number, alphabet: string): string {
  let state = seed;
  let text = '';
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    text += alphabet[state % alphabet.length];
  }
  return text;
}
