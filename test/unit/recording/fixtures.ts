import type { Agent } from '../../../src/identity/agent.js';
import type { ClassifiedRequest, RequestInfo } from '../../../src/kube/request-info.js';
import type { Decision, RecordingLevel } from '../../../src/policy/decision.js';
import type { RecordInput } from '../../../src/recording/types.js';

/** Factories for recorder inputs: each call describes one request, overridable field by field. */

export function agent(overrides: Partial<Agent> = {}): Agent {
  return {
    name: 'ci-bot',
    subject: 'system:serviceaccount:ci:bot',
    issuer: 'https://issuer.example',
    groups: ['agents'],
    owner: 'alice@example.com',
    tokenId: 'tok-1',
    expiresAt: new Date('2026-11-28T12:00:00Z'),
    ...overrides,
  };
}

export function decision(
  action: Decision['action'] = 'allow',
  level: RecordingLevel = 'request-response',
  rule = 'default',
): Decision {
  return { action, rule, unmasked: false, recording: { level, bestEffort: false } };
}

export interface RequestSpec {
  method?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  query?: string;
  dryRun?: boolean;
}

export function request(spec: RequestSpec = {}): ClassifiedRequest {
  const group = spec.group ?? '';
  const version = spec.version ?? 'v1';
  const resource = spec.resource ?? 'pods';
  const namespace = spec.namespace ?? 'default';
  const name = spec.name ?? '';
  const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const parts = [resource, name, spec.subresource ?? ''].filter(Boolean);
  const info: RequestInfo = {
    isResourceRequest: true,
    verb: spec.verb ?? (name ? 'get' : 'list'),
    apiPrefix: group ? 'apis' : 'api',
    apiGroup: group,
    apiVersion: version,
    namespace,
    resource,
    subresource: spec.subresource ?? '',
    name,
    parts,
  };
  return {
    method: spec.method ?? 'GET',
    path: `${prefix}${namespace ? `/namespaces/${namespace}` : ''}/${parts.join('/')}`,
    query: new URLSearchParams(spec.query ?? ''),
    info,
    dryRun: spec.dryRun ?? false,
  };
}

export function recordInput(overrides: Partial<RecordInput> = {}): RecordInput {
  return {
    requestId: 'req-1',
    time: new Date('2026-11-28T10:00:00.000Z'),
    agent: agent(),
    cluster: 'prod',
    request: request({ name: 'web' }),
    decision: decision(),
    status: 200,
    latencyMs: 12,
    bytesIn: 0,
    bytesOut: 345,
    responseBody: { kind: 'Pod', metadata: { name: 'web' } },
    ...overrides,
  };
}
