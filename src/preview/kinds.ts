/**
 * How people name objects: `Deployment web`, not `deployments web`. The URL names a resource (plural, lower case);
 * a fact or a summary names the object's kind. Built-in resources map to their kind; others keep the resource name.
 */
const BUILT_IN_KINDS: Readonly<Record<string, string>> = {
  clusterrolebindings: 'ClusterRoleBinding',
  clusterroles: 'ClusterRole',
  configmaps: 'ConfigMap',
  cronjobs: 'CronJob',
  customresourcedefinitions: 'CustomResourceDefinition',
  daemonsets: 'DaemonSet',
  deployments: 'Deployment',
  ingresses: 'Ingress',
  jobs: 'Job',
  namespaces: 'Namespace',
  nodes: 'Node',
  persistentvolumeclaims: 'PersistentVolumeClaim',
  persistentvolumes: 'PersistentVolume',
  pods: 'Pod',
  replicasets: 'ReplicaSet',
  replicationcontrollers: 'ReplicationController',
  rolebindings: 'RoleBinding',
  roles: 'Role',
  secrets: 'Secret',
  serviceaccounts: 'ServiceAccount',
  services: 'Service',
  statefulsets: 'StatefulSet',
};

/** The kind a resource's objects have, e.g. `deployments` → `Deployment`; unknown resources as they are. */
export function kindOfResource(resource: string): string {
  return BUILT_IN_KINDS[resource] ?? resource;
}

/** `1 object`, `4 objects`. */
export function countOf(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * Namespaces whose objects serve production (or run the cluster itself), by the naming conventions the built-in
 * policy also uses for `review-production-writes`.
 */
export const PRODUCTION_NAMESPACES: readonly string[] = [
  'prod',
  'prod-*',
  '*-prod',
  'production*',
  'kube-system',
];
