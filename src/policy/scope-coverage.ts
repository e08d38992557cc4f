import { formatScope, splitResource, type TokenScope } from '../identity/scope.js';
import { anyGlobMatches } from './glob.js';
import type { Policy, RuleMatch } from './model.js';

/** Bounds the work for a scope with many entries in every dimension. */
const MAX_COMBINATIONS = 4096;

/** One value from each dimension the scope narrows. */
interface Combination {
  cluster?: string;
  namespace?: string;
  verb?: string;
  resource?: string;
}

/**
 * The first part of a scope (in scope syntax) that no allowing or reviewing rule for this agent could ever match,
 * or undefined. A scope only narrows policy, so asking for what policy never grants is a mistake worth refusing at
 * exchange time rather than discovering as 403s later. Every combination of the scope's entries (a cluster, a
 * namespace, a verb, a resource) needs a rule that could match all of it; at request time the scope and then policy
 * decide the rest, including which rule comes first.
 */
export function scopeBeyondPolicy(
  policy: Policy,
  agent: { name: string; groups: readonly string[] },
  scope: TokenScope,
): string | undefined {
  const granting = policy.rules
    .filter((rule) => rule.decision.action !== 'deny' && appliesTo(rule.match, agent))
    .map((rule) => rule.match);
  const combinations = combine(scope);
  if (combinations.length > MAX_COMBINATIONS) return formatScope(scope);
  const beyond = combinations.find((combination) => !granting.some((match) => covers(match, combination)));
  return beyond && formatScope(asScope(beyond));
}

function combine(scope: TokenScope): Combination[] {
  const dimensions: [keyof Combination, readonly string[] | undefined][] = [
    ['cluster', scope.clusters],
    ['namespace', scope.namespaces],
    ['verb', scope.verbs],
    ['resource', scope.resources],
  ];
  return dimensions.reduce<Combination[]>(
    (partial, [key, values]) =>
      values === undefined
        ? partial
        : partial.flatMap((combination) => values.map((value) => ({ ...combination, [key]: value }))),
    [{}],
  );
}

function asScope(c: Combination): TokenScope {
  return {
    ...(c.cluster === undefined ? {} : { clusters: [c.cluster] }),
    ...(c.namespace === undefined ? {} : { namespaces: [c.namespace] }),
    ...(c.verb === undefined ? {} : { verbs: [c.verb] }),
    ...(c.resource === undefined ? {} : { resources: [c.resource] }),
  };
}

function appliesTo(match: RuleMatch, agent: { name: string; groups: readonly string[] }): boolean {
  return (
    anyGlobMatches(match.agents, agent.name) &&
    (match.groups === undefined || agent.groups.some((group) => anyGlobMatches(match.groups, group)))
  );
}

/** A value the scope leaves open matches anything; a non-resource rule grants no namespace, verb or resource. */
function covers(match: RuleMatch, c: Combination): boolean {
  const matches = (globs: readonly string[] | undefined, value: string | undefined) =>
    value === undefined || anyGlobMatches(globs, value);
  const resourceScoped = c.namespace !== undefined || c.verb !== undefined || c.resource !== undefined;
  if (resourceScoped && match.nonResourceURLs !== undefined) return false;
  return (
    matches(match.clusters, c.cluster) &&
    matches(match.namespaces, c.namespace) &&
    matches(match.verbs, c.verb) &&
    (c.resource === undefined || resourceCovered(match, c.resource))
  );
}

function resourceCovered(match: RuleMatch, entry: string): boolean {
  const { resource, group, subresource } = splitResource(entry);
  return (
    anyGlobMatches(match.resources, subresource ? `${resource}/${subresource}` : resource) &&
    (group === undefined || anyGlobMatches(match.apiGroups, group))
  );
}
