/**
 * Pins an approved request to the object version its preview saw, so that if the object changed in between
 * the API server answers 409 Conflict instead of applying a change nobody reviewed
 * (`metadata.resourceVersion` for updates and patches, `preconditions` for deletes).
 */
import type { ExecutionPin } from './model.js';

export interface PinnableRequest {
  method: string;
  contentType: string;
  body: Buffer;
}

/** The request cannot carry the pin; executing it unpinned would not fail closed. */
export class PinError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PinError';
  }
}

const JSON_PATCH = 'application/json-patch+json';

export function pinRequest(request: PinnableRequest, pin: ExecutionPin | undefined): PinnableRequest {
  const method = request.method.toUpperCase();
  if (!pin || (pin.resourceVersion === undefined && pin.uid === undefined)) return request;
  if (method === 'DELETE') return pinDelete(request, pin);
  if ((method === 'PUT' || method === 'PATCH') && pin.resourceVersion !== undefined) {
    return pinUpdate(request, pin.resourceVersion);
  }
  // Creates have no live object to pin to; anything else carries no object version.
  return request;
}

function pinDelete(request: PinnableRequest, pin: ExecutionPin): PinnableRequest {
  const options = request.body.length === 0 ? {} : parseJsonObject(request);
  const existing = isObject(options.preconditions) ? options.preconditions : {};
  // The agent's own preconditions win: if they disagree with the preview, the delete must fail anyway.
  const preconditions = { ...pin, ...existing };
  return {
    method: request.method,
    contentType: request.contentType || 'application/json',
    body: Buffer.from(JSON.stringify({ ...options, preconditions })),
  };
}

function pinUpdate(request: PinnableRequest, resourceVersion: string): PinnableRequest {
  const mediaType = (request.contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (mediaType === JSON_PATCH) {
    const ops: unknown = parseJson(request);
    if (!Array.isArray(ops)) throw new PinError('a JSON patch body must be an array of operations');
    const test = { op: 'test', path: '/metadata/resourceVersion', value: resourceVersion };
    return { ...request, body: Buffer.from(JSON.stringify([test, ...ops])) };
  }
  const object = parseJsonObject(request);
  const metadata = isObject(object.metadata) ? object.metadata : {};
  if (metadata.resourceVersion !== undefined) return request; // already pinned by the agent (kubectl replace)
  return {
    ...request,
    body: Buffer.from(JSON.stringify({ ...object, metadata: { ...metadata, resourceVersion } })),
  };
}

function parseJson(request: PinnableRequest): unknown {
  try {
    return JSON.parse(request.body.toString('utf8')) as unknown;
  } catch {
    // YAML is not converted: YAML 1.1 (the API server) and 1.2 (our parser) disagree on scalars like `yes`.
    throw new PinError(
      `a ${request.contentType || 'body'} that is not JSON cannot be pinned to a resourceVersion`,
    );
  }
}

function parseJsonObject(request: PinnableRequest): Record<string, unknown> {
  const value = parseJson(request);
  if (!isObject(value)) throw new PinError('the request body must be a JSON object to be pinned');
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
