/**
 * A tiny kube-controller-manager: Deployments get a ReplicaSet per pod template, ReplicaSets get
 * `spec.replicas` Pods, and both report status. It reacts to store changes synchronously, so a test
 * sees the pods as soon as the request that created the Deployment has returned.
 */
import { DEPLOYMENTS, NAMESPACES, PODS, REPLICA_SETS, apiVersionOf, type ResourceType } from './catalog.js';
import { deepEqual, isRecord, type JsonObject } from './json.js';
import { randomSuffix, stableHash } from './names.js';
import type { KubeObject, OwnerReference } from './objects.js';
import type { Registry, WriteContext } from './registry.js';
import type { Change, ObjectStore } from './store.js';

const CONTROLLER: WriteContext = { dryRun: false, fieldManager: 'kube-controller-manager' };
const STATUS: WriteContext = { ...CONTROLLER, subresource: 'status' };
const TEMPLATE_HASH = 'pod-template-hash';

const record = (value: unknown): JsonObject => (isRecord(value) ? value : {});
const replicasOf = (o: KubeObject): number => {
  const replicas = record(o.spec).replicas;
  return typeof replicas === 'number' ? replicas : 1;
};
const locationOf = (o: KubeObject) => ({ namespace: o.metadata.namespace, name: o.metadata.name ?? '' });

const ownerReference = (rt: ResourceType, owner: KubeObject): OwnerReference => ({
  apiVersion: apiVersionOf(rt),
  kind: rt.kind,
  name: owner.metadata.name ?? '',
  uid: owner.metadata.uid ?? '',
  controller: true,
  blockOwnerDeletion: true,
});

const templateHashOf = (deployment: KubeObject): string =>
  stableHash(JSON.stringify(record(record(deployment.spec).template)));

const controllerOf = (o: KubeObject): OwnerReference | undefined =>
  o.metadata.ownerReferences?.find((r) => r.controller === true);

const isOwnedBy = (o: KubeObject, owner: KubeObject): boolean =>
  o.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid) ?? false;

export class WorkloadController {
  constructor(
    private readonly store: ObjectStore,
    private readonly registry: Registry,
  ) {}

  /** Starts reacting to changes; returns the function that stops it. */
  start(): () => void {
    return this.store.subscribe((change) => this.onChange(change));
  }

  private onChange(change: Change): void {
    const namespace = change.object.metadata.namespace;
    if (!namespace || !this.store.get(NAMESPACES, { namespace: undefined, name: namespace })) return;
    if (change.rt === PODS && change.type === 'DELETED') {
      const owner = controllerOf(change.object);
      const replicaSet = owner && this.current(REPLICA_SETS, { namespace, name: owner.name });
      if (replicaSet) this.reconcileReplicaSet(replicaSet);
      return;
    }
    if (change.type === 'DELETED') return;
    const current =
      change.rt === DEPLOYMENTS || change.rt === REPLICA_SETS
        ? this.current(change.rt, locationOf(change.object))
        : undefined;
    if (!current) return;
    if (change.rt === DEPLOYMENTS) this.reconcileDeployment(current);
    else this.reconcileReplicaSet(current);
  }

  private current(
    rt: ResourceType,
    at: { namespace: string | undefined; name: string },
  ): KubeObject | undefined {
    return this.store.get(rt, at);
  }

  private reconcileDeployment(deployment: KubeObject): void {
    const namespace = deployment.metadata.namespace;
    const template = record(record(deployment.spec).template);
    const hash = templateHashOf(deployment);
    const owned = this.store.list(REPLICA_SETS, namespace).filter((rs) => isOwnedBy(rs, deployment));
    const desired = replicasOf(deployment);
    for (const old of owned.filter(
      (rs) => rs.metadata.labels?.[TEMPLATE_HASH] !== hash && replicasOf(rs) !== 0,
    )) {
      this.registry.update(
        REPLICA_SETS,
        locationOf(old),
        { ...old, spec: { ...record(old.spec), replicas: 0 } },
        CONTROLLER,
      );
    }
    const active = owned.find((rs) => rs.metadata.labels?.[TEMPLATE_HASH] === hash);
    if (!active) {
      this.registry.create(
        REPLICA_SETS,
        namespace,
        this.replicaSetFor(deployment, template, hash),
        CONTROLLER,
      );
    } else if (replicasOf(active) !== desired) {
      this.registry.update(
        REPLICA_SETS,
        locationOf(active),
        { ...active, spec: { ...record(active.spec), replicas: desired } },
        CONTROLLER,
      );
    }
    this.syncDeploymentStatus(deployment, hash);
  }

