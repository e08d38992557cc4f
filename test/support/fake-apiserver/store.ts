/**
 * Object storage with one global resourceVersion counter and a bounded change history, like etcd behind
 * kube-apiserver. Change events are delivered strictly in revision order, even when a listener (the
 * controller) writes while being notified.
 */
import type { ResourceType } from './catalog.js';
import { clone } from './json.js';
import type { KubeObject, ObjectLocation } from './objects.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  type: ChangeType;
  rt: ResourceType;
  /** The object after the change (for DELETED: as it was, carrying the deletion's resourceVersion). */
  object: KubeObject;
  /** The object before the change, for MODIFIED and DELETED. */
  previous: KubeObject | undefined;
  revision: number;
}

export type ChangeListener = (change: Change) => void;

interface Entry {
  rt: ResourceType;
  object: KubeObject;
}

/** Objects of one resource type, by `namespace/name`. */
type Bucket = Map<string, Entry>;

/** How many changes are kept for watch replay; older resourceVersions get 410 Expired, as in etcd compaction. */
const HISTORY_LIMIT = 10_000;

const bucketKey = (rt: ResourceType): string => `${rt.group}/${rt.resource}`;
const keyOf = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`;
const byKey = ([a]: [string, Entry], [b]: [string, Entry]) => (a < b ? -1 : a > b ? 1 : 0);

export class ObjectStore {
  private readonly buckets = new Map<string, Bucket>();
  private readonly history: Change[] = [];
  private readonly listeners = new Set<ChangeListener>();
  private readonly pending: Change[] = [];
  private delivering = false;
  private revision = 1;

  get currentRevision(): number {
    return this.revision;
  }

  get(rt: ResourceType, at: ObjectLocation): KubeObject | undefined {
    const entry = this.buckets.get(bucketKey(rt))?.get(keyOf(at.namespace, at.name));
    return entry && clone(entry.object);
  }

  /**
   * Objects of one type, optionally in one namespace, sorted by namespace then name (etcd key order).
   * Not copied, because large lists are the hot path: stored objects are replaced, never mutated, and
   * callers must treat these as read-only.
   */
  list(rt: ResourceType, namespace?: string): readonly KubeObject[] {
    const prefix = namespace === undefined ? '' : keyOf(namespace, '');
    return [...(this.buckets.get(bucketKey(rt)) ?? new Map<string, Entry>()).entries()]
      .filter(([key]) => key.startsWith(prefix))
      .sort(byKey)
      .map(([, entry]) => entry.object);
  }

  /** Every stored object of every type in a namespace (copies). */
  inNamespace(namespace: string): { rt: ResourceType; object: KubeObject }[] {
    return this.allEntries()
      .filter((e) => e.rt.namespaced && e.object.metadata.namespace === namespace)
      .map((e) => ({ rt: e.rt, object: clone(e.object) }));
  }

  /** Objects of any type that name `ownerUid` as an owner (copies). */
  dependentsOf(ownerUid: string): { rt: ResourceType; object: KubeObject }[] {
    return this.allEntries()
      .filter((e) => e.object.metadata.ownerReferences?.some((ref) => ref.uid === ownerUid))
      .map((e) => ({ rt: e.rt, object: clone(e.object) }));
  }

  /** Stores the object under a new resourceVersion and returns what was stored. */
  write(rt: ResourceType, object: KubeObject): KubeObject {
    const key = keyOf(object.metadata.namespace, object.metadata.name ?? '');
    const bucket = this.bucket(rt);
    const previous = bucket.get(key)?.object;
    const stored = clone(object);
    stored.metadata.resourceVersion = String(++this.revision);
    bucket.set(key, { rt, object: stored });
    this.record({
      type: previous ? 'MODIFIED' : 'ADDED',
      rt,
      object: stored,
      previous,
      revision: this.revision,
    });
    return clone(stored);
  }

  /** Removes the object; returns it as it was, or undefined if it was not there. */
  remove(rt: ResourceType, at: ObjectLocation): KubeObject | undefined {
    const key = keyOf(at.namespace, at.name);
    const bucket = this.bucket(rt);
    const previous = bucket.get(key)?.object;
    if (!previous) return undefined;
    bucket.delete(key);
    const deleted = clone(previous);
    deleted.metadata.resourceVersion = String(++this.revision);
    this.record({ type: 'DELETED', rt, object: deleted, previous, revision: this.revision });
    return clone(previous);
  }

  /** Changes after `revision`, oldest first; undefined when they were already compacted away. */
  changesSince(revision: number): Change[] | undefined {
    const oldest = this.history[0];
    if (oldest && revision < oldest.revision - 1) return undefined;
    return this.history.filter((c) => c.revision > revision);
  }

  /** The oldest revision still replayable, for "too old resource version" messages. */
  get oldestRevision(): number {
    return (this.history[0]?.revision ?? this.revision + 1) - 1;
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private bucket(rt: ResourceType): Bucket {
    let bucket = this.buckets.get(bucketKey(rt));
    if (!bucket) this.buckets.set(bucketKey(rt), (bucket = new Map()));
    return bucket;
  }

  private allEntries(): Entry[] {
    return [...this.buckets.values()].flatMap((bucket) => [...bucket.values()]);
  }

  private record(change: Change): void {
    this.history.push(change);
    if (this.history.length > HISTORY_LIMIT) this.history.shift();
    this.pending.push(change);
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let next = this.pending.shift(); next; next = this.pending.shift()) {
        for (const listener of [...this.listeners]) listener(next);
      }
    } finally {
      this.delivering = false;
    }
  }
}
