import { parse as parseYaml } from 'yaml';
import type { ClassifiedRequest } from './request-info.js';
import { StatusError } from './status.js';

/** The live object version a reviewer saw. */
export interface ObjectPin {
  resourceVersion?: string;
  uid?: string;
  /** The object did not exist when reviewed: a delete must not remove one that appeared since. */
  absent?: true;
}

/** No object ever has this uid, so as a delete precondition it fails (409) whenever the object exists. */
const NO_OBJECT_UID = '00000000-0000-0000-0000-000000000000';

export interface PinnedRequest {
  body: Buffer;
  contentType: string;
}

const mediaType = (ct: string) => ct.split(';')[0]!.trim().toLowerCase();

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** An approved request that cannot be pinned is not sent: unpinned, it could overwrite a change nobody reviewed. */
function unpinnable(why: string): StatusError {
  return new StatusError(
    'Conflict',
    `the approved request cannot be pinned to the reviewed object version (${why}), so it was not sent`,
  );
}

function parseOrRefuse(body: Buffer, contentType: string): unknown {
  const text = body.toString('utf8');
  try {
    return mediaType(contentType).endsWith('yaml') ? parseYaml(text) : JSON.parse(text);
  } catch {
    throw unpinnable('the body could not be parsed');
  }
}

function withResourceVersion(doc: Record<string, unknown>, resourceVersion: string): Record<string, unknown> {
  const metadata = (doc.metadata ?? {}) as Record<string, unknown>;
  return { ...doc, metadata: { ...metadata, resourceVersion } };
}

/**
 * Pins an approved request to the object version its preview saw, so a change in between fails with 409 Conflict
 * instead of silently applying something nobody reviewed: `metadata.resourceVersion` for updates and patches
 * (a leading `test` op for JSON patches), DeleteOptions `preconditions` for deletes. Creates need no pin
 * (an object appearing in between makes the create fail with AlreadyExists). Pure; throws a Conflict StatusError
 * when a pinned request cannot be pinned.
 */
export function pinRequest(
  request: ClassifiedRequest,
  body: Buffer,
  contentType: string,
  pin: ObjectPin | undefined,
): PinnedRequest {
  const unchanged = { body, contentType };
  if (!pin?.resourceVersion && !pin?.uid && !pin?.absent) return unchanged;
  const verb = request.info.verb;

  if (verb === 'delete') {
    // A non-empty DELETE body makes kube-apiserver ignore query options, so the effective options move into it.
    // The agent's own preconditions win: a delete it expected to fail must not succeed because of the pin.
    const options = {
      ...request.deleteOptions,
      preconditions: {
        ...(pin.absent ? { uid: NO_OBJECT_UID } : {}),
        ...(pin.uid ? { uid: pin.uid } : {}),
        ...(pin.resourceVersion ? { resourceVersion: pin.resourceVersion } : {}),
        ...request.deleteOptions?.preconditions,
      },
    };
    return {
      body: Buffer.from(JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', ...options })),
      contentType: 'application/json',
    };
  }
  if ((verb !== 'update' && verb !== 'patch') || !pin.resourceVersion) return unchanged;

  if (mediaType(contentType) === 'application/json-patch+json') {
    const ops = parseOrRefuse(body, contentType);
    if (!Array.isArray(ops)) throw unpinnable('a JSON patch must be a list of operations');
    const test = { op: 'test', path: '/metadata/resourceVersion', value: pin.resourceVersion };
    return { body: Buffer.from(JSON.stringify([test, ...ops])), contentType };
  }
  const doc = parseOrRefuse(body, contentType);
  if (!isObject(doc)) throw unpinnable('the body is not an object');
  const pinnedType =
    mediaType(contentType) === 'application/apply-patch+yaml' ? 'application/apply-patch+yaml' : contentType;
  return {
    body: Buffer.from(JSON.stringify(withResourceVersion(doc, pin.resourceVersion))),
    contentType: pinnedType,
  };
}
