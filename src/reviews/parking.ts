/**
 * Requests held open in this process while their review is undecided. A waiter wakes when its review moves
 * past the version it last saw: immediately for decisions taken in this process, by polling for the others.
 */
import type { CancelSignal } from '../lib/cancellation.js';

export type WaitOutcome = 'changed' | 'timeout' | 'aborted';

interface Waiter {
  seenVersion: number;
  settle(outcome: WaitOutcome): void;
}

export class ParkingLot {
  private readonly waiters = new Map<string, Set<Waiter>>();

  wait(reviewId: string, seenVersion: number, ms: number, signal: CancelSignal): Promise<WaitOutcome> {
    if (signal.aborted) return Promise.resolve('aborted');
    return new Promise((resolve) => {
      const waiter: Waiter = {
        seenVersion,
        settle: (outcome) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          this.remove(reviewId, waiter);
          resolve(outcome);
        },
      };
      const onAbort = (): void => waiter.settle('aborted');
      const timer = setTimeout(() => waiter.settle('timeout'), ms);
      signal.addEventListener('abort', onAbort, { once: true });
      const set = this.waiters.get(reviewId) ?? new Set<Waiter>();
      set.add(waiter);
      this.waiters.set(reviewId, set);
    });
  }

  /** Wakes every waiter of the review (a change made in this process). */
  wake(reviewId: string): void {
    for (const waiter of [...(this.waiters.get(reviewId) ?? [])]) waiter.settle('changed');
  }

  /** Wakes the waiters whose review now has a newer version than they saw. */
  wakeChanged(currentVersions: ReadonlyMap<string, number>): void {
    for (const [reviewId, set] of [...this.waiters]) {
      const current = currentVersions.get(reviewId);
      for (const waiter of [...set]) {
        if (current !== undefined && current > waiter.seenVersion) waiter.settle('changed');
      }
    }
  }

  parkedReviewIds(): string[] {
    return [...this.waiters.keys()];
  }

  private remove(reviewId: string, waiter: Waiter): void {
    const set = this.waiters.get(reviewId);
    set?.delete(waiter);
    if (set?.size === 0) this.waiters.delete(reviewId);
  }
}
