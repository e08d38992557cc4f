import { pointerSegments } from '../kube/json-patch.js';
import { MASKED_TEXT } from './placeholder.js';

/**
 * Request bodies often carry no `kind`: a merge patch `{"data":{"password":"…"}}` to a Secret, a JSON-patch op list.
 * Their kind is implied by the URL, so masking them needs the target resource. Only the kinds that masking rules
 * name are listed; anything else is masked as a plain document (detectors still apply).
 */
const KIND_OF_RESOURCE: Record<string, string> = {
  '/secrets': 'Secret',
  '/configmaps': 'ConfigMap',
  '/pods': 'Pod',
  '/serviceaccounts/token': 'TokenRequest',
  'authentication.k8s.io/tokenreviews': 'TokenReview',
  'apps/deployments': 'Deployment',
  'apps/statefulsets': 'StatefulSet',
  'apps/daemonsets': 'DaemonSet',
  'apps/replicasets': 'ReplicaSet',
  'batch/jobs': 'Job',
  'batch/cronjobs': 'CronJob',
};

export interface RequestTarget {
  apiGroup: string;
  resource: string;
  subresource: string;
}

export function impliedKind(target: RequestTarget): string | undefined {
  const sub = target.subresource ? `/${target.subresource}` : '';
  return KIND_OF_RESOURCE[`${target.apiGroup}/${target.resource}${sub}`];
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every leaf of a JSON-patch value replaced: for a Secret, any value an op writes is secret material. */
function maskAllLeaves(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskAllLeaves);
  if (isRecord(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskAllLeaves(v)]));
  return value === null ? null : MASKED_TEXT;
}

/** Deeper pointers name no field of a Kubernetes object; their values are masked whole instead (and stay clear of
 *  the recursive masker's limits). */
const MAX_POINTER_SEGMENTS = 64;
const ARRAY_INDEX = /^(?:0|[1-9][0-9]*|-)$/;

/**
 * A JSON-patch op's value masked as the field its path names (`/data/DB_PASSWORD` in a ConfigMap meets the
 * configured field rules; `/spec/containers/0/env/-` meets the credential env names). `maskObject` masks an object
 * that replaces the whole target. A path Airlock cannot place has its value masked whole.
 */
function maskAtPointer(
  path: unknown,
  value: unknown,
  kind: string | undefined,
  maskDocument: (doc: unknown) => unknown,
  maskObject: (object: Record<string, unknown>) => unknown,
): unknown {
  const segments = typeof path === 'string' ? pointerSegments(path) : undefined;
  if (segments === undefined || segments.length > MAX_POINTER_SEGMENTS) return maskAllLeaves(value);
  if (segments.length === 0) return isRecord(value) ? maskObject(value) : maskDocument(value);
  // Built inside out; below the object's root, array indexes (and `-`) become one-item arrays.
  let doc: unknown = value;
  for (let i = segments.length - 1; i >= 0; i--) {
    const segment = segments[i]!;
    doc = i > 0 && ARRAY_INDEX.test(segment) ? [doc] : { [segment]: doc };
  }
  let masked = maskDocument(kind ? { kind, ...(doc as Record<string, unknown>) } : doc);
  for (const segment of segments) {
    masked = Array.isArray(masked) ? masked[0] : isRecord(masked) ? masked[segment] : undefined;
  }
  return masked;
}

/**
 * Masks an agent's request body (object, patch or JSON-patch op list) as the object its URL targets.
 * Pure; `maskDocument` is the masker's own.
 */
export function maskRequestBody(
  body: unknown,
  target: RequestTarget,
  maskDocument: (doc: unknown) => unknown,
): unknown {
  const kind = impliedKind(target);
  if (Array.isArray(body)) {
    return body.map((op) => {
      if (!isRecord(op) || !('value' in op)) return op;
      const value =
        kind === 'Secret' || kind === 'TokenRequest' || kind === 'TokenReview'
          ? maskAllLeaves(op.value)
          : maskAtPointer(op.path, op.value, kind, maskDocument, (object) =>
              maskRequestBody(object, target, maskDocument),
            );
      return { ...op, value };
    });
  }
  if (!isRecord(body) || !kind) return maskDocument(body);
  // The URL decides what is stored: a body claiming another kind ("secret", "ConfigMap" sent to …/secrets) is
  // masked as the URL's kind, and as its own kind too, since what it claims is all masking can know of it.
  const { kind: _implied, ...masked } = maskDocument({ ...body, kind }) as Record<string, unknown>;
  if (!('kind' in body)) return masked;
  return maskDocument({ ...masked, kind: body.kind });
}
