/**
 * The resource types the fake serves. Discovery, OpenAPI, routing and storage all read this one table,
 * so a resource added here is served consistently everywhere.
 */

export type SubresourceName = 'status' | 'scale' | 'log' | 'exec' | 'portforward' | 'token';

export interface SubresourceType {
  name: SubresourceName;
  kind: string;
  verbs: readonly string[];
  /** Set when the subresource speaks another group/version than its parent (`deployments/scale`). */
  group?: string;
  version?: string;
}

export interface ResourceType {
  group: string;
  version: string;
  /** Plural, as in the URL. */
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: readonly string[];
  categories: readonly string[];
  subresources: readonly SubresourceType[];
  /** Whether `metadata.generation` tracks spec changes (workloads). */
  tracksGeneration: boolean;
  /** Field selector labels beyond `metadata.name` / `metadata.namespace`. */
  fieldLabels: readonly string[];
  /** What discovery lists; everything for stored resources, `create` for reviews. */
  verbs: readonly string[];
  /**
   * Set for create-only resources that answer a question and store nothing (SelfSubjectAccessReview,
   * SelfSubjectReview): the request object and who asks → the answered object.
   */
  review?: (request: Record<string, unknown>, requester: Requester) => Record<string, unknown>;
}

/** Who sends a request, as the fake's authentication sees it. */
export interface Requester {
  username: string;
  groups: readonly string[];
}

const ALL_VERBS = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
] as const;

interface ResourceSpec extends Partial<ResourceType> {
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
}

const define = (group: string, version: string, spec: ResourceSpec): ResourceType => ({
  group,
  version,
  shortNames: [],
  categories: [],
  subresources: [],
  tracksGeneration: false,
  fieldLabels: [],
  verbs: ALL_VERBS,
  ...spec,
});

/**
 * A create-only review resource. The fake's credential is a cluster admin, so every access review is allowed;
 * that is the answer kube-apiserver gives such a user.
 */
const reviewOf = (group: string, resource: string, kind: string, review: ResourceType['review']) =>
  define(group, 'v1', {
    resource,
    singular: resource.slice(0, -1),
    kind,
    namespaced: false,
    verbs: ['create'],
    review,
  });

const status = (kind: string): SubresourceType => ({
  name: 'status',
  kind,
  verbs: ['get', 'patch', 'update'],
});
const scale: SubresourceType = {
  name: 'scale',
  kind: 'Scale',
  group: 'autoscaling',
  version: 'v1',
  verbs: ['get', 'patch', 'update'],
};

