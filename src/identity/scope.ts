import type { RequestInfo } from '../kube/request-info.js';

/**
 * What an exchanged token may be used for, on top of policy (an extra filter, never a widening). Each list narrows
 * one dimension; an absent list leaves that dimension to policy alone. Written as the OAuth `scope` parameter and
 * claim: space-separated `cluster:NAME`, `namespace:NAME`, `verb:VERB`, `resource:RESOURCE[.GROUP][/SUBRESOURCE]`.
 */
export interface TokenScope {
  clusters?: readonly string[];
  namespaces?: readonly string[];
  verbs?: readonly string[];
  /** `pods` (any API group), `deployments.apps`, `pods/log`: subresources are named explicitly, as in RBAC. */
  resources?: readonly string[];
}

/** A scope that cannot be parsed; the message says which entry and why. */
export class ScopeSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScopeSyntaxError';
  }
}

const DIMENSIONS = {
  cluster: 'clusters',
  namespace: 'namespaces',
  verb: 'verbs',
  resource: 'resources',
} as const satisfies Record<string, keyof TokenScope>;
type Prefix = keyof typeof DIMENSIONS;

/** Exact names only: a glob in a scope would be hard to read on a card and easy to get too wide. */
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const RESOURCE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(\/[a-z0-9]+)?$/;
const VERBS = new Set(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection']);
const MAX_ENTRIES = 64;

/** Parses the OAuth `scope` parameter (or claim); an empty string is no narrowing. */
export function parseScope(text: string): TokenScope {
  const entries = text.split(' ').filter((entry) => entry !== '');
  if (entries.length > MAX_ENTRIES) throw new ScopeSyntaxError(`a scope has at most ${MAX_ENTRIES} entries`);
  const scope: Record<keyof TokenScope, string[] | undefined> = {
    clusters: undefined,
    namespaces: undefined,
    verbs: undefined,
    resources: undefined,
  };
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    const prefix = entry.slice(0, colon);
    const value = entry.slice(colon + 1);
    if (colon < 0 || !(prefix in DIMENSIONS)) {
      throw new ScopeSyntaxError(
        `scope entry ${JSON.stringify(entry)} is not one of cluster:NAME, namespace:NAME, verb:VERB, resource:RESOURCE`,
      );
    }
    const valid =
      prefix === 'verb' ? VERBS.has(value) : prefix === 'resource' ? RESOURCE.test(value) : NAME.test(value);
    if (!valid) {
      const expected =
        prefix === 'verb' ? `one of ${[...VERBS].join(', ')}` : 'an exact lower-case name (no globs)';
      throw new ScopeSyntaxError(`scope entry ${JSON.stringify(entry)}: the value must be ${expected}`);
    }
    const list = (scope[DIMENSIONS[prefix as Prefix]] ??= []);
    if (!list.includes(value)) list.push(value);
  }
  return Object.fromEntries(Object.entries(scope).filter(([, list]) => list !== undefined)) as TokenScope;
}

/** The scope in its OAuth form, as `parseScope` reads it back. */
export function formatScope(scope: TokenScope): string {
  return Object.entries(DIMENSIONS)
    .flatMap(([prefix, key]) => (scope[key] ?? []).map((value) => `${prefix}:${value}`))
    .join(' ');
}

/**
 * Why a request falls outside the scope, or undefined when it is inside. Non-resource requests (discovery,
 * `/version`) carry no cluster object and are left to policy, except for the cluster they are sent to.
 * `verb` is the verb policy sees (exec/attach/port-forward count as `create`).
 */
export function outsideScope(
  scope: TokenScope,
  cluster: string,
  info: Pick<RequestInfo, 'isResourceRequest' | 'namespace' | 'resource' | 'subresource' | 'apiGroup'>,
  verb: string,
): string | undefined {
  if (scope.clusters && !scope.clusters.includes(cluster)) return `cluster "${cluster}"`;
  if (!info.isResourceRequest) return undefined;
  if (scope.namespaces && !scope.namespaces.includes(info.namespace)) {
    return info.namespace === '' ? 'cluster-scoped resources' : `namespace "${info.namespace}"`;
  }
  if (scope.verbs && !scope.verbs.includes(verb)) return `verb "${verb}"`;
  const resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  if (scope.resources && !scope.resources.some((entry) => resourceMatches(entry, info))) {
    return `resource "${resource}${info.apiGroup ? ` (group ${info.apiGroup})` : ''}"`;
  }
  return undefined;
}

/** `deployments.apps` names the group; `pods` matches that resource in any group. */
export function splitResource(entry: string): { resource: string; group?: string; subresource: string } {
  const [name = '', subresource = ''] = entry.split('/');
  const dot = name.indexOf('.');
  return dot < 0
    ? { resource: name, subresource }
    : { resource: name.slice(0, dot), group: name.slice(dot + 1), subresource };
}

function resourceMatches(
  entry: string,
  info: Pick<RequestInfo, 'resource' | 'subresource' | 'apiGroup'>,
): boolean {
  const wanted = splitResource(entry);
  return (
    wanted.resource === info.resource &&
    wanted.subresource === info.subresource &&
    (wanted.group === undefined || wanted.group === info.apiGroup)
  );
}
