/** Resource URL parsing, following kube-apiserver's RequestInfo algorithm for the routes the fake serves. */
import { findResource, findSubresource, type ResourceType, type SubresourceType } from './catalog.js';
import { pathNotFound } from './errors.js';

export interface ResourceTarget {
  rt: ResourceType;
  /** Undefined for cluster-scoped resources and all-namespace lists. */
  namespace: string | undefined;
  name: string | undefined;
  subresource: SubresourceType | undefined;
  /** The deprecated `/watch/` path prefix. */
  watchPrefix: boolean;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw pathNotFound();
  }
}

/** A resource request target, or undefined for non-resource paths (discovery, /version, …). */
export function parseResourcePath(path: string): ResourceTarget | undefined {
  const segments = path.replace(/\/+$/, '').split('/').slice(1).map(decodeSegment);
  const [prefix, ...afterPrefix] = segments;
  if (prefix !== 'api' && prefix !== 'apis') return undefined;
  const group = prefix === 'apis' ? (afterPrefix.shift() ?? '') : '';
  const [version, ...parts] = afterPrefix;
  if (version === undefined || parts.length === 0) return undefined;

  const watchPrefix = parts[0] === 'watch';
  if (watchPrefix) parts.shift();
  let namespace: string | undefined;
  if (parts[0] === 'namespaces' && parts.length >= 3 && parts[2] !== 'status' && parts[2] !== 'finalize') {
    namespace = parts[1];
    parts.splice(0, 2);
  }
  const [resource = '', name, subresourceName, ...extra] = parts;
  const rt = findResource(group, version, resource);
  if (!rt || extra.length > 0) throw pathNotFound();
  if (namespace !== undefined && !rt.namespaced) throw pathNotFound();
  if (rt.namespaced && namespace === undefined && name !== undefined) throw pathNotFound();
  const subresource = subresourceName === undefined ? undefined : findSubresource(rt, subresourceName);
  if ((subresourceName !== undefined && !subresource) || (watchPrefix && subresource)) throw pathNotFound();
  return { rt, namespace, name, subresource, watchPrefix };
}
