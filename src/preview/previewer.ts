/**
 * Computes the preview a review carries: for writes the cluster's own dry run diffed against the live object
 * (or an exact client-side patch when the dry run is not possible), for deletes the object and what goes with it.
 * Never throws and never returns an empty diff silently: what it cannot compute is labelled `unavailable`.
 */
import { parse as parseYaml } from 'yaml';
import { requestBodyKind } from '../kube/content-negotiation.js';
import type { ObjectPin } from '../kube/pin.js';
import type { ClassifiedRequest, RequestInfo } from '../kube/request-info.js';
import type { UpstreamCluster } from '../kube/upstream.js';
import type { Masker } from '../masking/index.js';
import type { ParkInput } from '../reviews/engine.js';
import { dependentsOf, namespaceContents, selectedObjects, type DeleteImpact } from './delete-impact.js';
import { diffObjects } from './diff-objects.js';
import { capLines, DEFAULT_DIFF_LIMITS, type DiffLimits } from './diff-text.js';
import { describeChange } from './field-changes.js';
import { isRecord, valueAt } from './json.js';
import type { DeletedObject, FieldChange, MutationPreview, RiskFact } from './model.js';
import { countOf } from './kinds.js';
import { applyJsonPatch, applyMergePatch, PatchApplicationError } from './patches.js';
import { scrubText, secretStrings } from './redact.js';
import { podSpecOf, riskFacts } from './risk-facts.js';
import {
  createPreviewUpstream,
  type PreviewUpstream,
  type UpstreamAnswer,
  UpstreamUnavailableError,
} from './upstream-client.js';

export interface PreviewerDeps {
  clusters: ReadonlyMap<string, UpstreamCluster>;
  masker: Masker;
  /** Bound on each call to the cluster (live read, dry run, each list). */
  timeoutMs?: number;
  limits?: DiffLimits;
}

export interface ComputedPreview {
  preview: MutationPreview;
  pin?: ObjectPin;
}

export type Previewer = (input: ParkInput) => Promise<ComputedPreview>;

const DEFAULT_TIMEOUT_MS = 5_000;
const WRITE_VERBS = new Set(['create', 'update', 'patch']);
/** Subresources whose GET returns what a write to them changes. */
const READABLE_SUBRESOURCES = new Set(['', 'status', 'scale']);
const SUMMARY_CHANGES = 2;

/** A preview before display capping and its summary line. */
interface Draft {
  source: MutationPreview['source'];
  unavailableReason?: string;
  diff: string;
  changes: FieldChange[];
  risks: RiskFact[];
  dependents?: { total: number; sample: string[] };
  deleted?: DeletedObject;
  pin?: ObjectPin;
  /** Name of an object the URL does not name (a create's). */
  objectName?: string;
}

/** Everything one preview computation needs. */
interface PreviewContext {
  input: ParkInput;
  request: ClassifiedRequest;
  upstream: PreviewUpstream;
  masker: Masker;
  /** The request as people may see it (path and query masked): what labels, risks and the summary name. */
  redacted: ClassifiedRequest;
  /** Scrubs secrets of this request's body out of text the cluster sent back. */
  scrub(text: string): string;
}

export function createPreviewer(deps: PreviewerDeps): Previewer {
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const limits = deps.limits ?? DEFAULT_DIFF_LIMITS;
  return async (input) => {
    const draft = await computeDraft(deps, input, timeoutMs).catch((err: unknown) =>
      unavailable(
        input,
        `Airlock failed to compute it (${err instanceof Error ? err.message : String(err)})`,
      ),
    );
    return finish(input.redacted, draft, limits);
  };
}

async function computeDraft(deps: PreviewerDeps, input: ParkInput, timeoutMs: number): Promise<Draft> {
  const cluster = deps.clusters.get(input.cluster);
  if (!cluster) return unavailable(input, `cluster "${input.cluster}" is not configured`);
  const body = decodedBody(input);
  const secrets = secretStrings(body, deps.masker.maskRequestBody(body, input.request.info));
  const ctx: PreviewContext = {
    input,
    request: input.request,
    upstream: createPreviewUpstream(cluster, input.agent, timeoutMs),
    masker: deps.masker,
    redacted: input.redacted,
    scrub: (text) => scrubText(text, secrets, deps.masker),
  };
  const { verb, subresource, resource } = input.request.info;
  if (input.request.upgrade)
    return unavailable(
      input,
      `${resource}/${subresource} opens a session: there is no object change to show`,
    );
  if (WRITE_VERBS.has(verb)) return previewWrite(ctx);
  if (verb === 'delete') return previewDelete(ctx);
  if (verb === 'deletecollection') return previewDeleteCollection(ctx);
  return unavailable(input, `a ${verb} request changes no object Airlock can diff`);
}

