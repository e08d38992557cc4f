import { describe, expect, it } from 'vitest';
import { policyDenial } from '../../../src/gateway/admission.js';
import { classifyRequest } from '../../../src/kube/classify.js';
import type { Agent } from '../../../src/identity/agent.js';
import type { Decision } from '../../../src/policy/decision.js';

const agent: Agent = {
  name: 'bot',
  subject: 'bot',
  issuer: 'https://issuer.example',
  groups: [],
  tokenId: 't-1',
  expiresAt: new Date(0),
};

const decision: Decision = {
  action: 'deny',
  rule: 'default-deny',
  message: 'no rule allows this request',
  unmasked: false,
  recording: { level: 'request', bestEffort: false },
};

function denial(method: string, target: string): string {
  const request = classifyRequest({ method, target, headers: {} });
  return policyDenial({ request, decision, agent }).message;
}

describe('policyDenial', () => {
  it.each([
    [
      'OPTIONS',
      '/api/v1/namespaces/default/pods',
      'pods is forbidden: agent "bot" cannot send OPTIONS requests to resource "pods" in the namespace "default"',
    ],
    [
      'TRACE',
      '/apis/apps/v1/namespaces/dev/deployments/web',
      'deployments.apps "web" is forbidden: agent "bot" cannot send TRACE requests to resource "deployments" in the namespace "dev"',
    ],
    ['OPTIONS', '/version', 'path "/version" is forbidden: agent "bot" cannot send OPTIONS requests to it'],
  ])('names what %s %s could not do, in one sentence', (method, target, start) => {
    const message = denial(method, target);
    expect(message).toBe(
      `${start}: denied by Airlock policy rule "default-deny": no rule allows this request`,
    );
    expect(message).not.toMatch(/ {2}/);
  });

  it('keeps kube-apiserver’s wording for ordinary verbs', () => {
    expect(denial('GET', '/api/v1/namespaces/default/secrets/db')).toMatch(
      /^secrets "db" is forbidden: agent "bot" cannot get resource "secrets" in the namespace "default": /,
    );
    expect(denial('GET', '/api/v1/nodes')).toMatch(
      /^nodes is forbidden: agent "bot" cannot list resource "nodes": /,
    );
  });
});
