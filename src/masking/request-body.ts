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

/**
 * Masks an agent's request body (object, patch or JSON-patch op list) as the object its URL targets.
 * Pure; `maskDocument` and `maskText` are the masker's own.
 */
export function maskRequestBody(
  body: unknown,
  target: RequestTarget,
  maskDocument: (doc: unknown) => unknown,
  maskText: (text: string) => string,
): unknown {
  const kind = impliedKind(target);
  if (Array.isArray(body)) {
    return body.map((op) => {
      if (!isRecord(op) || !('value' in op)) return op;
      const value =
        kind === 'Secret' || kind === 'TokenRequest' || kind === 'TokenReview'
          ? maskAllLeaves(op.value)
          : typeof op.value === 'string'
            ? maskText(op.value)
            : maskDocument(op.value);
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
