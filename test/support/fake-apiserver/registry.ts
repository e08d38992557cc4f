/**
 * The REST semantics of kube-apiserver's generic registry over the object store: type and name checks,
 * system metadata, optimistic concurrency, dry runs, patches, deletion with garbage collection.
 * Every failure is a StatusError shaped like the real one.
 */
import { randomUUID } from 'node:crypto';
import { StatusError } from '../../../src/kube/status.js';
import type { DeleteOptions } from '../../../src/kube/request-info.js';
import { apiVersionOf, findSubresource, NAMESPACES, type ResourceType } from './catalog.js';
import {
  alreadyExists,
  badRequest,
  conflict,
  fieldNotSupported,
  fieldRequired,
  fieldForbidden,
  invalidObject,
  invalidOptions,
  notFound,
  OBJECT_MODIFIED,
} from './errors.js';
import { clone, deepEqual, isRecord, type JsonObject } from './json.js';
import type { KubeObject, ManagedFieldsEntry, ObjectLocation } from './objects.js';
import { applyPatch, PatchError, type PatchType } from './patch.js';
import type { ObjectPredicate } from './selectors.js';
import type { ObjectStore } from './store.js';
import { AddressAllocator, prepareForCreate, prepareForUpdate, validate } from './strategy.js';
import { randomSuffix } from './names.js';

export interface WriteContext {
  dryRun: boolean;
  fieldManager: string;
  /** Set when writing through the `status` subresource: only `.status` changes. */
  subresource?: 'status';
}

export interface ListQuery {
  predicate: ObjectPredicate;
  limit: number;
  continueToken: string | undefined;
  /** kube-apiserver reports remainingItemCount only for unfiltered lists. */
  filtered: boolean;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';

const PROPAGATION_POLICIES: readonly PropagationPolicy[] = ['Foreground', 'Background', 'Orphan'];

/** `dryRun` may only hold `All`; every other value is 422, as in ValidateDryRun. */
export function checkDryRun(values: readonly string[], optionsKind: string): boolean {
  const unsupported = values.filter((v) => v !== 'All');
  if (unsupported.length > 0)
    throw invalidOptions(optionsKind, [fieldNotSupported('dryRun', unsupported, ['All'])]);
  return values.length > 0;
}

/** kube-apiserver timestamps have second precision. */
const timestamp = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A minimal FieldsV1 set: which fields the manager touched, without list element keys. */
function fieldsOf(value: JsonObject): JsonObject {
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [`f:${k}`, isRecord(v) ? { '.': {}, ...fieldsOf(v) } : {}]),
  );
}

function managedFieldsFor(
  object: KubeObject,
  ctx: WriteContext,
  operation: ManagedFieldsEntry['operation'],
  now: string,
) {
  const { labels, annotations } = object.metadata;
  const touched: JsonObject = ctx.subresource
    ? { status: object.status }
    : { ...object, metadata: { ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) } };
  delete touched.apiVersion;
  delete touched.kind;
  if (!ctx.subresource) delete touched.status;
  const entry: ManagedFieldsEntry = {
    manager: ctx.fieldManager,
    operation,
    apiVersion: object.apiVersion,
    time: now,
    fieldsType: 'FieldsV1',
    fieldsV1: fieldsOf(touched),
    ...(ctx.subresource ? { subresource: ctx.subresource } : {}),
  };
  const others = (object.metadata.managedFields ?? []).filter(
    (e) => !(e.manager === entry.manager && e.operation === operation && e.subresource === entry.subresource),
  );
  return [...others, entry];
}

/** Everything but metadata and status: what a generation counts changes of. */
function specOf(object: KubeObject): JsonObject {
  const { metadata: _metadata, status: _status, ...rest } = object;
  return rest;
}

/** The object without fields the server maintains, for no-op detection. */
function userContent(object: KubeObject): KubeObject {
  const copy = clone(object);
  delete copy.metadata.managedFields;
  delete copy.metadata.resourceVersion;
  return copy;
}

