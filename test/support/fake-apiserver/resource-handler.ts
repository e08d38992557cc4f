/**
 * Resource requests: maps method + target (collection, object, subresource) onto the registry and
 * renders the answer (object, List, Table, watch stream, log text).
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { DeleteOptions } from '../../../src/kube/request-info.js';
import { apiVersionOf, PODS, type Requester } from './catalog.js';
import {
  decodeObjectBody,
  decodePatchBody,
  includeObjectOf,
  mediaTypeOf,
  patchTypeOf,
  queryFlag,
  tableVersionOf,
} from './content.js';
import { badRequest, methodNotAllowed, notFound } from './errors.js';
import type { Reply } from './http-io.js';
import { isRecord } from './json.js';
import type { KubeObject, ObjectLocation } from './objects.js';
import type { OpenStreams } from './open-streams.js';
import { applyPatch } from './patch.js';
import { podLogText, resolveContainer, servePodLog } from './pod-log.js';
import {
  checkDryRun,
  checkPatchOptions,
  type ListResult,
  type Registry,
  type WriteContext,
} from './registry.js';
import type { ResourceTarget } from './request-target.js';
import { applyScale, toScale } from './scale.js';
import { nameSelector, parseFieldSelector, parseLabelSelector, type ObjectPredicate } from './selectors.js';
import type { ObjectStore } from './store.js';
import { renderTable, type TableListMeta } from './table.js';
import { tokenRequestFor } from './token-request.js';
import { serveWatch } from './watch.js';

export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface ResourceHandlerDeps {
  registry: Registry;
  store: ObjectStore;
  streams: OpenStreams;
  clock: () => Date;
}

/** Streaming handlers write the response themselves. */
type Outcome = Reply | 'streamed';

const ok = (body: unknown): Reply => ({ status: 200, body });
const created = (body: unknown): Reply => ({ status: 201, body });

/** kube-apiserver's default field manager: the User-Agent up to the first `/`. */
function fieldManagerOf(req: ApiRequest): string {
  return (
    req.query.get('fieldManager') ??
    (req.headers['user-agent'] ?? 'unknown').split('/')[0]?.slice(0, 128) ??
    ''
  );
}

function deleteOptionsOf(req: ApiRequest): DeleteOptions {
  // kube-apiserver reads DeleteOptions from a non-empty body and then ignores the query (reference §3.1).
  if (req.body.trim() !== '') {
    const body = decodeObjectBody(req.body, req.headers['content-type']);
    if (!isRecord(body)) throw badRequest('DeleteOptions must be an object');
    const strings = (value: unknown) => (Array.isArray(value) ? value.map(String) : undefined);
    const preconditions = isRecord(body.preconditions) ? body.preconditions : undefined;
    return {
      ...(strings(body.dryRun) ? { dryRun: strings(body.dryRun) } : {}),
      ...(typeof body.propagationPolicy === 'string' ? { propagationPolicy: body.propagationPolicy } : {}),
      ...(typeof body.gracePeriodSeconds === 'number' ? { gracePeriodSeconds: body.gracePeriodSeconds } : {}),
      ...(typeof body.orphanDependents === 'boolean' ? { orphanDependents: body.orphanDependents } : {}),
      ...(preconditions
        ? {
            preconditions: {
              ...(typeof preconditions.uid === 'string' ? { uid: preconditions.uid } : {}),
              ...(typeof preconditions.resourceVersion === 'string'
                ? { resourceVersion: preconditions.resourceVersion }
                : {}),
            },
          }
        : {}),
    };
  }
  const { query } = req;
  const propagationPolicy = query.get('propagationPolicy');
  const grace = query.get('gracePeriodSeconds');
  return {
    dryRun: query.getAll('dryRun'),
    ...(propagationPolicy !== null ? { propagationPolicy } : {}),
    ...(grace !== null ? { gracePeriodSeconds: Number(grace) } : {}),
    ...(query.has('orphanDependents') ? { orphanDependents: queryFlag(query, 'orphanDependents') } : {}),
  };
}

/** The fake's credential is a cluster admin; impersonation headers (Airlock's impersonate mode) name whom it acts for. */
function requesterOf(req: ApiRequest): Requester {
  const values = (name: string) => {
    const value = req.headers[name];
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
  };
  const [user] = values('impersonate-user');
  return user
    ? { username: user, groups: [...values('impersonate-group'), 'system:authenticated'] }
    : { username: 'fake-admin', groups: ['system:masters', 'system:authenticated'] };
}

/** List items carry no apiVersion/kind on the wire; the List's own kind says what they are. */
function listItem(object: KubeObject): Omit<KubeObject, 'apiVersion' | 'kind'> {
  const { apiVersion: _apiVersion, kind: _kind, ...rest } = object;
  return rest;
}

