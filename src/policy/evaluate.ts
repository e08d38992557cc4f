import type { ClassifiedRequest, RequestInfo } from '../kube/request-info.js';
import type { Decision } from './decision.js';
import { anyGlobMatches } from './glob.js';
import type { Policy, RuleMatch } from './model.js';

/**
 * What policy looks at. `path` is needed for non-resource requests: RequestInfo carries no path for them, and
 * `nonResourceURLs` match on it.
 */
export interface PolicyInput {
  agent: { name: string; groups: readonly string[] };
  cluster: string;
  request: Pick<ClassifiedRequest, 'path' | 'info' | 'dryRun'>;
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
    anyGlobMatches(match.verbs, info.verb) &&
    (info.isResourceRequest
      ? resourceMatches(match, info, input.request.dryRun)
      : anyGlobMatches(match.nonResourceURLs, input.request.path))
  );
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
