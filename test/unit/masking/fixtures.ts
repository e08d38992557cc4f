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
