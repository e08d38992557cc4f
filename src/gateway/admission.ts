import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Agent } from '../identity/agent.js';
import { formatScope, outsideScope, type TokenScope } from '../identity/scope.js';
import { extractBearerToken, type TokenVerifier } from '../identity/token-verifier.js';
import { classifyRequest, splitClusterTarget } from '../kube/classify.js';
import { requestBodyKind } from '../kube/content-negotiation.js';
import { assertNoClientImpersonation } from '../kube/headers.js';
import type { ClassifiedRequest } from '../kube/request-info.js';
import { StatusError } from '../kube/status.js';
import type { UpstreamCluster } from '../kube/upstream.js';
import { assertNoMaskedReads, assertNoMaskedValues, type Masker } from '../masking/index.js';
import type { Decision } from '../policy/decision.js';
import { evaluatePolicy, policyVerb } from '../policy/evaluate.js';
import type { Policy } from '../policy/model.js';
import { podSpecFacts, type PolicyBody } from '../policy/pod-spec.js';
import type { BodyDecoder, EncodedBody } from './cluster-decode.js';
import { bodyTooDeep, parseRequestBody, type ParsedBody } from './request-body.js';

/** Everything the pipeline learned about a request before deciding what to do with it. */
export interface Admission {
  requestId: string;
  receivedAt: Date;
  cluster: UpstreamCluster;
  agent: Agent;
  request: ClassifiedRequest;
  decision: Decision;
  body: Buffer;
  /** The agent's Content-Type header ('' when absent). */
  contentType: string;
  parsedBody: ParsedBody;
  /** Explicit session id from the `X-Airlock-Session` header. */
  sessionHint?: string;
  /** The agent's stated reason (`X-Airlock-Reason` header or `airlock.io/reason` annotation). */
  reason?: string;
}

/** What is known when a request fails before admission completes (for logs, metrics and recording). */
export interface PartialAdmission {
  requestId: string;
  receivedAt: Date;
  cluster?: UpstreamCluster;
  agent?: Agent;
  request?: ClassifiedRequest;
  decision?: Decision;
}

export interface AdmissionDeps {
  clusters: ReadonlyMap<string, UpstreamCluster>;
  /** Served at the root paths too (the only cluster, or the one marked default). */
  defaultCluster?: string;
  decodeBody: BodyDecoder;
  verifier: TokenVerifier;
  policy: () => Policy;
  masker: Masker;
}

