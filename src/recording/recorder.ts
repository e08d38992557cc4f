import type { Database } from '../db/database.js';
import { toEventDraft, type EventDraft } from './draft.js';
import { appendEvents } from './store.js';
import type { Recorder } from './types.js';

export type { RecordInput, Recorder } from './types.js';

export interface RecorderOptions {
  /** How long records gather before one transaction stores them: the most a crash can lose. Default 100 ms. */
  batchMs?: number;
  /** Cap per stored body; longer bodies are cut and marked. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Most events per transaction. Default 500. */
  maxBatchEvents?: number;
  /** While the store is down, events beyond this many are dropped (and the recorder reports unavailable). Default 10,000. */
  maxQueuedEvents?: number;
  /** Longest wait between retries while the store is failing. Default 5 s. */
  maxRetryMs?: number;
  onError?: (err: Error) => void;
}

/** Appends one batch atomically; the seam between batching and SQL. */
export type AppendBatch = (batch: readonly EventDraft[]) => Promise<void>;

export class RecorderClosedError extends Error {
  constructor() {
    super('the recorder is closed: an event arrived after shutdown began and was not recorded');
    this.name = 'RecorderClosedError';
  }
}

export class RecordingQueueFullError extends Error {
  constructor(limit: number) {
    super(
      `the recording queue is full (${limit} events waiting for the store): further events are dropped until it recovers`,
    );
    this.name = 'RecordingQueueFullError';
  }
}

/** Shutdown could not store everything: names how many events are lost and why. */
export class UnrecordedEventsError extends Error {
  constructor(count: number, cause: Error) {
    super(`${count} recorded events could not be stored before shutdown: ${cause.message}`, { cause });
    this.name = 'UnrecordedEventsError';
  }
}

export function createRecorder(db: Database, opts: RecorderOptions = {}): Recorder {
  return createBatchingRecorder((batch) => appendEvents(db, batch), opts);
}

const toError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/**
 * Queues drafts and stores them in batches, one transaction at a time. A failing store flips
 * `available()` and is retried with capped exponential backoff; the failed batch stays at the head of the
 * queue, so order (and with it the hash chain) is preserved.
 */
export function createBatchingRecorder(append: AppendBatch, opts: RecorderOptions = {}): Recorder {
  const batchMs = opts.batchMs ?? 100;
  const maxBodyBytes = opts.maxBodyBytes ?? 64 * 1024;
  const maxBatchEvents = opts.maxBatchEvents ?? 500;
  const maxQueuedEvents = opts.maxQueuedEvents ?? 10_000;
  const maxRetryMs = opts.maxRetryMs ?? 5_000;
  const onError = opts.onError ?? (() => undefined);

  const queue: EventDraft[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> | undefined;
  let failures = 0;
  let reportedFull = false;
  let closed = false;

  async function writeQueued(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatchEvents);
      await append(batch);
      queue.splice(0, batch.length);
      failures = 0;
      reportedFull = false;
    }
  }

  /** Single flight: whoever asks while a write runs shares it, and it runs until the queue is empty. */
  function drain(): Promise<void> {
    writing ??= writeQueued().then(
      () => {
        writing = undefined;
      },
      (err: unknown) => {
        writing = undefined;
        failures += 1;
        const error = toError(err);
        onError(error);
        schedule(Math.min(batchMs * 2 ** failures, maxRetryMs));
        throw error;
      },
    );
    return writing;
  }

  function schedule(delayMs: number): void {
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      // Failures are reported and retried inside drain; nobody awaits this one.
      drain().catch(() => undefined);
    }, delayMs);
  }

  function cancelTimer(): void {
    clearTimeout(timer);
    timer = undefined;
  }

  return {
    record(input) {
      if (closed) return onError(new RecorderClosedError());
      let draft: EventDraft | undefined;
      try {
        draft = toEventDraft(input, { maxBodyBytes });
      } catch (err) {
        return onError(toError(err));
      }
      if (!draft) return;
      if (queue.length >= maxQueuedEvents) {
        if (!reportedFull) onError(new RecordingQueueFullError(maxQueuedEvents));
        reportedFull = true;
        return;
      }
      queue.push(draft);
      if (failures > 0) return; // the retry timer is already pending
      if (queue.length >= maxBatchEvents) {
        cancelTimer();
        schedule(0);
      } else {
        schedule(batchMs);
      }
    },
    available() {
      return failures === 0 && queue.length < maxQueuedEvents;
    },
    queued: () => queue.length,
    flush() {
      cancelTimer();
      return drain();
    },
    close() {
      closed = true;
      cancelTimer();
      return drain().catch((err: unknown) => {
        throw new UnrecordedEventsError(queue.length, toError(err));
      });
    },
  };
}
