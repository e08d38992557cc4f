import type { ClassifiedRequest, RequestInfo } from '../kube/request-info.js';
import type { Decision } from './decision.js';
import { anyGlobMatches } from './glob.js';
import type { Policy, RuleMatch } from './model.js';
import type { PodSpecFact } from './pod-spec.js';

/**
 * What policy looks at. `path` is needed for non-resource requests: RequestInfo carries no path for them, and
 * `nonResourceURLs` match on it. `podSpec` holds what the body could set on a pod (none when omitted).
 */
export interface PolicyInput {
  agent: { name: string; groups: readonly string[] };
  cluster: string;
  request: Pick<ClassifiedRequest, 'path' | 'info' | 'dryRun'>;
  podSpec?: ReadonlySet<PodSpecFact>;
}

/** The first matching rule decides; when none matches the request is denied. Pure: no I/O, no clock. */
export function evaluatePolicy(policy: Policy, input: PolicyInput): Decision {
  return policy.rules.find((rule) => ruleMatches(rule.match, input))?.decision ?? policy.defaultDeny;
}

function ruleMatches(match: RuleMatch, input: PolicyInput): boolean {
  const { info } = input.request;
  // Resource rules never match non-resource requests and vice versa, as in RBAC.
  if (info.isResourceRequest === (match.nonResourceURLs !== undefined)) return false;
  return (
    anyGlobMatches(match.agents, input.agent.name) &&
    (match.groups === undefined || input.agent.groups.some((group) => anyGlobMatches(match.groups, group))) &&
    anyGlobMatches(match.clusters, input.cluster) &&
    anyGlobMatches(match.verbs, policyVerb(info)) &&
    (info.isResourceRequest
      ? resourceMatches(match, info, input.request.dryRun) && podSpecMatches(match.podSpec, input.podSpec)
      : anyGlobMatches(match.nonResourceURLs, input.request.path))
  );
}

function podSpecMatches(
  wanted: readonly PodSpecFact[] | undefined,
  facts: ReadonlySet<PodSpecFact> | undefined,
) {
  return wanted === undefined || wanted.some((fact) => facts?.has(fact) === true);
}

/** Subresources that open an interactive stream into a workload. */
const STREAM_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);

/**
 * kubectl opens exec/attach/port-forward with a WebSocket GET (verb `get`) or a SPDY POST (verb `create`). Policy sees
 * both as `create`, as Kubernetes 1.35 authorises them, so a rule for reads can never let a shell through.
 */
export function policyVerb(info: RequestInfo): string {
  return info.resource === 'pods' && STREAM_SUBRESOURCES.has(info.subresource) ? 'create' : info.verb;
}

function resourceMatches(match: RuleMatch, info: RequestInfo, dryRun: boolean): boolean {
  const resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  return (
    (match.dryRun === undefined || match.dryRun === dryRun) &&
    anyGlobMatches(match.apiGroups, info.apiGroup) &&
    anyGlobMatches(match.resources, resource) &&
    anyGlobMatches(match.namespaces, info.namespace) &&
    anyGlobMatches(match.names, info.name)
  );
}