const MUTATING_VERBS = new Set(['create', 'update', 'patch']);

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v)?.trim() || undefined;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Node reads header octets as Latin-1; a reason sent as UTF-8 (any script) is read back as such, else kept as is. */
function utf8Header(value: string): string {
  try {
    return strictUtf8.decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}

function statedReason(req: IncomingMessage, body: ParsedBody): string | undefined {
  const header = headerValue(req, 'x-airlock-reason');
  if (header) return utf8Header(header).slice(0, 1000);
  const doc = body.kind === 'document' ? body.value : undefined;
  const annotations = (doc as { metadata?: { annotations?: Record<string, unknown> } } | undefined)?.metadata
    ?.annotations;
  const annotated = annotations?.['airlock.io/reason'];
  return typeof annotated === 'string' ? annotated.slice(0, 1000) : undefined;
}

/**
 * The admission steps, identical for plain requests and upgrades (exec, attach, port-forward): route to a cluster,
 * authenticate, classify, refuse client impersonation, evaluate policy, guard what would be written.
 * `readBody` is only called once the caller is authenticated, so anonymous callers cannot make Airlock buffer.
 * Each step throws a StatusError; `partial` carries what was learned so far for recording.
 */
export async function admit(
  deps: AdmissionDeps,
  req: IncomingMessage,
  readBody: () => Promise<Buffer>,
  partial: PartialAdmission,
): Promise<Admission> {
  const { cluster: clusterName, target } = splitClusterTarget(req.url ?? '', deps.defaultCluster);
  const cluster = deps.clusters.get(clusterName);
  if (!cluster) {
    const known = [...deps.clusters.keys()];
    throw known.length
      ? new StatusError(
          'NotFound',
          `cluster "${clusterName}" is not served by Airlock (known: ${known.join(', ')})`,
        )
      : new StatusError(
          'ServiceUnavailable',
          'Airlock has no upstream cluster configured: set KUBECONFIG or `clusters:` in airlock.yaml and restart',
        );
  }
  partial.cluster = cluster;

  const agent = await deps.verifier.verify(extractBearerToken(req.headers));
  partial.agent = agent;

  const body = await readBody();
  const request = classifyRequest({ method: req.method ?? 'GET', target, headers: req.headers, body });
  partial.request = request;
  assertNoClientImpersonation(req.rawHeaders);
  if (agent.exchange) assertWithinScope(agent.exchange.scope, cluster.name, request);

  const contentType = headerValue(req, 'content-type') ?? '';
  const parsedBody = await readableBody(deps, { cluster, agent, request, contentType, body });
  const writes = MUTATING_VERBS.has(request.info.verb) && request.info.isResourceRequest && body.length > 0;
  const decision = evaluatePolicy(deps.policy(), {
    agent,
    cluster: cluster.name,
    request,
    podSpec: podSpecFacts(request.info, writes ? policyBody(parsedBody) : { kind: 'none' }),
  });
  partial.decision = decision;

  if (parsedBody.kind === 'too-deep') throw bodyTooDeep();
  if (writes) {
    if (parsedBody.kind === 'opaque') {
      throw new StatusError(
        'UnsupportedMediaType',
        `Airlock must inspect request bodies and cannot read "${contentType || 'unknown'}"; send JSON, YAML or ` +
          'Kubernetes protobuf',
      );
    }
    if (parsedBody.kind === 'document') {
      assertNamespaceMatches(request, parsedBody.value);
      assertNoMaskedValues(parsedBody.value, { kind: request.info.resource, name: request.info.name });
      assertNoMaskedReads(parsedBody.value, request.info, (segments) =>
        deps.masker.exposesMaskedField(segments, request.info),
      );
    }
  }

  const sessionHint = headerValue(req, 'x-airlock-session')?.slice(0, 128);
  // Shown to reviewers and stored: an agent that pastes a token into its reason does not publish it in Slack.
  const stated = statedReason(req, parsedBody);
  const reason = stated === undefined ? undefined : deps.masker.maskText(stated);
  return {
    requestId: partial.requestId,
    receivedAt: partial.receivedAt,
    cluster,
    agent,
    request,
    decision,
    body,
    contentType,
    parsedBody,
    ...(sessionHint ? { sessionHint } : {}),
    ...(reason ? { reason } : {}),
  };
}

/** A scoped token is an extra filter before policy: outside its scope, policy is not even asked. */
function assertWithinScope(scope: TokenScope, cluster: string, request: ClassifiedRequest): void {
  const outside = outsideScope(scope, cluster, request.info, policyVerb(request.info));
  if (outside === undefined) return;
  throw new StatusError(
    'Forbidden',
    `${outside} is outside this token's scope "${formatScope(scope)}": exchange a token whose scope covers it ` +
      '(`scope` parameter of POST /auth/token)',
  );
}

/** What policy may assume about a write's body: unreadable ones could say anything. */
function policyBody(body: ParsedBody): PolicyBody {
  if (body.kind === 'document') return body;
  return body.kind === 'empty' ? { kind: 'none' } : { kind: 'unreadable' };
}

/**
 * kube-apiserver's checks, in its words (rest.EnsureObjectNamespaceMatchesRequestNamespace for create and update,
 * checkName on the patched object for patch), so the namespace policy saw is the one the object lands in.
 */
function assertNamespaceMatches(request: ClassifiedRequest, body: unknown): void {
  const { info } = request;
  // A namespace's own name is in `namespace` too (RequestInfo); the apiserver expects no namespace in its body.
  if (info.namespace === '' || (info.resource === 'namespaces' && info.apiGroup === '')) return;
  const metadata = (body as { metadata?: { namespace?: unknown } } | null)?.metadata;
  const namespace = typeof metadata === 'object' && metadata !== null ? metadata.namespace : undefined;
  if (typeof namespace !== 'string' || namespace === '' || namespace === info.namespace) return;
  const mismatch =
    info.verb === 'patch'
      ? `the namespace of the object (${namespace}) does not match the namespace on the URL (${info.namespace})`
      : 'the namespace of the provided object does not match the namespace sent on the request ' +
        `(the object says "${namespace}", the request "${info.namespace}")`;
  throw new StatusError(
    'BadRequest',
    `${mismatch}: send it to its own namespace, or leave metadata.namespace out`,
  );
}

/**
 * The body as a document when Airlock can read it: JSON and YAML here, protobuf and CBOR of writes through the
 * cluster (cluster-decode.ts). Anything else stays opaque and a write carrying it is refused.
 */
async function readableBody(deps: AdmissionDeps, encoded: EncodedBody): Promise<ParsedBody> {
  const parsed = parseRequestBody(encoded.body, encoded.contentType);
  const { info } = encoded.request;
  const kind = requestBodyKind(encoded.contentType);
  if (parsed.kind !== 'opaque' || (kind !== 'protobuf' && kind !== 'cbor')) return parsed;
  if (!MUTATING_VERBS.has(info.verb) || !info.isResourceRequest) return parsed;
  return { kind: 'document', value: await deps.decodeBody(encoded) };
}

export function newPartialAdmission(): PartialAdmission {
  return { requestId: randomUUID(), receivedAt: new Date() };
}

/** The 403 kubectl prints for a policy denial, in kube-apiserver's wording so agents recognise it. */
export function policyDenial(a: Pick<Admission, 'request' | 'decision' | 'agent'>): StatusError {
  const { info, method } = a.request;
  const resource = `${info.resource}${info.apiGroup ? `.${info.apiGroup}` : ''}`;
  const what = !info.isResourceRequest
    ? `path "${a.request.path}"`
    : info.name
      ? `${resource} "${info.name}"`
      : resource;
  // OPTIONS, TRACE and other methods that map to no Kubernetes verb have none to name.
  const action = info.verb && !METHOD_ONLY_VERBS.has(info.verb) ? info.verb : `send ${method} requests to`;
  const object = info.isResourceRequest
    ? `resource "${info.resource}${info.subresource ? `/${info.subresource}` : ''}"`
    : 'it';
  const message =
    `${what} is forbidden: agent "${a.agent.name}" cannot ${action} ${object}` +
    `${info.namespace ? ` in the namespace "${info.namespace}"` : ''}: denied by Airlock policy rule "${a.decision.rule}"` +
    `${a.decision.message ? `: ${a.decision.message}` : ''}`;
  return new StatusError('Forbidden', message, {
    name: info.name,
    group: info.apiGroup,
    kind: info.resource,
  });
}

/** Non-resource requests carry the lower-cased HTTP method as their verb; these read badly as one. */
const METHOD_ONLY_VERBS = new Set(['options', 'trace', 'connect']);
