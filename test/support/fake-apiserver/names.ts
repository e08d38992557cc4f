/** Generated name suffixes, in the alphabet kube-apiserver uses (no vowels, no look-alike digits). */
import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

const encode = (bytes: Uint8Array, length: number): string =>
  Array.from(bytes.subarray(0, length), (b) => ALPHABET[b % ALPHABET.length]).join('');

/** Five random characters, as for `generateName` and ReplicaSet pods. */
export const randomSuffix = (): string => encode(randomBytes(5), 5);

/** A stable ten-character hash, as in the `pod-template-hash` label. */
export const stableHash = (text: string): string => encode(createHash('sha256').update(text).digest(), 10);
