/** Inline policy tests (`tests:` in a policy file), run by `airlock policy check FILE`. */
import type { Decision } from './decision.js';
import { evaluatePolicy } from './evaluate.js';
import type { ExpectedDecision, Policy } from './model.js';

export interface PolicyTestResult {
  name: string;
  passed: boolean;
  /** The expectation, e.g. `review by rule "review-deletes"`. */
  expected: string;
  /** The same facts about the actual decision, always naming the rule that decided. */
  actual: string;
}

export function runPolicyTests(policy: Policy): PolicyTestResult[] {
  return policy.tests.map((test) => {
    const decision = evaluatePolicy(policy, test.input);
    const want = test.expect;
    const passed =
      decision.action === want.action &&
      (want.rule === undefined || decision.rule === want.rule) &&
      (want.unmasked === undefined || decision.unmasked === want.unmasked) &&
      (want.recording === undefined || decision.recording.level === want.recording);
    return { name: test.name, passed, expected: describe(want), actual: describe(observed(decision, want)) };
  });
}

/** What `airlock policy check` prints; the caller sets the exit code from `results`. */
export function formatPolicyReport(source: string, policy: Policy, results: PolicyTestResult[]): string {
  const lines = [`${source}: ${plural(policy.rules.length, 'rule')}, ${plural(results.length, 'test')}`];
  for (const result of results) {
    lines.push(`  ${result.passed ? 'PASS' : 'FAIL'}  ${result.name}`);
    if (!result.passed)
      lines.push(`        expected: ${result.expected}`, `        actual:   ${result.actual}`);
  }
  const failed = results.filter((result) => !result.passed).length;
  lines.push(
    results.length === 0
      ? 'no tests: add a `tests:` section to check what the rules decide'
      : `${results.length - failed} passed, ${failed} failed`,
  );
  return `${lines.join('\n')}\n`;
}

/** The decision, reduced to what the test asserts (plus the rule, which always helps explain a failure). */
function observed(decision: Decision, want: ExpectedDecision): ExpectedDecision {
  return {
    action: decision.action,
    rule: decision.rule,
    ...(want.unmasked === undefined ? {} : { unmasked: decision.unmasked }),
    ...(want.recording === undefined ? {} : { recording: decision.recording.level }),
  };
}

function describe(facts: ExpectedDecision): string {
  return [
    facts.rule === undefined ? facts.action : `${facts.action} by rule "${facts.rule}"`,
    ...(facts.unmasked === undefined ? [] : [facts.unmasked ? 'unmasked' : 'masked']),
    ...(facts.recording === undefined ? [] : [`recording ${facts.recording}`]),
  ].join(', ');
}

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;
