/**
 * Resource names as a model types them (`deploy`, `Deployment`, `deployments.apps`, `pods`) resolved against the
 * cluster's own discovery documents, read through the gateway like any request. Cached per cluster for a while;
 * an unknown name refreshes once, so a CRD installed a minute ago is found.
 */
import { statusMessage, type KubeApi, type KubeCaller } from './kube-api.js';

export interface ResourceRef {
  group: string;
  version: string;
  /** Plural resource name, e.g. `deployments`. */
  resource: string;
  kind: string;
  namespaced: boolean;
  verbs: readonly string[];
  shortNames: readonly string[];
  singular: string;
  /** Subresource names, e.g. `scale`, `status`, `log`. */
  subresources: readonly string[];
}

/** A name the cluster does not serve, or a discovery document that could not be read; the message says which. */
export class ResourceLookupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResourceLookupError';
  }
}

interface APIResource {
  name: string;
  singularName?: string;
  namespaced: boolean;
  kind: string;
  verbs?: string[];
  shortNames?: string[];
}

const CACHE_MS = 5 * 60_000;

export const apiVersionOf = (ref: Pick<ResourceRef, 'group' | 'version'>): string =>
  ref.group ? `${ref.group}/${ref.version}` : ref.version;

/** `/api/v1` or `/apis/apps/v1`. */
export const groupVersionPath = (ref: Pick<ResourceRef, 'group' | 'version'>): string =>
  ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;

/** Pure: the resources of one `APIResourceList`, subresources folded into their parent. */
export function resourcesOf(
  group: string,
  version: string,
  list: { resources?: APIResource[] },
): ResourceRef[] {
  const entries = list.resources ?? [];
  const subresources = new Map<string, string[]>();
  for (const r of entries) {
    const [parent, sub] = r.name.split('/');
    if (parent && sub) subresources.set(parent, [...(subresources.get(parent) ?? []), sub]);
  }
  return entries
    .filter((r) => !r.name.includes('/'))
    .map((r) => ({
      group,
      version,
      resource: r.name,
      kind: r.kind,
      namespaced: r.namespaced,
      verbs: r.verbs ?? [],
      shortNames: r.shortNames ?? [],
      singular: r.singularName || r.kind.toLowerCase(),
      subresources: subresources.get(r.name) ?? [],
    }));
}

/**
 * Pure: the first resource `name` denotes, kubectl's way: plural, singular, short name or kind, case-insensitive,
 * optionally qualified by group (`deployments.apps`) or group and version (`deployments.v1.apps`). Discovery order
 * breaks ties, so the core group wins (`events` is v1 Events, as in kubectl).
 */
export function matchResource(resources: readonly ResourceRef[], name: string): ResourceRef | undefined {
  const wanted = name.trim().toLowerCase();
  const dot = wanted.indexOf('.');
  const base = dot < 0 ? wanted : wanted.slice(0, dot);
  const qualifier = dot < 0 ? undefined : wanted.slice(dot + 1);
  return resources.find((r) => {
    const names = [r.resource, r.singular, r.kind.toLowerCase(), ...r.shortNames.map((s) => s.toLowerCase())];
    if (!names.includes(base)) return false;
    if (qualifier === undefined) return true;
    return qualifier === r.group || qualifier === `${r.version}.${r.group}`;
  });
}

/** Pure: the resource serving `kind` in `apiVersion`, for manifests. */
export function matchKind(
  resources: readonly ResourceRef[],
  apiVersion: string,
  kind: string,
): ResourceRef | undefined {
  return resources.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
}

export interface Discovery {
  resources(caller: KubeCaller, refresh?: boolean): Promise<readonly ResourceRef[]>;
  resolve(caller: KubeCaller, name: string): Promise<ResourceRef>;
  resolveKind(caller: KubeCaller, apiVersion: string, kind: string): Promise<ResourceRef>;
}

export function createDiscovery(kube: KubeApi, now: () => number = Date.now): Discovery {
  const cache = new Map<string, { at: number; resources: Promise<readonly ResourceRef[]> }>();

  async function read<T>(caller: KubeCaller, path: string): Promise<T> {
    const res = await kube.request(caller, { method: 'GET', path });
    if (res.status !== 200) {
      throw new ResourceLookupError(
        `could not read the cluster's API discovery (${path}): ${statusMessage(res)}`,
      );
    }
    return JSON.parse(res.body) as T;
  }

  async function load(caller: KubeCaller): Promise<readonly ResourceRef[]> {
    const core = await read<{ resources?: APIResource[] }>(caller, '/api/v1');
    const groups = await read<{
      groups?: { name: string; preferredVersion?: { version: string } }[];
    }>(caller, '/apis');
    const lists = await Promise.all(
      (groups.groups ?? [])
        .filter((g) => g.preferredVersion)
        .map(async (g) => {
          const version = g.preferredVersion!.version;
          return resourcesOf(g.name, version, await read(caller, `/apis/${g.name}/${version}`));
        }),
    );
    return [...resourcesOf('', 'v1', core), ...lists.flat()];
  }

  const discovery: Discovery = {
    resources(caller, refresh = false) {
      const key = caller.cluster ?? '';
      const cached = cache.get(key);
      if (cached && !refresh && now() - cached.at < CACHE_MS) return cached.resources;
      const resources = load(caller);
      cache.set(key, { at: now(), resources });
      // A failed read is not remembered: the next call tries again.
      resources.catch(() => cache.get(key)?.resources === resources && cache.delete(key));
      return resources;
    },
    async resolve(caller, name) {
      const found =
        matchResource(await discovery.resources(caller), name) ??
        matchResource(await discovery.resources(caller, true), name);
      if (!found) {
        throw new ResourceLookupError(
          `the cluster serves no resource type ${JSON.stringify(name)}; use a plural name, singular, short name or kind ` +
            '(e.g. "deployments", "deploy", "Deployment" or "deployments.apps")',
        );
      }
      return found;
    },
    async resolveKind(caller, apiVersion, kind) {
      const found =
        matchKind(await discovery.resources(caller), apiVersion, kind) ??
        matchKind(await discovery.resources(caller, true), apiVersion, kind);
      if (!found) throw new ResourceLookupError(`the cluster serves no kind ${kind} in ${apiVersion}`);
      return found;
    },
  };
  return discovery;
}
