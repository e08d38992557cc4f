/**
 * The MCP tools: each turns its arguments into Kubernetes API requests sent through the gateway with the caller's
 * token, so policy, review, masking and recording apply exactly as for kubectl. Nothing here decides what is
 * allowed; a refusal is the gateway's, passed on with what the model can do next.
 */
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import type { Agent } from '../identity/agent.js';
import { renderReview } from '../reviews/render-text.js';
import type { Review } from '../reviews/model.js';
import { groupVersionPath, type Discovery, type ResourceRef } from './discovery.js';
import {
  MAX_ANSWER_BYTES,
  statusMessage,
  type KubeApi,
  type KubeCaller,
  type KubeRequest,
  type KubeResponse,
} from './kube-api.js';
import { refusal, renderEvents, renderObject, renderTable, text, type ToolResult } from './render.js';

export interface ToolContext {
  kube: KubeApi;
  discovery: Discovery;
  reviews: { get(id: string): Promise<Review | undefined> };
  agent: Agent;
  token: string;
  signal: AbortSignal;
}

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint: boolean;
}

export interface ToolSpec<S extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  input: S;
  annotations: ToolAnnotations;
  run(args: z.infer<z.ZodObject<S>>, ctx: ToolContext): Promise<ToolResult>;
}

/** Keeps each tool's argument types while the list holds them all. */
const tool = <S extends z.ZodRawShape>(spec: ToolSpec<S>): ToolSpec => spec as unknown as ToolSpec;

/** A tool's arguments failed a check the schema cannot express; the message says which and why. */
export class ToolArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolArgumentError';
  }
}

const READ: ToolAnnotations = { readOnlyHint: true, openWorldHint: false };
const write = (idempotentHint: boolean): ToolAnnotations => ({
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint,
  openWorldHint: false,
});

const cluster = z
  .string()
  .min(1)
  .optional()
  .describe("Airlock's name for the cluster; omit for the default cluster");
const namespace = z
  .string()
  .min(1)
  .optional()
  .describe('Namespace (default "default"; ignored for cluster-scoped resources)');
const resource = z
  .string()
  .min(1)
  .describe(
    'Resource type as kubectl takes it: plural, singular, short name or kind, e.g. "deployments", "deploy", "Deployment", "deployments.apps"',
  );
const name = z.string().min(1).describe('Object name');
const reason = z
  .string()
  .min(1)
  .max(1000)
  .describe('Why you are doing this: shown to the on-call engineers who review the request, and recorded');
const dryRun = z
  .boolean()
  .optional()
  .describe('Ask the cluster to validate only (dryRun=All); nothing is changed');

function callerOf(
  ctx: ToolContext,
  args: { cluster?: string | undefined; reason?: string | undefined },
): KubeCaller {
  return { token: ctx.token, cluster: args.cluster, reason: args.reason, signal: ctx.signal };
}

/** `/api/v1/namespaces/ns/pods/name/log`, or the cluster-scoped form. */
export function objectPath(
  ref: ResourceRef,
  where: { namespace?: string | undefined; name?: string; subresource?: string },
): string {
  const ns =
    ref.namespaced && where.namespace !== undefined
      ? `/namespaces/${encodeURIComponent(where.namespace)}`
      : '';
  const name = where.name === undefined ? '' : `/${encodeURIComponent(where.name)}`;
  return `${groupVersionPath(ref)}${ns}/${ref.resource}${name}${where.subresource ? `/${where.subresource}` : ''}`;
}

const qualified = (ref: ResourceRef): string => `${ref.resource}${ref.group ? `.${ref.group}` : ''}`;
const ok = (res: KubeResponse): boolean => res.status >= 200 && res.status < 300;
const truncatedNote = (res: Pick<KubeResponse, 'truncated'>): string =>
  res.truncated
    ? '\n\n(answer cut at 1 MiB: narrow the request, e.g. with a selector, limit or tailLines)'
    : '';

type ToolArgs = { cluster?: string | undefined; reason?: string | undefined } & Record<string, unknown>;

/**
 * Sends one request as the caller, for `tool` called with `args`; a refusal becomes the tool result, with the exact
 * call to repeat when it is parked (`retryArgs` where the tool filled in an argument itself).
 */
