import { afterEach, describe, expect, it, vi } from 'vitest';
import { Cancellation, type CancelSignal } from '../../../src/lib/cancellation.js';

describe('Cancellation: the request path’s abort signal', () => {
  afterEach(() => vi.restoreAllMocks());

  it('tells each listener once, in order, after recording why', () => {
    const cancellation = new Cancellation();
    const seen: string[] = [];
    cancellation.addEventListener('abort', () => seen.push(`first: ${String(cancellation.reason)}`));
    cancellation.addEventListener('abort', () => seen.push(`second: ${cancellation.aborted}`));
    expect(cancellation.aborted).toBe(false);
    cancellation.abort('agent left');
    cancellation.abort('deadline');
    expect(seen).toEqual(['first: agent left', 'second: true']);
    expect(cancellation.reason).toBe('agent left');
  });

  it('never calls a listener that was removed, or added after the abort', () => {
    const cancellation = new Cancellation();
    const removed = vi.fn();
    const kept = vi.fn();
    cancellation.addEventListener('abort', removed);
    cancellation.addEventListener('abort', kept);
    cancellation.removeEventListener('abort', removed);
    cancellation.removeEventListener('abort', () => undefined); // not registered: nothing happens
    cancellation.abort(new Error('stop'));
    const late = vi.fn();
    cancellation.addEventListener('abort', late);
    expect(removed).not.toHaveBeenCalled();
    expect(kept).toHaveBeenCalledTimes(1);
    expect(late).not.toHaveBeenCalled();
  });

  it('runs every listener when one throws, and surfaces the error asynchronously as an EventTarget does', () => {
    const queued: (() => void)[] = [];
    vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((task) => void queued.push(task));
    const cancellation = new Cancellation();
    const after = vi.fn();
    cancellation.addEventListener('abort', () => {
      throw new Error('listener failed');
    });
    cancellation.addEventListener('abort', after);
    cancellation.abort('stop');
    expect(after).toHaveBeenCalledTimes(1);
    expect(queued).toHaveLength(1);
    expect(() => queued[0]!()).toThrow('listener failed');
  });

  it('reads an AbortSignal through the same interface, so either can be handed to the transport', () => {
    const controller = new AbortController();
    const signal: CancelSignal = controller.signal;
    const told = vi.fn();
    signal.addEventListener('abort', told, { once: true });
    controller.abort('deadline');
    expect([signal.aborted, signal.reason, told.mock.calls.length]).toEqual([true, 'deadline', 1]);
  });
});
