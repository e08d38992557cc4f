import type { RecordedEvent } from './types.js';

export type KubectlSource = Pick<
  RecordedEvent,
  | 'method'
  | 'path'
  | 'query'
  | 'verb'
  | 'apiGroup'
  | 'resource'
  | 'subresource'
  | 'namespace'
  | 'name'
  | 'dryRun'
>;

/** Built-in resources kubectl users call by their singular name; cluster-scoped ones take no `-A`. */
const BUILT_INS: Record<string, { singular: string; clusterScoped?: true }> = {
  pods: { singular: 'pod' },
  services: { singular: 'service' },
  configmaps: { singular: 'configmap' },
  secrets: { singular: 'secret' },
  serviceaccounts: { singular: 'serviceaccount' },
  persistentvolumeclaims: { singular: 'persistentvolumeclaim' },
  events: { singular: 'event' },
  deployments: { singular: 'deployment' },
  statefulsets: { singular: 'statefulset' },
  daemonsets: { singular: 'daemonset' },
  replicasets: { singular: 'replicaset' },
  jobs: { singular: 'job' },
  cronjobs: { singular: 'cronjob' },
  ingresses: { singular: 'ingress' },
  networkpolicies: { singular: 'networkpolicy' },
  roles: { singular: 'role' },
  rolebindings: { singular: 'rolebinding' },
  namespaces: { singular: 'namespace', clusterScoped: true },
  nodes: { singular: 'node', clusterScoped: true },
  persistentvolumes: { singular: 'persistentvolume', clusterScoped: true },
  clusterroles: { singular: 'clusterrole', clusterScoped: true },
  clusterrolebindings: { singular: 'clusterrolebinding', clusterScoped: true },
  customresourcedefinitions: { singular: 'customresourcedefinition', clusterScoped: true },
  storageclasses: { singular: 'storageclass', clusterScoped: true },
};

// Groups whose resources kubectl resolves without qualification; anything else is written `plural.group`.
const WELL_KNOWN_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'apiextensions.k8s.io',
]);

/** POSIX shell quoting: safe words stay bare, anything else is single-quoted. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

function resourceArg(e: KubectlSource): string {
  const builtIn = WELL_KNOWN_GROUPS.has(e.apiGroup) ? BUILT_INS[e.resource] : undefined;
  if (builtIn) return builtIn.singular;
  return e.apiGroup === '' ? e.resource : `${e.resource}.${e.apiGroup}`;
}

function scopeArgs(e: KubectlSource, allNamespacesWhenUnscoped: boolean): string[] {
  if (e.namespace) return ['-n', e.namespace];
  const clusterScoped = WELL_KNOWN_GROUPS.has(e.apiGroup) && BUILT_INS[e.resource]?.clusterScoped;
  return allNamespacesWhenUnscoped && !clusterScoped ? ['-A'] : [];
}

function selectorArgs(query: URLSearchParams): string[] {
  const args: string[] = [];
  const labels = query.get('labelSelector');
  const fields = query.get('fieldSelector');
  if (labels) args.push('-l', labels);
  if (fields) args.push('--field-selector', fields);
  return args;
}

function flag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  return value !== null && value !== 'false' && value !== '0';
}

function podSubresource(e: KubectlSource, query: URLSearchParams): string[] | undefined {
  const ns = scopeArgs(e, false);
  const container = query.get('container');
  const containerArgs = container ? ['-c', container] : [];
  const interactive = [...(flag(query, 'stdin') ? ['-i'] : []), ...(flag(query, 'tty') ? ['-t'] : [])];
  switch (e.subresource) {
    case 'exec':
      return ['exec', ...interactive, e.name, ...ns, ...containerArgs, '--', ...query.getAll('command')];
    case 'attach':
      return ['attach', ...interactive, e.name, ...ns, ...containerArgs];
    case 'portforward':
      return ['port-forward', `pod/${e.name}`, ...ns, ...query.getAll('ports')];
    case 'log': {
      const tail = query.get('tailLines');
      return [
        'logs',
        e.name,
        ...ns,
        ...containerArgs,
        ...(flag(query, 'follow') ? ['-f'] : []),
        ...(flag(query, 'previous') ? ['--previous'] : []),
        ...(tail ? [`--tail=${tail}`] : []),
      ];
    }
    default:
      return undefined;
  }
}

function resourceCommand(e: KubectlSource, query: URLSearchParams): string[] | undefined {
  const resource = resourceArg(e);
  if (e.resource === 'pods' && e.apiGroup === '' && e.subresource) return podSubresource(e, query);
  if (e.subresource) {
    return e.verb === 'get' && (e.subresource === 'status' || e.subresource === 'scale')
      ? ['get', resource, e.name, ...scopeArgs(e, false), `--subresource=${e.subresource}`]
      : undefined;
  }
  switch (e.verb) {
    case 'get':
      return ['get', resource, e.name, ...scopeArgs(e, false)];
    case 'list':
      return ['get', resource, ...scopeArgs(e, true), ...selectorArgs(query)];
    case 'watch':
      return ['get', resource, ...scopeArgs(e, true), ...selectorArgs(query), '--watch'];
    case 'create':
      return ['create', ...scopeArgs(e, false), '-f', '-'];
    case 'update':
      return ['replace', ...scopeArgs(e, false), '-f', '-'];
    case 'patch':
      return ['patch', resource, e.name, ...scopeArgs(e, false), '--patch-file', '/dev/stdin'];
    case 'delete':
      return ['delete', resource, e.name, ...scopeArgs(e, false)];
    case 'deletecollection': {
      const selectors = selectorArgs(query);
      return ['delete', resource, ...scopeArgs(e, false), ...(selectors.length > 0 ? selectors : ['--all'])];
    }
    default:
      return undefined;
  }
}

/**
 * The kubectl command a human would type for the same request, or `undefined` when there is none
 * (proxy subresources, non-GET non-resource calls). Body-carrying verbs read the recorded request body from stdin.
 */
export function kubectlEquivalent(event: KubectlSource): string | undefined {
  const query = new URLSearchParams(event.query);
  const isResourceRequest = event.resource !== '';
  const args = isResourceRequest
    ? resourceCommand(event, query)
    : event.method === 'GET'
      ? ['get', '--raw', event.path]
      : undefined;
  if (!args) return undefined;
  const dryRun = event.dryRun && isResourceRequest ? ['--dry-run=server'] : [];
  return ['kubectl', ...args, ...dryRun].map(shellQuote).join(' ');
}
