/**
 * Non-resource documents: /version, legacy discovery (/api, /apis, per group-version resource lists)
 * and OpenAPI v3. All are pure functions of the catalog, so discovery never disagrees with routing.
 */
import { apiVersionOf, GROUP_VERSIONS, RESOURCE_TYPES, type ResourceType } from './catalog.js';
import { stableHash } from './names.js';
import { componentSchemas } from './openapi-schemas.js';

export interface DiscoveryOptions {
  gitVersion: string;
  /** host:port clients reach the server at, for `serverAddressByClientCIDRs`. */
  serverAddress: string;
}

function version(gitVersion: string): object {
  const [, major = '1', minor = '0'] = /^v(\d+)\.(\d+)/.exec(gitVersion) ?? [];
  return {
    major,
    minor,
    gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.23.6',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

const groups = (): string[] => [...new Set(GROUP_VERSIONS.map((gv) => gv.group).filter((g) => g !== ''))];

function apiGroup(name: string): object {
  const versions = GROUP_VERSIONS.filter((gv) => gv.group === name).map((gv) => ({
    groupVersion: apiVersionOf(gv),
    version: gv.version,
  }));
  return { name, versions, preferredVersion: versions[0] };
}

function resourceEntries(rt: ResourceType): object[] {
  const main = {
    name: rt.resource,
    singularName: rt.singular,
    namespaced: rt.namespaced,
    kind: rt.kind,
    verbs: rt.verbs,
    ...(rt.shortNames.length > 0 ? { shortNames: rt.shortNames } : {}),
    ...(rt.categories.length > 0 ? { categories: rt.categories } : {}),
    storageVersionHash: stableHash(`${apiVersionOf(rt)}/${rt.kind}`),
  };
  const subresources = rt.subresources.map((sub) => ({
    name: `${rt.resource}/${sub.name}`,
    singularName: '',
    namespaced: rt.namespaced,
    ...(sub.group !== undefined ? { group: sub.group, version: sub.version } : {}),
    kind: sub.kind,
    verbs: sub.verbs,
  }));
  return [main, ...subresources];
}

function resourceList(group: string, groupVersion: string): object | undefined {
  const types = RESOURCE_TYPES.filter((rt) => apiVersionOf(rt) === groupVersion && rt.group === group);
  if (types.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    resources: types.flatMap(resourceEntries),
  };
}

/** `api/v1` or `apis/apps/v1`: the OpenAPI v3 index key for a group-version. */
const openApiKey = (gv: { group: string; version: string }): string =>
  gv.group ? `apis/${gv.group}/${gv.version}` : `api/${gv.version}`;

function openApiIndex(): object {
  return {
    paths: Object.fromEntries(
      GROUP_VERSIONS.map((gv) => [
        openApiKey(gv),
        { serverRelativeURL: `/openapi/v3/${openApiKey(gv)}?hash=${stableHash(openApiKey(gv))}` },
      ]),
    ),
  };
}

/**
 * One PATCH operation per kind that lists the `fieldValidation` parameter: kubectl then validates
 * server-side (reference §6). No requestBody, so kubectl builds SMPs from its own scheme; the component schemas are
 * there for `kubectl explain`.
 */
function openApiDocument(key: string, gitVersion: string): object | undefined {
  const types = RESOURCE_TYPES.filter((rt) => openApiKey(rt) === key);
  if (types.length === 0) return undefined;
  const itemPath = (rt: ResourceType) =>
    `/${key}/${rt.namespaced ? 'namespaces/{namespace}/' : ''}${rt.resource}/{name}`;
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes (fake)', version: gitVersion },
    paths: Object.fromEntries(
      types.map((rt) => [
        itemPath(rt),
        {
          patch: {
            'x-kubernetes-group-version-kind': { group: rt.group, version: rt.version, kind: rt.kind },
            parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string' } }],
            responses: { '200': { description: 'OK' } },
          },
        },
      ]),
    ),
    components: { schemas: componentSchemas(types) },
  };
}

/** The document served at a non-resource path, or undefined for 404 (including /openapi/v2). */
export function discoveryDocument(path: string, opts: DiscoveryOptions): object | undefined {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '/version') return version(opts.gitVersion);
  if (trimmed === '/api') {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: opts.serverAddress }],
    };
  }
  if (trimmed === '/apis') return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups().map(apiGroup) };
  if (trimmed === '/openapi/v3') return openApiIndex();
  if (trimmed.startsWith('/openapi/v3/'))
    return openApiDocument(trimmed.slice('/openapi/v3/'.length), opts.gitVersion);
  const [, prefix, ...rest] = trimmed.split('/');
  if (prefix === 'api' && rest.length === 1) return resourceList('', rest[0] ?? '');
  if (prefix === 'apis' && rest.length === 1 && groups().includes(rest[0] ?? '')) {
    return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(rest[0] ?? '') };
  }
  if (prefix === 'apis' && rest.length === 2) return resourceList(rest[0] ?? '', rest.join('/'));
  return undefined;
}
