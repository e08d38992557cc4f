import { parse as parseYaml } from 'yaml';
import type { ClassifiedRequest } from './request-info.js';

/** The live object version a reviewer saw. */
export interface ObjectPin {
  resourceVersion?: string;
  uid?: string;
}

export interface PinnedRequest {
  body: Buffer;
  contentType: string;
}

const mediaType = (ct: string) => ct.split(';')[0]!.trim().toLowerCase();

function parseDocument(body: Buffer, contentType: string): Record<string, unknown> | undefined {
  const text = body.toString('utf8');
  const value: unknown = mediaType(contentType).endsWith('yaml') ? parseYaml(text) : JSON.parse(text);
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function withResourceVersion(doc: Record<string, unknown>, resourceVersion: string): Record<string, unknown> {
  const metadata = (doc.metadata ?? {}) as Record<string, unknown>;
  return { ...doc, metadata: { ...metadata, resourceVersion } };
}

/**
 * Pins an approved request to the object version its preview saw, so a change in between fails with 409 Conflict
 * instead of silently applying something nobody reviewed: `metadata.resourceVersion` for updates and patches
 * (a leading `test` op for JSON patches), DeleteOptions `preconditions` for deletes. Creates need no pin
 * (an object appearing in between makes the create fail with AlreadyExists). Pure.
 */
export function pinRequest(
  request: ClassifiedRequest,
  body: Buffer,
  contentType: string,
  pin: ObjectPin | undefined,
): PinnedRequest {
  const unchanged = { body, contentType };
  if (!pin?.resourceVersion && !pin?.uid) return unchanged;
  const verb = request.info.verb;

  if (verb === 'delete') {
    // A non-empty DELETE body makes kube-apiserver ignore query options, so the effective options move into it.
    const options = {
      ...request.deleteOptions,
      preconditions: {
        ...(pin.uid ? { uid: pin.uid } : {}),
        ...(pin.resourceVersion ? { resourceVersion: pin.resourceVersion } : {}),
      },
    };
    return {
      body: Buffer.from(JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', ...options })),
      contentType: 'application/json',
    };
  }
  if ((verb !== 'update' && verb !== 'patch') || !pin.resourceVersion || body.length === 0) return unchanged;

  if (mediaType(contentType) === 'application/json-patch+json') {
    const ops: unknown = JSON.parse(body.toString('utf8'));
    if (!Array.isArray(ops)) return unchanged;
    const test = { op: 'test', path: '/metadata/resourceVersion', value: pin.resourceVersion };
    return { body: Buffer.from(JSON.stringify([test, ...ops])), contentType };
  }
  const doc = parseDocument(body, contentType);
  if (!doc) return unchanged;
  const pinnedType =
    mediaType(contentType) === 'application/apply-patch+yaml' ? 'application/apply-patch+yaml' : contentType;
  return {
    body: Buffer.from(JSON.stringify(withResourceVersion(doc, pin.resourceVersion))),
    contentType: pinnedType,
  };
}