  private replicaSetFor(deployment: KubeObject, template: JsonObject, hash: string): KubeObject {
    const spec = record(deployment.spec);
    const templateMeta = record(template.metadata);
    const labels = { ...record(templateMeta.labels), [TEMPLATE_HASH]: hash };
    return {
      apiVersion: apiVersionOf(REPLICA_SETS),
      kind: REPLICA_SETS.kind,
      metadata: {
        name: `${deployment.metadata.name ?? ''}-${hash}`,
        labels,
        ownerReferences: [ownerReference(DEPLOYMENTS, deployment)],
      },
      spec: {
        replicas: replicasOf(deployment),
        selector: { matchLabels: { ...record(record(spec.selector).matchLabels), [TEMPLATE_HASH]: hash } },
        template: { ...template, metadata: { ...templateMeta, labels } },
      },
    };
  }

  private syncDeploymentStatus(deployment: KubeObject, activeHash: string): void {
    const replicaSets = this.store
      .list(REPLICA_SETS, deployment.metadata.namespace)
      .filter((rs) => isOwnedBy(rs, deployment));
    const count = (field: string, sets: KubeObject[]) =>
      sets.reduce((sum, rs) => sum + (Number(record(rs.status)[field]) || 0), 0);
    const active = replicaSets.filter((rs) => rs.metadata.labels?.[TEMPLATE_HASH] === activeHash);
    const available = count('availableReplicas', replicaSets);
    const status = {
      observedGeneration: deployment.metadata.generation,
      replicas: count('replicas', replicaSets),
      updatedReplicas: count('replicas', active),
      readyReplicas: count('readyReplicas', replicaSets),
      availableReplicas: available,
      conditions: [
        {
          type: 'Available',
          status: available >= replicasOf(deployment) ? 'True' : 'False',
          reason: 'MinimumReplicasAvailable',
        },
      ],
    };
    this.writeStatus(DEPLOYMENTS, deployment, status);
  }

  private reconcileReplicaSet(replicaSet: KubeObject): void {
    const namespace = replicaSet.metadata.namespace;
    const pods = this.store.list(PODS, namespace).filter((pod) => isOwnedBy(pod, replicaSet));
    const desired = replicasOf(replicaSet);
    for (let missing = desired - pods.length; missing > 0; missing--) {
      pods.push(this.registry.create(PODS, namespace, this.podFor(replicaSet), CONTROLLER));
    }
    // Scale down newest first, as the ReplicaSet controller prefers younger pods.
    for (const extra of pods.splice(desired).reverse()) {
      this.registry.delete(PODS, locationOf(extra), { propagationPolicy: 'Background' });
    }
    const status = {
      replicas: pods.length,
      fullyLabeledReplicas: pods.length,
      readyReplicas: pods.length,
      availableReplicas: pods.length,
      observedGeneration: replicaSet.metadata.generation,
    };
    this.writeStatus(REPLICA_SETS, replicaSet, status);
    const owner = controllerOf(replicaSet);
    const deployment = owner && this.current(DEPLOYMENTS, { namespace, name: owner.name });
    if (deployment) this.syncDeploymentStatus(deployment, templateHashOf(deployment));
  }

  /** Writes `status` through the status subresource unless the latest object already reports it. */
  private writeStatus(rt: ResourceType, object: KubeObject, status: JsonObject): void {
    const latest = this.current(rt, locationOf(object));
    if (latest && !deepEqual(status, latest.status)) {
      this.registry.update(rt, locationOf(latest), { ...latest, status }, STATUS);
    }
  }

  private podFor(replicaSet: KubeObject): KubeObject {
    const template = record(record(replicaSet.spec).template);
    const templateMeta = record(template.metadata);
    return {
      apiVersion: apiVersionOf(PODS),
      kind: PODS.kind,
      metadata: {
        ...templateMeta,
        name: `${replicaSet.metadata.name ?? ''}-${randomSuffix()}`,
        ownerReferences: [ownerReference(REPLICA_SETS, replicaSet)],
      },
      spec: template.spec,
    };
  }
}
