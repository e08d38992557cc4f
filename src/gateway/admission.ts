import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Agent } from '../identity/agent.js';
import { extractBearerToken, type TokenVerifier } from '../identity/token-verifier.js';
import { classifyRequest, splitClusterTarget } from '../kube/classify.js';
import { requestBodyKind } from '../kube/content-negotiation.js';
import { assertNoClientImpersonation } from '../kube/headers.js';
import type { ClassifiedRequest } from '../kube/request-info.js';
import { StatusError } from '../kube/status.js';
import type { UpstreamCluster } from '../kube/upstream.js';
import { assertNoMaskedValues } from '../masking/index.js';
import type { Decision } from '../policy/decision.js';
import { evaluatePolicy } from '../policy/evaluate.js';
import type { Policy } from '../policy/model.js';
import type { BodyDecoder, EncodedBody } from './cluster-decode.js';
import { parseRequestBody, type ParsedBody } from './request-body.js';

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
}

const MUTATING_VERBS = new Set(['create', 'update', 'patch']);

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v)?.trim() || undefined;
}

function statedReason(req: IncomingMessage, body: ParsedBody): string | undefined {
  const header = headerValue(req, 'x-airlock-reason');
  if (header) return header.slice(0, 1000);
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

  const contentType = headerValue(req, 'content-type') ?? '';
  const parsedBody = await readableBody(deps, { cluster, agent, request, contentType, body });

  const decision = evaluatePolicy(deps.policy(), { agent, cluster: cluster.name, request });
  partial.decision = decision;

  if (MUTATING_VERBS.has(request.info.verb) && request.info.isResourceRequest && body.length > 0) {
    if (parsedBody.kind === 'opaque') {
      throw new StatusError(
        'UnsupportedMediaType',
        `Airlock must inspect request bodies and cannot read "${contentType || 'unknown'}"; send JSON, YAML or ` +
          'Kubernetes protobuf',
      );
    }
    if (parsedBody.kind === 'document') {
      assertNoMaskedValues(parsedBody.value, { kind: request.info.resource, name: request.info.name });
    }
  }

  const sessionHint = headerValue(req, 'x-airlock-session')?.slice(0, 128);
  const reason = statedReason(req, parsedBody);
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
  const { info } = a.request;
  const what = info.isResourceRequest
    ? `${info.resource}${info.apiGroup ? `.${info.apiGroup}` : ''} "${info.name}"`
    : `path "${a.request.path}"`;
  const message =
    `${what} is forbidden: agent "${a.agent.name}" cannot ${info.verb} ` +
    `${info.isResourceRequest ? `resource "${info.resource}${info.subresource ? `/${info.subresource}` : ''}"` : 'it'}` +
    `${info.namespace ? ` in the namespace "${info.namespace}"` : ''}: denied by Airlock policy rule "${a.decision.rule}"` +
    `${a.decision.message ? `: ${a.decision.message}` : ''}`;
  return new StatusError('Forbidden', message, {
    name: info.name,
    group: info.apiGroup,
    kind: info.resource,
  });
}
