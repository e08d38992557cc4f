/** The `scale` subresource: an autoscaling/v1 Scale view of a workload's `spec.replicas`. */
import type { ResourceType } from './catalog.js';
import { badRequest, conflict, fieldInvalid, invalid, OBJECT_MODIFIED } from './errors.js';
import { isRecord, type JsonObject } from './json.js';
import type { KubeObject } from './objects.js';

const record = (value: unknown): JsonObject => (isRecord(value) ? value : {});

const selectorString = (workload: KubeObject): string =>
  Object.entries(record(record(record(workload.spec).selector).matchLabels))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');

export function toScale(workload: KubeObject): KubeObject {
  const { name, namespace, uid, resourceVersion, creationTimestamp } = workload.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: record(workload.spec).replicas },
    status: { replicas: Number(record(workload.status).replicas) || 0, selector: selectorString(workload) },
  };
}

/** The workload with the replicas a (put or patched) Scale asks for; a stale resourceVersion is a Conflict. */
export function applyScale(rt: ResourceType, workload: KubeObject, scale: unknown): KubeObject {
  if (!isRecord(scale)) throw badRequest('the request body must be a Scale object');
  const name = workload.metadata.name ?? '';
  const requestedVersion = record(scale.metadata).resourceVersion;
  if (requestedVersion && requestedVersion !== workload.metadata.resourceVersion) {
    throw conflict(rt, name, OBJECT_MODIFIED);
  }
  const replicas = record(scale.spec).replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw invalid({ kind: 'Scale', group: 'autoscaling' }, name, [
      fieldInvalid('spec.replicas', replicas, 'must be greater than or equal to 0'),
    ]);
  }
  return { ...workload, spec: { ...record(workload.spec), replicas } };
}
