/**
 * Per-resource behaviour of the registry: defaulting on create/update and validation, the parts of
 * kube-apiserver's REST strategies that clients can observe. Functions fill in a fresh candidate object.
 */
import type { ResourceType } from './catalog.js';
import { fieldInvalid, fieldRequired, type FieldError } from './errors.js';
import { isRecord, type JsonObject } from './json.js';
import type { KubeObject } from './objects.js';

/** Cluster-assigned addresses; stands in for the service-IP allocator and the pod network. */
export class AddressAllocator {
  private nextService = 1;
  private nextPod = 2;

  serviceIP(): string {
    const n = this.nextService++;
    return `10.96.${Math.floor(n / 250)}.${(n % 250) + 1}`;
  }

  podIP(): string {
    const n = this.nextPod++;
    return `10.244.${Math.floor(n / 250)}.${(n % 250) + 1}`;
  }
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

const SUBDOMAIN_HINT =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_HINT =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_HINT =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

function validateName(rt: ResourceType, name: string): FieldError[] {
  const field = 'metadata.name';
  if (rt.group === 'rbac.authorization.k8s.io') {
    // RBAC names only have to be valid path segments.
    return /[/%]/.test(name) || name === '.' || name === '..'
      ? [fieldInvalid(field, name, 'may not contain "/" or "%", and may not be "." or ".."')]
      : [];
  }
  if (rt.resource === 'namespaces') {
    return DNS1123_LABEL.test(name) && name.length <= 63 ? [] : [fieldInvalid(field, name, LABEL_HINT)];
  }
  if (rt.resource === 'services') {
    return DNS1035_LABEL.test(name) && name.length <= 63 ? [] : [fieldInvalid(field, name, DNS1035_HINT)];
  }
  return DNS1123_SUBDOMAIN.test(name) && name.length <= 253
    ? []
    : [fieldInvalid(field, name, SUBDOMAIN_HINT)];
}

const record = (value: unknown): JsonObject => (isRecord(value) ? value : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

function validatePodSpec(spec: unknown, path: string): FieldError[] {
  const containers = list(record(spec).containers);
  if (containers.length === 0) return [fieldRequired(`${path}.containers`)];
  return containers.flatMap((c, i) => {
    const container = record(c);
    const at = `${path}.containers[${i}]`;
    return [
      ...(typeof container.name === 'string' && container.name ? [] : [fieldRequired(`${at}.name`)]),
      ...(typeof container.image === 'string' && container.image ? [] : [fieldRequired(`${at}.image`)]),
    ];
  });
}

function validateWorkload(object: KubeObject): FieldError[] {
  const spec = record(object.spec);
  const template = record(spec.template);
  const matchLabels = record(record(spec.selector).matchLabels);
  const templateLabels = record(record(template.metadata).labels);
  const errors: FieldError[] = [];
  if (Object.keys(matchLabels).length === 0) errors.push(fieldRequired('spec.selector'));
  else if (!Object.entries(matchLabels).every(([k, v]) => templateLabels[k] === v)) {
    errors.push(
      fieldInvalid(
        'spec.template.metadata.labels',
        templateLabels,
        '`selector` does not match template `labels`',
      ),
    );
  }
  return [...errors, ...validatePodSpec(template.spec, 'spec.template.spec')];
}

export function validate(rt: ResourceType, object: KubeObject): FieldError[] {
  const name = object.metadata.name ?? '';
  const nameErrors = name
    ? validateName(rt, name)
    : [fieldRequired('metadata.name', 'name or generateName is required')];
  switch (rt.resource) {
    case 'pods':
      return [...nameErrors, ...validatePodSpec(object.spec, 'spec')];
    case 'deployments':
    case 'replicasets':
      return [...nameErrors, ...validateWorkload(object)];
    default:
      return nameErrors;
  }
}

/** What a running pod's status looks like once the (imaginary) kubelet started it. */
function runningPodStatus(spec: JsonObject, podIP: string, now: string): JsonObject {
  const containers = list(spec.containers).map(record);
  return {
    phase: 'Running',
    conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
      type,
      status: 'True',
      lastTransitionTime: now,
    })),
    hostIP: '10.0.0.1',
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: now,
    containerStatuses: containers.map((c) => ({
      name: c.name,
      image: c.image,
      imageID: '',
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: now } },
    })),
  };
}

/** Defaults applied to a new object (mutates the candidate). */
export function prepareForCreate(
  rt: ResourceType,
  object: KubeObject,
  addresses: AddressAllocator,
  now: string,
): void {
  const spec = record(object.spec);
  switch (rt.resource) {
    case 'namespaces':
      object.metadata.labels = {
        ...object.metadata.labels,
        'kubernetes.io/metadata.name': object.metadata.name ?? '',
      };
      object.spec = { finalizers: ['kubernetes'], ...spec };
      object.status = { phase: 'Active' };
      break;
    case 'secrets':
      object.type ??= 'Opaque';
      foldStringData(object);
      break;
    case 'services':
      object.spec = {
        type: 'ClusterIP',
        sessionAffinity: 'None',
        ...spec,
        clusterIP: spec.clusterIP ?? addresses.serviceIP(),
        ports: list(spec.ports).map((p) => ({ protocol: 'TCP', ...record(p) })),
      };
      break;
    case 'pods':
      object.spec = { restartPolicy: 'Always', nodeName: 'fake-node', ...spec };
      // Kept when given, so tests can seed pods in other phases (kube-apiserver would reset it).
      if (!record(object.status).phase)
        object.status = runningPodStatus(record(object.spec), addresses.podIP(), now);
      break;
    case 'deployments':
    case 'replicasets':
      object.spec = { replicas: 1, ...spec };
      object.status = {};
      break;
  }
}

/** Defaults applied when an existing object is replaced (mutates the candidate). */
export function prepareForUpdate(rt: ResourceType, object: KubeObject, live: KubeObject): void {
  if (rt.resource === 'secrets') {
    object.type ??= live.type;
    foldStringData(object);
  }
  if (rt.resource === 'services') {
    object.spec = {
      ...record(object.spec),
      clusterIP: record(object.spec).clusterIP ?? record(live.spec).clusterIP,
    };
  }
  if (rt.resource === 'deployments' || rt.resource === 'replicasets') {
    object.spec = { replicas: 1, ...record(object.spec) };
  }
}

/** `stringData` is write-only: kube-apiserver folds it into base64 `data`. */
function foldStringData(secret: KubeObject): void {
  const stringData = record(secret.stringData);
  if (Object.keys(stringData).length > 0) {
    const encoded = Object.fromEntries(
      Object.entries(stringData).map(([k, v]) => [k, Buffer.from(String(v)).toString('base64')]),
    );
    secret.data = { ...record(secret.data), ...encoded };
  }
  delete secret.stringData;
}
