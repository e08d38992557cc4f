/**
 * What a deletion takes with it: the objects owned (transitively, via ownerReferences) by the deleted object,
 * a namespace's contents, or the objects a deletecollection selector matches.
 */
import type { ClassifiedRequest } from '../kube/request-info.js';
import { isRecord, valueAt } from './json.js';
import type { PreviewUpstream } from './upstream-client.js';

/** A listed object, as far as ownership needs it. */
export interface ListedObject {
  /** `replicasets.apps/web-7d9f`, for display. */
  ref: string;
  uid: string;
  ownerUids: string[];
}

export interface DeleteImpact {
  total: number;
  /** A few of the objects, for display. */
  sample: string[];
  /** Collections that could not be listed, with why: the total leaves them out. */
  uncounted: string[];
}

interface Collection {
  /** `/api/v1` or `/apis/<group>/<version>`. */
  prefix: string;
  resource: string;
  group: string;
}

const core = (resource: string): Collection => ({ prefix: '/api/v1', resource, group: '' });
const apps = (resource: string): Collection => ({ prefix: '/apis/apps/v1', resource, group: 'apps' });
const rbac = (resource: string): Collection => ({
  prefix: '/apis/rbac.authorization.k8s.io/v1',
  resource,
  group: 'rbac.authorization.k8s.io',
});

/** Where owned objects of workloads live. */
const DEPENDENT_COLLECTIONS = [apps('replicasets'), core('pods')];
/** Namespaced types every cluster serves (and the test API server too): what a namespace deletion is counted over. */
const NAMESPACE_MEMBER_COLLECTIONS = [
  core('pods'),
  core('services'),
  core('configmaps'),
  core('secrets'),
  core('serviceaccounts'),
  apps('deployments'),
  apps('replicasets'),
  rbac('roles'),
  rbac('rolebindings'),
];
const SAMPLE_SIZE = 10;
const LIST_LIMIT = 500;

/** Everything reachable from `rootUid` through ownerReferences, each object once. */
export function ownedClosure(rootUid: string, candidates: readonly ListedObject[]): ListedObject[] {
  const owners = new Set([rootUid]);
  const owned: ListedObject[] = [];
  let grew = true;
  while (grew) {
    grew = false;
    for (const candidate of candidates) {
      if (owners.has(candidate.uid) || !candidate.ownerUids.some((uid) => owners.has(uid))) continue;
      owners.add(candidate.uid);
      owned.push(candidate);
      grew = true;
    }
  }
  return owned;
}

const qualified = (c: Collection): string => (c.group ? `${c.resource}.${c.group}` : c.resource);

function arrayAt(value: unknown, path: string[]): unknown[] {
  const found = valueAt(value, path);
  return Array.isArray(found) ? found : [];
}

function listedObjects(collection: Collection, list: unknown): ListedObject[] {
  return arrayAt(list, ['items'])
    .filter(isRecord)
    .map((item) => ({
      ref: `${qualified(collection)}/${String(valueAt(item, ['metadata', 'name']) ?? '?')}`,
      uid: String(valueAt(item, ['metadata', 'uid']) ?? ''),
      ownerUids: arrayAt(item, ['metadata', 'ownerReferences'])
        .map((ref) => valueAt(ref, ['uid']))
        .filter((uid): uid is string => typeof uid === 'string'),
    }));
}

interface Listing {
  objects: ListedObject[];
  /** Items beyond the page the server reported (`remainingItemCount`). */
  remaining: number;
  failure?: string;
}

async function list(
  upstream: PreviewUpstream,
  collection: Collection,
  path: string,
  query: URLSearchParams,
): Promise<Listing> {
  const paged = new URLSearchParams(query);
  paged.set('limit', String(LIST_LIMIT));
  try {
    const answer = await upstream.get(path, paged);
    if (answer.status !== 200)
      return { objects: [], remaining: 0, failure: `${qualified(collection)} (HTTP ${answer.status})` };
    const remaining = valueAt(answer.body, ['metadata', 'remainingItemCount']);
    return {
      objects: listedObjects(collection, answer.body),
      remaining: typeof remaining === 'number' ? remaining : 0,
    };
  } catch (err) {
    return { objects: [], remaining: 0, failure: `${qualified(collection)} (${(err as Error).message})` };
  }
}

const inNamespace = (c: Collection, namespace: string) => `${c.prefix}/namespaces/${namespace}/${c.resource}`;

function impactOf(
  objects: readonly ListedObject[],
  unlisted: number,
  listings: readonly Listing[],
): DeleteImpact {
  return {
    total: objects.length + unlisted,
    sample: objects.slice(0, SAMPLE_SIZE).map((o) => o.ref),
    uncounted: listings.flatMap((l) => (l.failure ? [l.failure] : [])),
  };
}

/** Every listed object, plus the items each server page reported beyond itself. */
function allListed(listings: readonly Listing[]): DeleteImpact {
  const remaining = listings.reduce((n, l) => n + l.remaining, 0);
  return impactOf(
    listings.flatMap((l) => l.objects),
    remaining,
    listings,
  );
}

/** The objects owned by `live` (a namespaced object), found among ReplicaSets and Pods of its namespace. */
export async function dependentsOf(
  upstream: PreviewUpstream,
  namespace: string,
  uid: string,
): Promise<DeleteImpact> {
  const listings = await Promise.all(
    DEPENDENT_COLLECTIONS.map((c) => list(upstream, c, inNamespace(c, namespace), new URLSearchParams())),
  );
  // Items beyond a page cannot be attributed to an owner, so only listed ones count.
  return impactOf(
    ownedClosure(
      uid,
      listings.flatMap((l) => l.objects),
    ),
    0,
    listings,
  );
}

/** Everything in a namespace, over the resource types every cluster serves. */
export async function namespaceContents(upstream: PreviewUpstream, namespace: string): Promise<DeleteImpact> {
  const listings = await Promise.all(
    NAMESPACE_MEMBER_COLLECTIONS.map((c) =>
      list(upstream, c, inNamespace(c, namespace), new URLSearchParams()),
    ),
  );
  return allListed(listings);
}

/** The objects a deletecollection request's selectors match. */
export async function selectedObjects(
  upstream: PreviewUpstream,
  request: ClassifiedRequest,
): Promise<DeleteImpact> {
  const { info } = request;
  const selectors = new URLSearchParams();
  if (info.labelSelector) selectors.set('labelSelector', info.labelSelector);
  if (info.fieldSelector) selectors.set('fieldSelector', info.fieldSelector);
  const collection: Collection = { prefix: '', resource: info.resource, group: info.apiGroup };
  return allListed([await list(upstream, collection, request.path, selectors)]);
}