function decodedBody(input: ParkInput): unknown {
  if (input.body.length === 0) return undefined;
  const text = input.body.toString('utf8');
  try {
    switch (requestBodyKind(input.contentType)) {
      case 'json':
        return JSON.parse(text) as unknown;
      case 'yaml':
        return parseYaml(text) as unknown;
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}

/** `deployments.apps/web`, `deployments.apps/web/scale`: how the diff and summary name the target. */
function labelOf(info: RequestInfo, objectName?: string): string {
  const resource = info.apiGroup ? `${info.resource}.${info.apiGroup}` : info.resource;
  const name = info.name || objectName || '(new)';
  return [resource, name, ...(info.subresource ? [info.subresource] : [])].join('/');
}

function pinOf(live: unknown): ObjectPin {
  const resourceVersion = valueAt(live, ['metadata', 'resourceVersion']);
  const uid = valueAt(live, ['metadata', 'uid']);
  return {
    ...(typeof resourceVersion === 'string' ? { resourceVersion } : {}),
    ...(typeof uid === 'string' ? { uid } : {}),
  };
}

/** `409 Conflict: <message>` from a Status answer, scrubbed of the request's secrets. */
function describeAnswer(ctx: PreviewContext, answer: UpstreamAnswer): string {
  const reason = valueAt(answer.body, ['reason']);
  const message = valueAt(answer.body, ['message']);
  const detail = typeof message === 'string' ? `: ${ctx.scrub(message)}` : '';
  return `HTTP ${answer.status}${typeof reason === 'string' ? ` ${reason}` : ''}${detail}`;
}

type LiveRead = { live: unknown; pin?: ObjectPin } | { failure: string };

/** The live object; `live: undefined` when it does not exist (a create, or an apply that creates). */
async function readLive(ctx: PreviewContext): Promise<LiveRead> {
  const { info } = ctx.request;
  if (info.verb === 'create' || !READABLE_SUBRESOURCES.has(info.subresource)) return { live: undefined };
  try {
    const answer = await ctx.upstream.get(ctx.request.path);
    if (answer.status === 404) return { live: undefined };
    if (answer.status !== 200 || !isRecord(answer.body))
      return { failure: `reading the live object: ${describeAnswer(ctx, answer)}` };
    return { live: answer.body, pin: pinOf(answer.body) };
  } catch (err) {
    if (err instanceof UpstreamUnavailableError)
      return { failure: `reading the live object: ${err.message}` };
    throw err;
  }
}

async function previewWrite(context: PreviewContext): Promise<Draft> {
  const read = await readLive(context);
  if ('failure' in read) return unavailable(context.input, read.failure);
  const { live, pin } = read;
  const ctx = scrubbingLive(context, live);
  let dryRunFailure: string;
  try {
    const answer = await ctx.upstream.dryRun(ctx.request, ctx.input.contentType, ctx.input.body);
    if (answer.status >= 200 && answer.status < 300 && isRecord(answer.body)) {
      return { ...objectChange(ctx, live, answer.body), source: 'dry-run', ...(pin ? { pin } : {}) };
    }
    dryRunFailure = `the cluster refused the dry run (${describeAnswer(ctx, answer)})`;
  } catch (err) {
    if (!(err instanceof UpstreamUnavailableError)) throw err;
    dryRunFailure = `the dry run failed: ${err.message}`;
  }
  const client = clientSideResult(ctx.input, live);
  if ('reason' in client) return unavailable(ctx.input, `${dryRunFailure}; ${client.reason}`);
  return {
    ...objectChange(ctx, live, client.result),
    source: 'client',
    unavailableReason: `${dryRunFailure}; computed by Airlock from the patch instead (exact, but without the cluster's defaulting and admission)`,
    ...(pin ? { pin } : {}),
  };
}

/** The dry run's refusal may echo the live object (a webhook's message, a value the cluster copied): its masked
 *  values are scrubbed from such text too. */
function scrubbingLive(ctx: PreviewContext, live: unknown): PreviewContext {
  if (live === undefined) return ctx;
  const secrets = secretStrings(live, ctx.masker.maskDocument(live));
  return { ...ctx, scrub: (text) => ctx.scrub(scrubText(text, secrets, ctx.masker)) };
}

/** The exact result of a JSON or merge patch; other bodies need the cluster's schemas to be computed. */
function clientSideResult(input: ParkInput, live: unknown): { result: unknown } | { reason: string } {
  const mediaType = (input.contentType.split(';')[0] ?? '').trim().toLowerCase();
  const apply =
    mediaType === 'application/json-patch+json'
      ? applyJsonPatch
      : mediaType === 'application/merge-patch+json'
        ? applyMergePatch
        : undefined;
  if (input.request.info.verb !== 'patch' || !apply) {
    return {
      reason: `a ${input.request.info.verb} with ${mediaType || 'no content type'} can only be computed by the cluster`,
    };
  }
  if (live === undefined) return { reason: 'there is no live object to apply the patch to' };
  let patch: unknown;
  try {
    patch = JSON.parse(input.body.toString('utf8')) as unknown;
  } catch {
    return { reason: 'the patch body is not JSON' };
  }
  try {
    return { result: apply(live, patch) };
  } catch (err) {
    if (err instanceof PatchApplicationError)
      return { reason: `the patch does not apply to the live object: ${err.message}` };
    throw err;
  }
}

function objectChange(ctx: PreviewContext, live: unknown, result: unknown): Omit<Draft, 'source'> {
  const name = valueAt(result, ['metadata', 'name']);
  // A create's name, from its body: shown (and stored with the preview) as masking leaves it.
  const objectName = typeof name === 'string' ? ctx.masker.maskText(name) : undefined;
  const label = labelOf(ctx.redacted.info, objectName);
  const keepStatus = ctx.request.info.subresource === 'status';
  const { unifiedDiff, changes, shown } = diffObjects(live, result, {
    masker: ctx.masker,
    keepStatus,
    label,
  });
  return {
    diff: unifiedDiff || `# no change: ${label} would stay exactly as it is\n`,
    changes,
    risks: riskFacts(ctx.redacted, shown.before, shown.after),
    ...(objectName !== undefined ? { objectName } : {}),
  };
}

async function previewDelete(ctx: PreviewContext): Promise<Draft> {
  const { info, deleteOptions } = ctx.request;
  const read = await readLive(ctx);
  if ('failure' in read) return unavailable(ctx.input, read.failure);
  const { live, pin } = read;
  if (live === undefined) {
    // Approving "would fail" must not delete an object created since: the execution is pinned to its absence.
    const draft = unavailable(
      ctx.input,
      `${labelOf(ctx.redacted.info)} does not exist, so the delete would fail`,
    );
    return { ...draft, pin: { absent: true } };
  }
  const uid = pin?.uid;
  const found =
    info.resource === 'namespaces' && info.apiGroup === '' && info.subresource === ''
      ? await namespaceContents(ctx.upstream, info.name)
      : info.namespace && uid
        ? await dependentsOf(ctx.upstream, info.namespace, uid)
        : undefined;
  const impact = found && shownImpact(found, ctx.masker);
  const label = labelOf(ctx.redacted.info);
  const { unifiedDiff, shown } = diffObjects(live, undefined, {
    masker: ctx.masker,
    keepStatus: false,
    label,
  });
  const policy =
    deleteOptions?.propagationPolicy ?? (deleteOptions?.orphanDependents ? 'Orphan' : 'Background');
  const header = [`# deletes ${label} (propagationPolicy: ${policy})`, ...impactLines(impact)];
  return {
    source: 'delete',
    diff: `${header.join('\n')}\n${unifiedDiff}`,
    changes: [],
    risks: riskFacts(ctx.redacted, shown.before, undefined, impact),
    ...(impact ? { dependents: { total: impact.total, sample: impact.sample } } : {}),
    deleted: deletedObject(shown.before, ctx.redacted.info),
    ...(pin ? { pin } : {}),
  };
}

/** What a delete removes, from the redacted live object: kind, name, replicas and images. */
function deletedObject(live: unknown, info: RequestInfo): DeletedObject {
  const desired = valueAt(live, ['spec', 'replicas']);
  const ready = valueAt(live, ['status', 'readyReplicas']);
  const podSpec = podSpecOf(live);
  const images = ['initContainers', 'containers'].flatMap((list) => {
    const containers = valueAt(podSpec, [list]);
    return Array.isArray(containers)
      ? containers.map((c) => valueAt(c, ['image'])).filter((i): i is string => typeof i === 'string')
      : [];
  });
  const kind = valueAt(live, ['kind']);
  return {
    kind: typeof kind === 'string' ? kind : info.resource,
    name: info.name,
    ...(typeof desired === 'number'
      ? { replicas: { desired, ...(typeof ready === 'number' ? { ready } : {}) } }
      : {}),
    images: [...new Set(images)],
  };
}

async function previewDeleteCollection(ctx: PreviewContext): Promise<Draft> {
  const impact = shownImpact(await selectedObjects(ctx.upstream, ctx.request), ctx.masker);
  const { labelSelector, fieldSelector, resource } = ctx.redacted.info;
  const selector = [labelSelector, fieldSelector].filter(Boolean).join(', ') || 'no selector: every one';
  const header = `# deletes ${impact.total} ${resource} (${selector})`;
  return {
    source: 'delete',
    diff: [header, ...impact.sample.map((ref) => `- ${ref}`), ...uncountedLines(impact)].join('\n'),
    changes: [],
    risks: riskFacts(ctx.redacted, undefined, undefined, impact),
    dependents: { total: impact.total, sample: impact.sample },
  };
}

/** The objects a delete takes with it, named as people may see them: their names are the cluster's, any text. */
function shownImpact(impact: DeleteImpact, masker: Masker): DeleteImpact {
  return { ...impact, sample: impact.sample.map((ref) => masker.maskText(ref)) };
}

function impactLines(impact: DeleteImpact | undefined): string[] {
  if (!impact) return [];
  const more = impact.total > impact.sample.length ? `, … ${impact.total - impact.sample.length} more` : '';
  return [
    ...(impact.total > 0
      ? [`# with it: ${countOf(impact.total, 'object')}: ${impact.sample.join(', ')}${more}`]
      : []),
    ...uncountedLines(impact),
  ];
}

function uncountedLines(impact: DeleteImpact): string[] {
  return impact.uncounted.length > 0
    ? [`# not counted (listing failed): ${impact.uncounted.join(', ')}`]
    : [];
}

/** The labelled request itself: what a reviewer sees when no diff can be computed. */
function unavailable(input: ParkInput, reason: string): Draft {
  const { redacted: request } = input;
  const query = request.query.toString();
  const body =
    input.redactedBody ??
    (input.body.length > 0
      ? `(${input.body.length}-byte ${input.contentType || 'body'} not shown: it could not be decoded to mask it)`
      : '(no body)');
  const diff = [
    `# preview unavailable: ${reason}`,
    '# the request as received, secret values masked:',
    `${request.method} ${request.path}${query ? `?${query}` : ''}`,
    ...(input.contentType ? [`Content-Type: ${input.contentType}`] : []),
    '',
    body,
  ].join('\n');
  return {
    source: 'unavailable',
    unavailableReason: reason,
    diff,
    changes: [],
    risks: riskFacts(request, undefined, undefined),
  };
}

/** `patch deployments.apps "web" in prod: spec.replicas: 3 → 0` */
function summaryOf(request: ClassifiedRequest, draft: Draft): string {
  const { info } = request;
  const resource = info.apiGroup ? `${info.resource}.${info.apiGroup}` : info.resource;
  const name = info.name || draft.objectName;
  // kube-apiserver's RequestInfo puts a namespace's own name in `namespace` too.
  const namespace = info.resource === 'namespaces' && info.apiGroup === '' ? '' : info.namespace;
  const target = `${info.verb} ${resource}${info.subresource ? `/${info.subresource}` : ''}${name ? ` "${name}"` : ''}${namespace ? ` in ${namespace}` : ''}`;
  if (draft.source === 'unavailable') return `${target}: preview unavailable`;
  if (draft.source === 'delete')
    return draft.dependents?.total
      ? `${target}: ${countOf(draft.dependents.total, 'object')} go${draft.dependents.total === 1 ? 'es' : ''} with it`
      : target;
  if (draft.changes.length === 0) return `${target}: no change`;
  const shown = draft.changes.slice(0, SUMMARY_CHANGES).map(describeChange).join('; ');
  const more =
    draft.changes.length > SUMMARY_CHANGES ? ` (+${draft.changes.length - SUMMARY_CHANGES} more)` : '';
  return `${target}: ${shown}${more}`;
}

function finish(request: ClassifiedRequest, draft: Draft, limits: DiffLimits): ComputedPreview {
  const capped = capLines(draft.diff, limits);
  const preview: MutationPreview = {
    source: draft.source,
    ...(draft.unavailableReason ? { unavailableReason: draft.unavailableReason } : {}),
    summary: summaryOf(request, draft),
    diff: capped.text,
    omittedLines: capped.omittedLines,
    ...(capped.full !== undefined ? { fullDiff: capped.full } : {}),
    changes: draft.changes,
    risks: draft.risks,
    ...(draft.dependents ? { dependents: draft.dependents } : {}),
    ...(draft.deleted ? { deleted: draft.deleted } : {}),
    ...(draft.objectName ? { objectName: draft.objectName } : {}),
    ...(draft.pin ? { pin: draft.pin } : {}),
  };
  return { preview, ...(draft.pin ? { pin: draft.pin } : {}) };
}