export const RESOURCE_TYPES: readonly ResourceType[] = [
  define('', 'v1', {
    resource: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
    subresources: [status('Namespace')],
    fieldLabels: ['status.phase'],
  }),
  define('', 'v1', {
    resource: 'pods',
    singular: 'pod',
    kind: 'Pod',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      status('Pod'),
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
    ],
    fieldLabels: ['spec.nodeName', 'spec.serviceAccountName', 'status.phase', 'status.podIP'],
  }),
  define('', 'v1', {
    resource: 'configmaps',
    singular: 'configmap',
    kind: 'ConfigMap',
    namespaced: true,
    shortNames: ['cm'],
  }),
  define('', 'v1', {
    resource: 'secrets',
    singular: 'secret',
    kind: 'Secret',
    namespaced: true,
    fieldLabels: ['type'],
  }),
  define('', 'v1', {
    resource: 'services',
    singular: 'service',
    kind: 'Service',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    subresources: [status('Service')],
  }),
  define('', 'v1', {
    resource: 'serviceaccounts',
    singular: 'serviceaccount',
    kind: 'ServiceAccount',
    namespaced: true,
    shortNames: ['sa'],
    subresources: [
      {
        name: 'token',
        kind: 'TokenRequest',
        group: 'authentication.k8s.io',
        version: 'v1',
        verbs: ['create'],
      },
    ],
  }),
  define('', 'v1', {
    resource: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
    fieldLabels: [
      'involvedObject.kind',
      'involvedObject.name',
      'involvedObject.namespace',
      'involvedObject.uid',
      'reason',
      'type',
    ],
  }),
  define('apps', 'v1', {
    resource: 'deployments',
    singular: 'deployment',
    kind: 'Deployment',
    namespaced: true,
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: [status('Deployment'), scale],
    tracksGeneration: true,
  }),
  define('apps', 'v1', {
    resource: 'replicasets',
    singular: 'replicaset',
    kind: 'ReplicaSet',
    namespaced: true,
    shortNames: ['rs'],
    categories: ['all'],
    subresources: [status('ReplicaSet'), scale],
    tracksGeneration: true,
  }),
  define('rbac.authorization.k8s.io', 'v1', {
    resource: 'roles',
    singular: 'role',
    kind: 'Role',
    namespaced: true,
  }),
  define('rbac.authorization.k8s.io', 'v1', {
    resource: 'rolebindings',
    singular: 'rolebinding',
    kind: 'RoleBinding',
    namespaced: true,
  }),
  define('rbac.authorization.k8s.io', 'v1', {
    resource: 'clusterroles',
    singular: 'clusterrole',
    kind: 'ClusterRole',
    namespaced: false,
  }),
  define('rbac.authorization.k8s.io', 'v1', {
    resource: 'clusterrolebindings',
    singular: 'clusterrolebinding',
    kind: 'ClusterRoleBinding',
    namespaced: false,
  }),
  define('', 'v1', {
    resource: 'resourcequotas',
    singular: 'resourcequota',
    kind: 'ResourceQuota',
    namespaced: true,
    shortNames: ['quota'],
    subresources: [status('ResourceQuota')],
  }),
  define('batch', 'v1', {
    resource: 'jobs',
    singular: 'job',
    kind: 'Job',
    namespaced: true,
    categories: ['all'],
    subresources: [status('Job')],
  }),
  define('batch', 'v1', {
    resource: 'cronjobs',
    singular: 'cronjob',
    kind: 'CronJob',
    namespaced: true,
    shortNames: ['cj'],
    categories: ['all'],
    subresources: [status('CronJob')],
  }),
  define('networking.k8s.io', 'v1', {
    resource: 'ingresses',
    singular: 'ingress',
    kind: 'Ingress',
    namespaced: true,
    shortNames: ['ing'],
    subresources: [status('Ingress')],
  }),
  define('policy', 'v1', {
    resource: 'poddisruptionbudgets',
    singular: 'poddisruptionbudget',
    kind: 'PodDisruptionBudget',
    namespaced: true,
    shortNames: ['pdb'],
    subresources: [status('PodDisruptionBudget')],
  }),
  define('scheduling.k8s.io', 'v1', {
    resource: 'priorityclasses',
    singular: 'priorityclass',
    kind: 'PriorityClass',
    namespaced: false,
    shortNames: ['pc'],
  }),
  reviewOf('authorization.k8s.io', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', (request) => ({
    ...request,
    status: { allowed: true, reason: 'the fake API server allows everything its credential asks' },
  })),
  reviewOf('authentication.k8s.io', 'selfsubjectreviews', 'SelfSubjectReview', (request, requester) => ({
    ...request,
    status: { userInfo: { username: requester.username, groups: requester.groups } },
  })),
];

export const apiVersionOf = (t: { group: string; version: string }): string =>
  t.group ? `${t.group}/${t.version}` : t.version;

/** `configmaps` or `deployments.apps`: how kube-apiserver names a resource in its messages. */
export const qualifiedResource = (rt: ResourceType): string =>
  rt.group ? `${rt.resource}.${rt.group}` : rt.resource;

export const findResource = (group: string, version: string, resource: string): ResourceType | undefined =>
  RESOURCE_TYPES.find((rt) => rt.group === group && rt.version === version && rt.resource === resource);

export const findKind = (apiVersion: string, kind: string): ResourceType | undefined =>
  RESOURCE_TYPES.find((rt) => apiVersionOf(rt) === apiVersion && rt.kind === kind);

export const findSubresource = (rt: ResourceType, name: string): SubresourceType | undefined =>
  rt.subresources.find((s) => s.name === name);

/** The group-versions served, in discovery order. */
export const GROUP_VERSIONS: readonly { group: string; version: string }[] = [
  ...new Map(
    RESOURCE_TYPES.map((rt) => [apiVersionOf(rt), { group: rt.group, version: rt.version }]),
  ).values(),
];

function requireResource(group: string, resource: string): ResourceType {
  const rt = RESOURCE_TYPES.find((t) => t.group === group && t.resource === resource);
  if (!rt) throw new Error(`the fake's catalog lacks ${resource}`);
  return rt;
}

export const NAMESPACES = requireResource('', 'namespaces');
export const PODS = requireResource('', 'pods');
export const REPLICA_SETS = requireResource('apps', 'replicasets');
export const DEPLOYMENTS = requireResource('apps', 'deployments');