async function send(
  ctx: ToolContext,
  tool: string,
  args: ToolArgs,
  req: KubeRequest,
  retryArgs: Record<string, unknown> = args,
): Promise<KubeResponse | ToolResult> {
  const res = await ctx.kube.request(callerOf(ctx, args), req);
  if (!ok(res)) return refusal(res, { tool, arguments: retryArgs });
  // Half a JSON document is no answer: say how to ask for less instead.
  if (res.truncated && res.contentType.includes('json'))
    return text(
      `the answer is larger than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB, more than a model should read at once: ` +
        'narrow the request (a label or field selector, a smaller limit, one object by name)',
      { isError: true },
    );
  return res;
}

const isResult = (value: KubeResponse | ToolResult): value is ToolResult => 'content' in value;

/** The resource type a tool names, and the path of the named object (namespace "default" unless given). */
async function namedObject(
  ctx: ToolContext,
  args: ToolArgs & { resource: string; name: string; namespace?: string | undefined },
  subresource?: string,
): Promise<{ ref: ResourceRef; path: string }> {
  const ref = await ctx.discovery.resolve(callerOf(ctx, args), args.resource);
  const where = { namespace: args.namespace ?? 'default', name: args.name };
  return { ref, path: objectPath(ref, subresource ? { ...where, subresource } : where) };
}

const listResources = tool({
  name: 'list_resources',
  title: 'List resources',
  description:
    'List objects of one resource type, as `kubectl get` prints them. Omit namespace to list all namespaces. ' +
    'Secret values never appear; Airlock masks them.',
  input: {
    resource,
    namespace: z.string().min(1).optional().describe('Namespace; omit for all namespaces'),
    labelSelector: z.string().optional().describe('e.g. "app=web,tier!=db"'),
    fieldSelector: z.string().optional().describe('e.g. "status.phase=Running"'),
    limit: z.number().int().min(1).max(500).default(200).describe('Most objects to return (default 200)'),
    continue: z.string().optional().describe('The continue token a previous, cut-short list returned'),
    cluster,
  },
  annotations: READ,
  async run(args, ctx) {
    const ref = await ctx.discovery.resolve(callerOf(ctx, args), args.resource);
    const res = await send(ctx, 'list_resources', args, {
      method: 'GET',
      path: objectPath(ref, { namespace: args.namespace }),
      query: {
        labelSelector: args.labelSelector,
        fieldSelector: args.fieldSelector,
        limit: args.limit,
        continue: args.continue,
      },
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    });
    if (isResult(res)) return res;
    const table = JSON.parse(res.body) as Parameters<typeof renderTable>[0];
    const allNamespaces = ref.namespaced && args.namespace === undefined;
    return text(renderTable(table, { namespaceColumn: allNamespaces }));
  },
});

async function getObject(
  ctx: ToolContext,
  args: ToolArgs & { resource: string; name: string; namespace?: string | undefined },
  toolName: string,
): Promise<{ ref: ResourceRef; res: KubeResponse } | ToolResult> {
  const { ref, path } = await namedObject(ctx, args);
  const res = await send(ctx, toolName, args, { method: 'GET', path });
  return isResult(res) ? res : { ref, res };
}

const getResource = tool({
  name: 'get_resource',
  title: 'Get a resource',
  description:
    'One object as YAML (like `kubectl get -o yaml`, without managedFields). Secret values are masked.',
  input: { resource, name, namespace, cluster },
  annotations: READ,
  async run(args, ctx) {
    const got = await getObject(ctx, args, 'get_resource');
    if ('content' in got) return got;
    return text(renderObject(JSON.parse(got.res.body)));
  },
});

const describeResource = tool({
  name: 'describe_resource',
  title: 'Describe a resource',
  description: 'One object as YAML followed by the events about it, oldest first (like `kubectl describe`).',
  input: { resource, name, namespace, cluster },
  annotations: READ,
  async run(args, ctx) {
    const got = await getObject(ctx, args, 'describe_resource');
    if ('content' in got) return got;
    const object = JSON.parse(got.res.body) as { kind?: string; metadata?: { namespace?: string } };
    const events = await ctx.kube.request(callerOf(ctx, args), {
      method: 'GET',
      path: got.ref.namespaced
        ? `/api/v1/namespaces/${encodeURIComponent(object.metadata?.namespace ?? args.namespace ?? 'default')}/events`
        : '/api/v1/events',
      query: {
        fieldSelector: `involvedObject.name=${args.name},involvedObject.kind=${object.kind ?? got.ref.kind}`,
      },
    });
    const eventText = ok(events)
      ? renderEvents(JSON.parse(events.body) as Parameters<typeof renderEvents>[0])
      : `(events not available: ${statusMessage(events)})`;
    return text(`${renderObject(object)}\n\nEvents:\n${eventText}`);
  },
});

