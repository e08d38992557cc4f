import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { holdExecution } from '../../../src/gateway/execution-lease.js';
import { type ExecutionReport, type ReviewEngine, ReviewStateError } from '../../../src/reviews/engine.js';

/** The two engine calls an execution lease makes, scripted. */
function fakeEngine(completions: (() => Promise<void>)[]) {
  const calls = { renewed: 0, completions: [] as ExecutionReport[] };
  const engine = {
    renewLease: async () => {
      calls.renewed++;
      return true;
    },
    completeExecution: async (_id: string, report: ExecutionReport) => {
      calls.completions.push(report);
      await (completions.shift() ?? (async () => undefined))();
    },
  } as unknown as ReviewEngine;
  return { engine, calls };
}

const OPTIONS = { heartbeatMs: 100, retryDelaysMs: [50, 50, 50] };

describe('an execution lease held by the gateway', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('renews the lease while the request runs and stops once the outcome is stored', async () => {
    const { engine, calls } = fakeEngine([]);
    const held = holdExecution(engine, 'rv-1', new AbortController().signal, {
      ...OPTIONS,
      onError: vi.fn(),
    });
    await vi.advanceTimersByTimeAsync(350);
    expect(calls.renewed).toBe(3);
    await held.complete({ status: 200 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls.renewed).toBe(3);
    expect(calls.completions).toEqual([{ status: 200 }]);
  });

  it('never fails the agent when storing the outcome fails: it retries, keeping the lease alive meanwhile', async () => {
    const down = async () => {
      throw new Error('SQLITE_BUSY: database is locked');
    };
    const { engine, calls } = fakeEngine([down, down]);
    const onError = vi.fn();
    const held = holdExecution(engine, 'rv-1', new AbortController().signal, { ...OPTIONS, onError });
    await expect(held.complete({ status: 200, resourceVersion: '7' })).resolves.toBeUndefined();
    expect(calls.completions).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(120);
    expect(calls.completions).toHaveLength(3);
    expect(calls.completions.every((r) => r.status === 200 && r.resourceVersion === '7')).toBe(true);
    expect(calls.renewed).toBe(1);
    expect(onError).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls.completions).toHaveLength(3);
    expect(calls.renewed).toBe(1);
  });

  it('does not retry when the review was already resolved elsewhere (the sweep)', async () => {
    const { engine, calls } = fakeEngine([
      async () => {
        throw new ReviewStateError('rv-1', 'failed', 'executing');
      },
    ]);
    const held = holdExecution(engine, 'rv-1', new AbortController().signal, {
      ...OPTIONS,
      onError: vi.fn(),
    });
    await held.complete({ status: 200 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls.completions).toHaveLength(1);
  });

  it('lets the lease lapse when the request ended without ever reporting', async () => {
    const { engine, calls } = fakeEngine([]);
    const agent = new AbortController();
    holdExecution(engine, 'rv-1', agent.signal, { ...OPTIONS, onError: vi.fn() });
    agent.abort();
    await vi.advanceTimersByTimeAsync(1_000);
    const renewed = calls.renewed;
    expect(renewed).toBeLessThanOrEqual(3);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls.renewed).toBe(renewed);
  });
});
