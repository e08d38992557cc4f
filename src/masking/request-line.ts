import type { ClassifiedRequest, RequestInfo } from '../kube/request-info.js';
import { MASKED_TEXT } from './placeholder.js';

/**
 * A request as it is recorded, logged and shown to reviewers: detectors run on its path (a proxy subpath or a name is
 * whatever the agent typed) and on its query (`maskQuery`). The cluster still gets the request as sent. Returns the
 * same object when nothing changes.
 *
 * The named parts (namespace, name, …) are stored and shown on their own, so each must be masked as its source was:
 * a part is kept only where it survives whole in the masked path (a segment) or, for a name taken from a
 * `metadata.name=` field selector, in the masked selector. Anything else (a value the detectors matched across a `/`:
 * base64 holds slashes) is masked on its own or replaced by the placeholder.
 */
export function maskRequestLine(
  request: ClassifiedRequest,
  maskText: (text: string) => string,
  maskQuery: (query: URLSearchParams) => URLSearchParams,
): ClassifiedRequest {
  const path = maskText(request.path);
  const query = maskQuery(request.query);
  if (path === request.path && query === request.query) return request;

  const { info } = request;
  const kept = keptWholeIn(path);
  const fieldSelector = info.fieldSelector === undefined ? undefined : maskText(info.fieldSelector);
  const labelSelector = info.labelSelector === undefined ? undefined : maskText(info.labelSelector);
  const part = (value: string) => (kept(value) ? value : maskedAlone(value, maskText));
  const name =
    kept(info.name) || fieldSelector?.includes(`=${info.name}`)
      ? info.name
      : maskedAlone(info.name, maskText);
  const masked: RequestInfo = {
    ...info,
    namespace: part(info.namespace),
    resource: part(info.resource),
    subresource: part(info.subresource),
    name,
    parts: info.parts.map(part),
    ...(fieldSelector === undefined ? {} : { fieldSelector }),
    ...(labelSelector === undefined ? {} : { labelSelector }),
  };
  return { ...request, path, query, info: masked };
}

/** Whether a part of a request (a name, a namespace, …) survives whole in its masked path: empty, or one of its segments. */
export function keptWholeIn(maskedPath: string): (part: string) => boolean {
  const segments = new Set(maskedPath.split('/'));
  return (part) => part === '' || segments.has(part);
}

function maskedAlone(value: string, maskText: (text: string) => string): string {
  const masked = maskText(value);
  return masked !== value ? masked : MASKED_TEXT;
}