const getLogs = tool({
  name: 'get_logs',
  title: 'Read container logs',
  description:
    "The last lines a pod's container wrote (like `kubectl logs`). Credentials in log lines are masked.",
  input: {
    pod: z.string().min(1).describe('Pod name'),
    namespace,
    container: z.string().min(1).optional().describe('Container name; needed when the pod has several'),
    tailLines: z.number().int().min(1).max(5000).default(200).describe('Lines from the end (default 200)'),
    sinceSeconds: z.number().int().min(1).optional().describe('Only lines newer than this many seconds'),
    previous: z.boolean().optional().describe('The previous, terminated instance of the container'),
    cluster,
  },
  annotations: READ,
  async run(args, ctx) {
    const res = await send(ctx, 'get_logs', args, {
      method: 'GET',
      path: `/api/v1/namespaces/${encodeURIComponent(args.namespace ?? 'default')}/pods/${encodeURIComponent(args.pod)}/log`,
      query: {
        container: args.container,
        tailLines: args.tailLines,
        sinceSeconds: args.sinceSeconds,
        previous: args.previous,
        limitBytes: 512 * 1024,
      },
      accept: 'text/plain, */*',
    });
    if (isResult(res)) return res;
    return text(`${res.body || '(no log lines)'}${truncatedNote(res)}`);
  },
});

const listEvents = tool({
  name: 'list_events',
  title: 'List events',
  description:
    'Events in a namespace (or all namespaces), oldest first; optionally only those about one object name.',
  input: {
    namespace: z.string().min(1).optional().describe('Namespace; omit for all namespaces'),
    object: z.string().min(1).optional().describe('Only events about objects with this name'),
    limit: z.number().int().min(1).max(500).default(200).describe('Most events to return (default 200)'),
    cluster,
  },
  annotations: READ,
  async run(args, ctx) {
    const res = await send(ctx, 'list_events', args, {
      method: 'GET',
      path: args.namespace
        ? `/api/v1/namespaces/${encodeURIComponent(args.namespace)}/events`
        : '/api/v1/events',
      query: {
        limit: args.limit,
        fieldSelector: args.object ? `involvedObject.name=${args.object}` : undefined,
      },
    });
    if (isResult(res)) return res;
    return text(renderEvents(JSON.parse(res.body) as Parameters<typeof renderEvents>[0]));
  },
});

interface ManifestObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown };
  items?: unknown;
}

/** Pure: the objects of a multi-document manifest, `kind: List` expanded; each must name apiVersion, kind and name. */
export function manifestObjects(manifest: string): ManifestObject[] {
  const docs = parseAllDocuments(manifest);
  const objects: ManifestObject[] = [];
  for (const [index, doc] of (Array.isArray(docs) ? docs : [docs]).entries()) {
    if (doc.errors.length > 0)
      throw new ToolArgumentError(
        `manifest document ${index + 1} is not valid YAML: ${doc.errors[0]!.message}`,
      );
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    const object = value as ManifestObject;
    if (typeof value !== 'object' || Array.isArray(value))
      throw new ToolArgumentError(`manifest document ${index + 1} is not an object`);
    if (object.kind === 'List' && Array.isArray(object.items))
      objects.push(...(object.items as ManifestObject[]));
    else objects.push(object);
  }
  for (const [index, o] of objects.entries()) {
    if (
      typeof o.apiVersion !== 'string' ||
      typeof o.kind !== 'string' ||
      typeof o.metadata?.name !== 'string'
    )
      throw new ToolArgumentError(`manifest object ${index + 1} needs apiVersion, kind and metadata.name`);
  }
  if (objects.length === 0) throw new ToolArgumentError('the manifest holds no objects');
  return objects;
}