interface ContinueToken {
  rv: string;
  after: string;
}

const encodeContinue = (token: ContinueToken): string =>
  Buffer.from(JSON.stringify(token)).toString('base64url');

function decodeContinue(token: string): ContinueToken {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (isRecord(parsed) && typeof parsed.rv === 'string' && typeof parsed.after === 'string') {
      return { rv: parsed.rv, after: parsed.after };
    }
  } catch {
    // fall through to the Status below
  }
  throw badRequest(`continue key is not valid: ${token}`);
}

const locationKey = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

export class Registry {
  constructor(
    private readonly store: ObjectStore,
    private readonly addresses: AddressAllocator,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  get(rt: ResourceType, at: ObjectLocation): KubeObject {
    const object = this.store.get(rt, at);
    if (!object) throw notFound(rt, at.name);
    return object;
  }

  list(rt: ResourceType, namespace: string | undefined, query: ListQuery): ListResult {
    const start = query.continueToken ? decodeContinue(query.continueToken) : undefined;
    const resourceVersion = start?.rv ?? String(this.store.currentRevision);
    const matching = this.store
      .list(rt, namespace)
      .filter((o) => query.predicate(o) && (!start || locationKey(o) > start.after));
    if (query.limit <= 0 || matching.length <= query.limit) return { items: matching, resourceVersion };
    const items = matching.slice(0, query.limit);
    const last = items[items.length - 1];
    return {
      items,
      resourceVersion,
      ...(last ? { continueToken: encodeContinue({ rv: resourceVersion, after: locationKey(last) }) } : {}),
      ...(query.filtered ? {} : { remainingItemCount: matching.length - query.limit }),
    };
  }

  create(
    rt: ResourceType,
    namespace: string | undefined,
    body: unknown,
    ctx: WriteContext,
    operation: ManagedFieldsEntry['operation'] = 'Update',
  ): KubeObject {
    const object = this.typed(rt, body);
    this.checkNamespace(rt, object, namespace);
    if (!object.metadata.name && object.metadata.generateName) {
      object.metadata.name = object.metadata.generateName + randomSuffix();
    }
    const errors = validate(rt, object);
    if (errors.length > 0) throw invalidObject(rt, object.metadata.name ?? '', errors);
    const name = object.metadata.name ?? '';
    if (namespace !== undefined && !this.store.get(NAMESPACES, { namespace: undefined, name: namespace })) {
      throw notFound(NAMESPACES, namespace);
    }
    if (this.store.get(rt, { namespace, name })) throw alreadyExists(rt, name);

    const now = timestamp(this.clock());
    const { resourceVersion: _rv, deletionTimestamp: _deleted, ...metadata } = object.metadata;
    object.metadata = {
      ...metadata,
      uid: randomUUID(),
      creationTimestamp: now,
      ...(rt.tracksGeneration ? { generation: 1 } : {}),
    };
    prepareForCreate(rt, object, this.addresses, now);
    object.metadata.managedFields = managedFieldsFor(object, ctx, operation, now);
    return ctx.dryRun ? object : this.store.write(rt, object);
  }

  /** PUT: replaces the object; a stale `metadata.resourceVersion` is a Conflict. */
  update(rt: ResourceType, at: ObjectLocation, body: unknown, ctx: WriteContext): KubeObject {
    return this.replace(rt, this.get(rt, at), this.typed(rt, body), ctx, 'Update');
  }

  /** PATCH; server-side apply (`apply`) creates the object when it does not exist. */
  patch(
    rt: ResourceType,
    at: ObjectLocation,
    type: PatchType,
    patch: unknown,
    ctx: WriteContext,
  ): { object: KubeObject; created: boolean } {
    const live = this.store.get(rt, at);
    if (!live) {
      if (type !== 'apply' || ctx.subresource) throw notFound(rt, at.name);
      const applied = this.typed(rt, patch);
      this.checkName(applied, at.name);
      return { object: this.create(rt, at.namespace, applied, ctx, 'Apply'), created: true };
    }
    let patched: unknown;
    try {
      patched = applyPatch(type, live, patch);
    } catch (err) {
      if (err instanceof PatchError) throw new StatusError('Invalid', err.message);
      throw err;
    }
    const operation = type === 'apply' ? 'Apply' : 'Update';
    return { object: this.replace(rt, live, this.typed(rt, patched), ctx, operation), created: false };
  }

  delete(rt: ResourceType, at: ObjectLocation, options: DeleteOptions): KubeObject {
    const dryRun = checkDryRun(options.dryRun ?? [], 'DeleteOptions');
    const policy = this.propagationPolicy(options);
    const live = this.get(rt, at);
    const { uid, resourceVersion } = options.preconditions ?? {};
    if (uid !== undefined && uid !== live.metadata.uid) {
      throw conflict(
        rt,
        at.name,
        `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${live.metadata.uid ?? ''}`,
      );
    }
    if (resourceVersion !== undefined && resourceVersion !== live.metadata.resourceVersion) {
      throw conflict(
        rt,
        at.name,
        `the ResourceVersion in the precondition (${resourceVersion}) does not match the ResourceVersion in record (${live.metadata.resourceVersion ?? ''}). The object might have been modified`,
      );
    }
    if (!dryRun) this.removeWithDependents(rt, live, policy);
    return live;
  }

  deleteCollection(
    rt: ResourceType,
    namespace: string | undefined,
    predicate: ObjectPredicate,
    options: DeleteOptions,
  ): KubeObject[] {
    const { preconditions: _ignored, ...perItem } = options;
    return this.store
      .list(rt, namespace)
      .filter(predicate)
      .map((o) => this.delete(rt, { namespace: o.metadata.namespace, name: o.metadata.name ?? '' }, perItem));
  }

  /** Applies body type checks: apiVersion/kind default to the endpoint's and must match it. */
  private typed(rt: ResourceType, body: unknown): KubeObject {
    if (!isRecord(body)) throw badRequest('the request body must be a JSON or YAML object');
    const apiVersion = body.apiVersion ?? apiVersionOf(rt);
    const kind = body.kind ?? rt.kind;
    if (apiVersion !== apiVersionOf(rt) || kind !== rt.kind) {
      throw badRequest(
        `the object provided is unrecognized (${String(apiVersion)}, Kind=${String(kind)}); this endpoint serves ${apiVersionOf(rt)}, Kind=${rt.kind}`,
      );
    }
    const metadata = isRecord(body.metadata) ? body.metadata : {};
    return clone({ ...body, apiVersion: apiVersionOf(rt), kind: rt.kind, metadata });
  }

  private checkNamespace(rt: ResourceType, object: KubeObject, namespace: string | undefined): void {
    if (!rt.namespaced) {
      delete object.metadata.namespace;
      return;
    }
    if (object.metadata.namespace && object.metadata.namespace !== namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    object.metadata.namespace = namespace;
  }

  private checkName(object: KubeObject, urlName: string): void {
    if (object.metadata.name !== urlName) {
      throw badRequest(
        `the name of the object (${object.metadata.name ?? ''}) does not match the name on the URL (${urlName})`,
      );
    }
  }

  private replace(
    rt: ResourceType,
    live: KubeObject,
    candidate: KubeObject,
    ctx: WriteContext,
    operation: ManagedFieldsEntry['operation'],
  ): KubeObject {
    const name = live.metadata.name ?? '';
    this.checkName(candidate, name);
    this.checkNamespace(rt, candidate, live.metadata.namespace);
    const requested = candidate.metadata;
    if (requested.resourceVersion && requested.resourceVersion !== live.metadata.resourceVersion) {
      throw conflict(rt, name, OBJECT_MODIFIED);
    }
    if (requested.uid && requested.uid !== live.metadata.uid) {
      throw conflict(
        rt,
        name,
        `Precondition failed: UID in precondition: ${requested.uid}, UID in object meta: ${live.metadata.uid ?? ''}`,
      );
    }

    const hasStatusSubresource = findSubresource(rt, 'status') !== undefined;
    const next: KubeObject =
      ctx.subresource === 'status'
        ? { ...clone(live), status: candidate.status }
        : {
            ...candidate,
            metadata: {
              ...requested,
              uid: live.metadata.uid,
              creationTimestamp: live.metadata.creationTimestamp,
              resourceVersion: live.metadata.resourceVersion,
              managedFields: live.metadata.managedFields,
              ...(live.metadata.generation !== undefined ? { generation: live.metadata.generation } : {}),
            },
            ...(hasStatusSubresource && live.status !== undefined ? { status: live.status } : {}),
          };
    if (rt.tracksGeneration && !deepEqual(specOf(next), specOf(live))) {
      next.metadata.generation = (live.metadata.generation ?? 0) + 1;
    }
    if (!ctx.subresource) prepareForUpdate(rt, next, live);
    const errors = validate(rt, next);
    if (errors.length > 0) throw invalidObject(rt, name, errors);

    if (deepEqual(userContent(next), userContent(live))) return live;
    next.metadata.managedFields = managedFieldsFor(next, ctx, operation, timestamp(this.clock()));
    return ctx.dryRun ? next : this.store.write(rt, next);
  }

  private propagationPolicy(options: DeleteOptions): PropagationPolicy {
    const policy = options.propagationPolicy ?? (options.orphanDependents ? 'Orphan' : 'Background');
    const known = PROPAGATION_POLICIES.find((p) => p === policy);
    if (!known)
      throw invalidOptions('DeleteOptions', [
        fieldNotSupported('propagationPolicy', policy, PROPAGATION_POLICIES),
      ]);
    if (options.orphanDependents !== undefined && options.propagationPolicy !== undefined) {
      throw invalidOptions('DeleteOptions', [
        fieldForbidden('propagationPolicy', 'orphanDependents and deletionPropagation cannot be both set'),
      ]);
    }
    return known;
  }

  /**
   * Deletes the object, then what it owns. Owners go first even for Foreground: deleting pods before
   * their ReplicaSet would only make the fake controller replace them.
   */
  private removeWithDependents(rt: ResourceType, object: KubeObject, policy: PropagationPolicy): void {
    const removed = this.store.remove(rt, {
      namespace: object.metadata.namespace,
      name: object.metadata.name ?? '',
    });
    if (!removed) return;
    if (rt === NAMESPACES) {
      for (const member of this.store.inNamespace(removed.metadata.name ?? '')) {
        this.removeWithDependents(member.rt, member.object, 'Background');
      }
      return;
    }
    for (const dependent of this.store.dependentsOf(removed.metadata.uid ?? '')) {
      if (policy === 'Orphan') {
        const orphan = dependent.object;
        orphan.metadata.ownerReferences = orphan.metadata.ownerReferences?.filter(
          (r) => r.uid !== removed.metadata.uid,
        );
        this.store.write(dependent.rt, orphan);
      } else {
        this.removeWithDependents(dependent.rt, dependent.object, policy);
      }
    }
  }
}

/** Validates PATCH options the way ValidatePatchOptions does. */
export function checkPatchOptions(type: PatchType, fieldManager: string | null, force: string | null): void {
  if (type === 'apply' && !fieldManager) {
    throw invalidOptions('PatchOptions', [fieldRequired('fieldManager', 'is required for apply patch')]);
  }
  if (type !== 'apply' && force !== null) {
    throw invalidOptions('PatchOptions', [
      fieldForbidden('force', 'may not be specified for non-apply patch'),
    ]);
  }
}