export class ResourceHandler {
  constructor(private readonly deps: ResourceHandlerDeps) {}

  handle(target: ResourceTarget, req: ApiRequest, res: ServerResponse): Outcome {
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (target.rt.review) return this.review(target.rt.review, target, req, method);
    const sub = target.subresource?.name;
    if (target.name === undefined) return this.collection(target, req, res, method);
    const at: ObjectLocation = { namespace: target.namespace, name: target.name };
    switch (sub) {
      case undefined:
        return this.object(target, at, req, res, method);
      case 'status':
        return this.status(target, at, req, method);
      case 'scale':
        return this.scale(target, at, req, method);
      case 'log':
        if (method !== 'GET') throw methodNotAllowed(method);
        return this.log(at, req, res);
      case 'exec':
      case 'portforward':
        throw badRequest('Upgrade request required');
      case 'token':
        if (method !== 'POST') throw methodNotAllowed(method);
        return created(
          tokenRequestFor(this.deps.registry.get(target.rt, at), this.body(req), this.deps.clock()),
        );
    }
  }

  /** A create-only review: answered from the request and who sends it, never stored. */
  private review(
    answer: NonNullable<ResourceTarget['rt']['review']>,
    target: ResourceTarget,
    req: ApiRequest,
    method: string,
  ): Outcome {
    if (method !== 'POST' || target.name !== undefined) throw methodNotAllowed(method);
    const body = this.body(req);
    if (!isRecord(body)) throw badRequest(`${target.rt.kind} must be an object`);
    return created(answer(body, requesterOf(req)));
  }

  private collection(target: ResourceTarget, req: ApiRequest, res: ServerResponse, method: string): Outcome {
    const { registry } = this.deps;
    switch (method) {
      case 'GET': {
        const predicate = this.selection(target, req);
        if (queryFlag(req.query, 'watch') || target.watchPrefix)
          return this.watch(target, req, res, predicate);
        const limit = Number(req.query.get('limit') ?? 0) || 0;
        const result = registry.list(target.rt, target.namespace, {
          predicate,
          limit,
          continueToken: req.query.get('continue') ?? undefined,
          filtered: req.query.has('labelSelector') || req.query.has('fieldSelector'),
        });
        return ok(this.renderList(target, req, result));
      }
      case 'POST': {
        if (target.namespace === undefined && target.rt.namespaced) throw methodNotAllowed(method);
        const ctx = this.writeContext(req, 'CreateOptions');
        return created(registry.create(target.rt, target.namespace, this.body(req), ctx));
      }
      case 'DELETE': {
        const deleted = registry.deleteCollection(
          target.rt,
          target.namespace,
          this.selection(target, req),
          deleteOptionsOf(req),
        );
        return ok(
          this.renderList(target, req, {
            items: deleted,
            resourceVersion: String(this.deps.store.currentRevision),
          }),
        );
      }
      default:
        throw methodNotAllowed(method);
    }
  }

  private object(
    target: ResourceTarget,
    at: ObjectLocation,
    req: ApiRequest,
    res: ServerResponse,
    method: string,
  ): Outcome {
    const { registry } = this.deps;
    switch (method) {
      case 'GET': {
        if (target.watchPrefix) {
          const byName = parseFieldSelector(nameSelector(at.name), []);
          const selected = this.selection(target, req);
          return this.watch(target, req, res, (o) => byName(o) && selected(o));
        }
        return ok(this.renderObject(target, req, registry.get(target.rt, at)));
      }
      case 'PUT':
        return ok(registry.update(target.rt, at, this.body(req), this.writeContext(req, 'UpdateOptions')));
      case 'PATCH': {
        const type = patchTypeOf(req.headers['content-type']);
        checkPatchOptions(type, req.query.get('fieldManager'), req.query.get('force'));
        const ctx = this.writeContext(req, 'PatchOptions');
        const result = registry.patch(target.rt, at, type, decodePatchBody(req.body, type), ctx);
        return result.created ? created(result.object) : ok(result.object);
      }
      case 'DELETE':
        return ok(registry.delete(target.rt, at, deleteOptionsOf(req)));
      default:
        throw methodNotAllowed(method);
    }
  }