const applyManifest = tool({
  name: 'apply_manifest',
  title: 'Apply a manifest',
  description:
    'Server-side apply of one or more YAML/JSON objects (like `kubectl apply --server-side`), field manager ' +
    '"airlock-mcp". Risky changes wait for human approval: the answer then says how to keep waiting.',
  input: {
    manifest: z.string().min(1).describe('YAML or JSON; several documents separated by ---'),
    namespace: z
      .string()
      .min(1)
      .optional()
      .describe('Namespace for objects that name none (default "default")'),
    force: z.boolean().optional().describe('Take over fields another manager owns (--force-conflicts)'),
    dryRun,
    reason,
    cluster,
  },
  annotations: write(true),
  async run(args, ctx) {
    const caller = callerOf(ctx, args);
    const done: string[] = [];
    for (const object of manifestObjects(args.manifest)) {
      const ref = await ctx.discovery.resolveKind(caller, object.apiVersion as string, object.kind as string);
      const declared = object.metadata?.namespace;
      if (ref.namespaced && typeof declared === 'string' && args.namespace && declared !== args.namespace) {
        throw new ToolArgumentError(
          `${ref.kind} ${String(object.metadata?.name)} names namespace "${declared}", but the call says "${args.namespace}"`,
        );
      }
      const ns = typeof declared === 'string' ? declared : (args.namespace ?? 'default');
      const objectName = object.metadata!.name as string;
      const res = await send(ctx, 'apply_manifest', args, {
        method: 'PATCH',
        path: objectPath(ref, { namespace: ns, name: objectName }),
        query: {
          fieldManager: 'airlock-mcp',
          force: args.force || undefined,
          dryRun: args.dryRun ? 'All' : undefined,
        },
        contentType: 'application/apply-patch+yaml',
        body: JSON.stringify(
          ref.namespaced ? { ...object, metadata: { ...object.metadata, namespace: ns } } : object,
        ),
      });
      if (isResult(res)) return prefixed(done, res);
      done.push(`${qualified(ref)}/${objectName} serverside-applied${args.dryRun ? ' (dry run)' : ''}`);
    }
    return text(done.join('\n'));
  },
});

/** What already succeeded stays in the answer when a later object of the same call is refused or parked. */
function prefixed(done: readonly string[], result: ToolResult): ToolResult {
  if (done.length === 0) return result;
  const [first, ...rest] = result.content;
  return { ...result, content: [{ type: 'text', text: `${done.join('\n')}\n\n${first!.text}` }, ...rest] };
}

const PATCH_TYPES = {
  strategic: 'application/strategic-merge-patch+json',
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
} as const;

const patchResource = tool({
  name: 'patch_resource',
  title: 'Patch a resource',
  description:
    'Change fields of one object (like `kubectl patch`). Risky changes wait for human approval: the answer then ' +
    'says how to keep waiting.',
  input: {
    resource,
    name,
    namespace,
    patch: z
      .union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))])
      .describe('The patch: an object for strategic/merge, an array of operations for json'),
    type: z
      .enum(['strategic', 'merge', 'json'])
      .default('strategic')
      .describe('Patch type (default strategic)'),
    dryRun,
    reason,
    cluster,
  },
  annotations: write(false),
  async run(args, ctx) {
    if ((args.type === 'json') !== Array.isArray(args.patch)) {
      throw new ToolArgumentError(
        args.type === 'json'
          ? 'a json patch is an array of operations, e.g. [{"op":"replace","path":"/spec/replicas","value":2}]'
          : `a ${args.type} patch is an object, e.g. {"spec":{"replicas":2}}`,
      );
    }
    const { ref, path } = await namedObject(ctx, args);
    const res = await send(ctx, 'patch_resource', args, {
      method: 'PATCH',
      path,
      query: { dryRun: args.dryRun ? 'All' : undefined },
      contentType: PATCH_TYPES[args.type],
      body: JSON.stringify(args.patch),
    });
    if (isResult(res)) return res;
    return text(`${qualified(ref)}/${args.name} patched${args.dryRun ? ' (dry run)' : ''}`);
  },
});

