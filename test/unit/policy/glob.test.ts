import { describe, expect, it } from 'vitest';
import { anyGlobMatches, globMatches } from '../../../src/policy/glob.js';

describe('globMatches', () => {
  it.each([
    ['prod', 'prod', true],
    ['prod', 'prod-eu', false],
    ['prod-*', 'prod-eu', true],
    ['prod-*', 'prod-', true],
    ['prod-*', 'prod', false],
    ['*-prod', 'payments-prod', true],
    ['*-prod', 'payments-prod-2', false],
    ['*', '', true],
    ['', '', true],
    ['', 'x', false],
    ['*/proxy', 'services/proxy', true],
    ['*/proxy', 'services/proxy/extra', false],
    ['/openapi/*', '/openapi/v3/apis/apps/v1', true],
    ['a*b*c', 'aXbYbZc', true],
    ['a*b*c', 'aXbYcZ', false],
    ['**x', 'x', true],
    ['*.k8s.io', 'rbac.authorization.k8s.io', true],
    ['*.k8s.io', 'k8sxio', false],
    ['web-?', 'web-1', false], // only `*` is special
    ['web-?', 'web-?', true],
  ])('%j matches %j: %s', (pattern, value, expected) => {
    expect(globMatches(pattern, value)).toBe(expected);
  });

  it('stays fast on patterns that make regular expressions backtrack', () => {
    const started = performance.now();
    expect(globMatches(`${'*a'.repeat(20)}b`, 'a'.repeat(250))).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('anyGlobMatches', () => {
  it('treats an omitted list as matching anything, and matches if any pattern does', () => {
    expect(anyGlobMatches(undefined, 'x')).toBe(true);
    expect(anyGlobMatches(['a', 'x*'], 'xy')).toBe(true);
    expect(anyGlobMatches(['a', 'b'], 'xy')).toBe(false);
  });
});
