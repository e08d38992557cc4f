/**
 * The part of `AbortSignal` the request path uses: whether and why it was cancelled, and who to tell. Every proxied
 * request has one; an `AbortController`'s signal is an `EventTarget`, whose construction alone cost ~5 µs of each small
 * GET, so the gateway uses `Cancellation` instead. An `AbortSignal` fits the same interface (previews, probes).
 */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** A cancellation source that is its own signal. Listeners run once, in order, like an aborted signal's. */
export class Cancellation implements CancelSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: (() => void)[] = [];

  addEventListener(_type: 'abort', listener: () => void): void {
    // As with AbortSignal, a listener added after the abort is never called.
    if (!this.aborted) this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.listeners.indexOf(listener);
    if (at >= 0) this.listeners.splice(at, 1);
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) {
      try {
        listener();
      } catch (err) {
        // Every listener still runs; the failure surfaces as an uncaught error, as from an EventTarget.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