const scale = tool({
  name: 'scale',
  title: 'Scale a workload',
  description:
    'Set the replica count of a deployment, statefulset or replicaset (like `kubectl scale`). Waits for human ' +
    'approval where policy says so.',
  input: {
    resource: resource.default('deployments'),
    name,
    namespace,
    replicas: z.number().int().min(0).describe('Desired replicas'),
    reason,
    cluster,
  },
  annotations: write(true),
  async run(args, ctx) {
    const { ref, path } = await namedObject(ctx, args, 'scale');
    if (!ref.subresources.includes('scale'))
      throw new ToolArgumentError(`${qualified(ref)} has no scale subresource; it cannot be scaled`);
    const res = await send(ctx, 'scale', args, {
      method: 'PATCH',
      path,
      contentType: PATCH_TYPES.merge,
      body: JSON.stringify({ spec: { replicas: args.replicas } }),
    });
    if (isResult(res)) return res;
    return text(`${qualified(ref)}/${args.name} scaled to ${args.replicas}`);
  },
});

const deleteResource = tool({
  name: 'delete_resource',
  title: 'Delete a resource',
  description:
    'Delete one object (like `kubectl delete`). Usually waits for human approval: the answer then says how to keep ' +
    'waiting.',
  input: {
    resource,
    name,
    namespace,
    propagationPolicy: z.enum(['Foreground', 'Background', 'Orphan']).optional(),
    gracePeriodSeconds: z.number().int().min(0).optional(),
    dryRun,
    reason,
    cluster,
  },
  annotations: write(true),
  async run(args, ctx) {
    const { ref, path } = await namedObject(ctx, args);
    const res = await send(ctx, 'delete_resource', args, {
      method: 'DELETE',
      path,
      query: {
        propagationPolicy: args.propagationPolicy,
        gracePeriodSeconds: args.gracePeriodSeconds,
        dryRun: args.dryRun ? 'All' : undefined,
      },
    });
    if (isResult(res)) return res;
    return text(`${qualified(ref)}/${args.name} deleted${args.dryRun ? ' (dry run)' : ''}`);
  },
});

const RESTARTABLE = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

const rolloutRestart = tool({
  name: 'rollout_restart',
  title: 'Restart a rollout',
  description:
    'Restart the pods of a deployment, statefulset or daemonset by a rolling update (like `kubectl rollout ' +
    'restart`). When it waits for approval, retry with the restartedAt the answer gives, so the retry is the same request.',
  input: {
    resource: resource.default('deployments'),
    name,
    namespace,
    restartedAt: z
      .string()
      .datetime()
      .optional()
      .describe('Timestamp for the restart annotation; leave out on the first call'),
    reason,
    cluster,
  },
  annotations: write(false),
  async run(args, ctx) {
    const { ref, path } = await namedObject(ctx, args);
    if (!RESTARTABLE.has(ref.kind))
      throw new ToolArgumentError(
        `${qualified(ref)} cannot be restarted; only deployments, statefulsets and daemonsets`,
      );
    // The timestamp is the request: a retry must carry the same one to re-attach to its review.
    const restartedAt = args.restartedAt ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const res = await send(
      ctx,
      'rollout_restart',
      args,
      {
        method: 'PATCH',
        path,
        contentType: PATCH_TYPES.strategic,
        body: JSON.stringify({
          spec: {
            template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': restartedAt } } },
          },
        }),
      },
      { ...args, restartedAt },
    );
    if (isResult(res)) return res;
    return text(`${qualified(ref)}/${args.name} restarted (restartedAt ${restartedAt})`);
  },
});

const reviewStatus = tool({
  name: 'review_status',
  title: 'Review status',
  description:
    'Where one of your reviews stands: waiting (with approvals so far), approved, denied (by whom and why), ' +
    'executed or expired, and the request as the reviewers saw it.',
  input: { review_id: z.string().min(1).describe('The review id a parked call returned') },
  annotations: READ,
  async run(args, ctx) {
    const review = await ctx.reviews.get(args.review_id);
    // Another agent's review is as absent as a made-up id: ids are not secrets, their contents are not yours.
    const mine =
      review && review.agent.issuer === ctx.agent.issuer && review.agent.subject === ctx.agent.subject;
    if (!mine) return text(`no review ${JSON.stringify(args.review_id)} of yours exists`, { isError: true });
    return text(renderReview(review), {
      structuredContent: { review: { id: review.id, state: review.state } },
    });
  },
});

export const TOOLS: readonly ToolSpec[] = [
  listResources,
  getResource,
  describeResource,
  getLogs,
  listEvents,
  applyManifest,
  patchResource,
  scale,
  deleteResource,
  rolloutRestart,
  reviewStatus,
];
