/** What a reviewer does not need to see: fields the server maintains, which change on every write. */
import { cloneJson, isRecord } from './json.js';

/** Mirrors the whole applied manifest as one JSON string: the diff of the object itself already shows the change. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

const SERVER_MAINTAINED_METADATA = [
  'managedFields',
  'resourceVersion',
  'generation',
  'uid',
  'creationTimestamp',
  'selfLink',
] as const;

export interface NoiseOptions {
  /** Keep `status`: the request writes to the `/status` subresource, so status is the change. */
  keepStatus: boolean;
}

/** A copy of `object` without server-maintained noise; non-objects are returned as they are. */
export function withoutNoise(object: unknown, { keepStatus }: NoiseOptions): unknown {
  if (!isRecord(object)) return object;
  const copy = cloneJson(object);
  if (!keepStatus) delete copy.status;
  const metadata = copy.metadata;
  if (!isRecord(metadata)) return copy;
  for (const field of SERVER_MAINTAINED_METADATA) delete metadata[field];
  const annotations = metadata.annotations;
  if (isRecord(annotations)) {
    delete annotations[LAST_APPLIED_ANNOTATION];
    if (Object.keys(annotations).length === 0) delete metadata.annotations;
  }
  return copy;
}