  private status(target: ResourceTarget, at: ObjectLocation, req: ApiRequest, method: string): Outcome {
    const { registry } = this.deps;
    const statusContext = (optionsKind: string): WriteContext => ({
      ...this.writeContext(req, optionsKind),
      subresource: 'status',
    });
    switch (method) {
      case 'GET':
        return ok(registry.get(target.rt, at));
      case 'PUT':
        return ok(registry.update(target.rt, at, this.body(req), statusContext('UpdateOptions')));
      case 'PATCH': {
        const type = patchTypeOf(req.headers['content-type']);
        checkPatchOptions(type, req.query.get('fieldManager'), req.query.get('force'));
        const patch = decodePatchBody(req.body, type);
        return ok(registry.patch(target.rt, at, type, patch, statusContext('PatchOptions')).object);
      }
      default:
        throw methodNotAllowed(method);
    }
  }

  private scale(target: ResourceTarget, at: ObjectLocation, req: ApiRequest, method: string): Outcome {
    const { registry } = this.deps;
    const live = registry.get(target.rt, at);
    let requested: unknown;
    switch (method) {
      case 'GET':
        return ok(toScale(live));
      case 'PUT':
        requested = this.body(req);
        break;
      case 'PATCH': {
        const type = patchTypeOf(req.headers['content-type']);
        checkPatchOptions(type, req.query.get('fieldManager'), req.query.get('force'));
        requested = applyPatch(type, toScale(live), decodePatchBody(req.body, type));
        break;
      }
      default:
        throw methodNotAllowed(method);
    }
    const ctx = this.writeContext(req, method === 'PUT' ? 'UpdateOptions' : 'PatchOptions');
    return ok(toScale(registry.update(target.rt, at, applyScale(target.rt, live, requested), ctx)));
  }

  private log(at: ObjectLocation, req: ApiRequest, res: ServerResponse): Outcome {
    const pod = this.deps.store.get(PODS, at);
    if (!pod) throw notFound(PODS, at.name);
    const container = resolveContainer(pod, req.query.get('container'));
    servePodLog(
      res,
      this.deps.streams,
      podLogText(pod, container, req.query.get('tailLines')),
      queryFlag(req.query, 'follow'),
    );
    return 'streamed';
  }

  private watch(
    target: ResourceTarget,
    req: ApiRequest,
    res: ServerResponse,
    predicate: ObjectPredicate,
  ): Outcome {
    const timeout = req.query.get('timeoutSeconds');
    serveWatch(res, this.deps.store, this.deps.streams, {
      rt: target.rt,
      namespace: target.namespace,
      predicate,
      resourceVersion: req.query.get('resourceVersion'),
      timeoutSeconds: timeout !== null && /^\d+$/.test(timeout) ? Number(timeout) : undefined,
      render: (object) => this.renderObject(target, req, object),
    });
    return 'streamed';
  }

  private selection(target: ResourceTarget, req: ApiRequest): ObjectPredicate {
    const byLabel = parseLabelSelector(req.query.get('labelSelector'));
    const byField = parseFieldSelector(req.query.get('fieldSelector'), target.rt.fieldLabels);
    return (o) => byLabel(o) && byField(o);
  }

  private writeContext(req: ApiRequest, optionsKind: string): WriteContext {
    return {
      dryRun: checkDryRun(req.query.getAll('dryRun'), optionsKind),
      fieldManager: fieldManagerOf(req),
    };
  }

  private body(req: ApiRequest): unknown {
    if (mediaTypeOf(req.headers['content-type']) === '' && req.body.trim() === '') {
      throw badRequest('the request body is empty');
    }
    return decodeObjectBody(req.body, req.headers['content-type']);
  }

  private renderObject(target: ResourceTarget, req: ApiRequest, object: KubeObject): unknown {
    return (
      this.maybeTable(target, req, [object], { resourceVersion: object.metadata.resourceVersion ?? '' }) ??
      object
    );
  }

  private renderList(target: ResourceTarget, req: ApiRequest, result: ListResult): unknown {
    const listMeta: TableListMeta = {
      resourceVersion: result.resourceVersion,
      ...(result.continueToken ? { continue: result.continueToken } : {}),
    };
    return (
      this.maybeTable(target, req, result.items, listMeta) ?? {
        kind: `${target.rt.kind}List`,
        apiVersion: apiVersionOf(target.rt),
        metadata: {
          ...listMeta,
          ...(result.remainingItemCount !== undefined
            ? { remainingItemCount: result.remainingItemCount }
            : {}),
        },
        items: result.items.map(listItem),
      }
    );
  }

  private maybeTable(
    target: ResourceTarget,
    req: ApiRequest,
    objects: readonly KubeObject[],
    listMeta: TableListMeta,
  ): object | undefined {
    const version = tableVersionOf(req.headers.accept);
    if (!version || req.method === 'DELETE') return undefined;
    return renderTable(target.rt, objects, listMeta, {
      version,
      includeObject: includeObjectOf(req.query),
      now: this.deps.clock(),
    });
  }
}
