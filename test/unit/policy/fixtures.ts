/** Builders for policy unit tests: requests as the classifier would produce them, policies from YAML rules. */
import { requestInfo, type RequestInfo } from '../../../src/kube/request-info.js';
import type { PolicyInput } from '../../../src/policy/evaluate.js';
import { parsePolicy, type PolicyDefaults } from '../../../src/policy/load.js';
import type { Policy } from '../../../src/policy/model.js';

export const NO_DEFAULTS: PolicyDefaults = { approvers: { users: [], groups: [] } };

export interface Caller {
  agent?: string;
  groups?: string[];
  cluster?: string;
}

export interface ResourceFields extends Caller {
  verb: string;
  apiGroup?: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  dryRun?: boolean;
}

export function resourceRequest(fields: ResourceFields): PolicyInput {
  const info: RequestInfo = {
    isResourceRequest: true,
    verb: fields.verb,
    apiPrefix: fields.apiGroup ? 'apis' : 'api',
    apiGroup: fields.apiGroup ?? '',
    apiVersion: 'v1',
    namespace: fields.namespace ?? '',
    resource: fields.resource,
    subresource: fields.subresource ?? '',
    name: fields.name ?? '',
    parts: [fields.resource, fields.name ?? '', fields.subresource ?? ''].filter(Boolean),
  };
  return {
    ...caller(fields),
    request: { path: '/api/v1/unused-by-policy', info, dryRun: fields.dryRun ?? false },
  };
}

export function nonResourceRequest(fields: Caller & { verb: string; path: string }): PolicyInput {
  const info = requestInfo({ isResourceRequest: false, verb: fields.verb });
  return { ...caller(fields), request: { path: fields.path, info, dryRun: false } };
}

const caller = (fields: Caller): Pick<PolicyInput, 'agent' | 'cluster'> => ({
  agent: { name: fields.agent ?? 'agent-1', groups: fields.groups ?? [] },
  cluster: fields.cluster ?? 'default',
});

/** A policy from the YAML of its `rules:` list (and optionally more top-level sections after it). */
export function policyWithRules(rulesYaml: string, defaults: PolicyDefaults = NO_DEFAULTS): Policy {
  return parsePolicy(`apiVersion: airlock.dev/v1\nkind: Policy\nrules:\n${rulesYaml}`, defaults, 'test');
}
