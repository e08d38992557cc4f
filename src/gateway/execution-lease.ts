/**
 * The gateway's side of an execution lease: while an approved request is being forwarded (or its exec session
 * runs) the lease is renewed, and its outcome is stored once known. Storing never fails the agent's request: the
 * cluster already acted, so the agent gets the cluster's answer and the outcome is stored by retries; if this
 * process dies first, the engine's sweep resolves the review from the object (outcome unknown).
 */
import type { CancelSignal } from '../lib/cancellation.js';
import { type ExecutionReport, type ReviewEngine, ReviewStateError } from '../reviews/engine.js';

export interface ExecutionLeaseOptions {
  /** How often the lease is renewed: well inside the engine's lease, so a missed beat or two still holds it. */
  heartbeatMs: number;
  /** Waits before each further attempt to store an outcome the database refused. */
  retryDelaysMs: readonly number[];
  onError(err: unknown, during: string): void;
}

export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [250, 1_000, 5_000, 15_000, 30_000];

export interface HeldExecution {
  /** Stores the outcome (retrying in the background if storing fails) and ends the heartbeat. Never throws. */
  complete(report: ExecutionReport): Promise<void>;
}

export function holdExecution(
  engine: ReviewEngine,
  reviewId: string,
  signal: CancelSignal,
  opts: ExecutionLeaseOptions,
): HeldExecution {
  let completed = false;
  const heartbeat = setInterval(() => {
    engine.renewLease(reviewId).catch((e: unknown) => opts.onError(e, `renew lease of review ${reviewId}`));
  }, opts.heartbeatMs);
  heartbeat.unref();
  const stopBeating = (): void => clearInterval(heartbeat);
  // Safety net: should the request end without reporting, the lease lapses and the sweep resolves the review.
  signal.addEventListener(
    'abort',
    () => setTimeout(() => !completed && stopBeating(), opts.heartbeatMs * 3).unref(),
    { once: true },
  );

  const store = async (report: ExecutionReport): Promise<'stored' | 'gone' | 'failed'> => {
    try {
      await engine.completeExecution(reviewId, report);
      return 'stored';
    } catch (e) {
      // Already resolved elsewhere (the sweep, after this lease lapsed): nothing left to store.
      if (e instanceof ReviewStateError) {
        opts.onError(e, `store the outcome of review ${reviewId}`);
        return 'gone';
      }
      opts.onError(e, `store the outcome of review ${reviewId}`);
      return 'failed';
    }
  };

  return {
    async complete(report) {
      completed = true;
      if ((await store(report)) !== 'failed') {
        stopBeating();
        return;
      }
      // Keep the lease alive while retrying, so no sweep declares unknown what is known here.
      void (async () => {
        for (const delay of opts.retryDelaysMs) {
          await new Promise((r) => setTimeout(r, delay).unref());
          if ((await store(report)) !== 'failed') break;
        }
        stopBeating();
      })();
    },
  };
}
