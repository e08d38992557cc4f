import type { Database } from '../db/database.js';
import { standInFor, toEventDraft, type EventDraft } from './draft.js';
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

/** One event the database refused on its own; a stand-in without its bodies was stored in its place. */
export class RefusedEventError extends Error {
  constructor(
    readonly requestId: string,
    cause: Error,
  ) {
    super(
      `the database refused the record of request ${requestId} (${cause.message}); ` +
        'a stand-in without its bodies was recorded instead',
      { cause },
    );
    this.name = 'RefusedEventError';
  }
}

const toError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/**
 * Queues drafts and stores them in batches, one transaction at a time. A failing store flips
 * `available()` and is retried with capped exponential backoff; the failed batch stays at the head of the
 * queue, so order (and with it the hash chain) is preserved.
 *
 * A batch can also fail because of one row the database rejects (a "poison" event), which would otherwise be
 * retried forever while every mutation is refused. So the events of a failed batch are retried one at a time; an
 * event that fails alone is replaced by its stand-in (`standInFor`). If the stand-in is stored, the event was the
 * problem: it is reported and recording continues. If the stand-in fails too, the store itself is down: the event
 * stays queued and the backoff goes on.
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
  /** Events at the head of the queue that were in a failed batch: written one at a time to find a poison one. */
  let suspects = 0;

  async function writeQueued(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.slice(0, suspects > 0 ? 1 : maxBatchEvents);
      try {
        await append(batch);
      } catch (err) {
        // Blame a single event only once it has failed twice (in its batch, or alone before): a passing
        // failure of the store must not cost an event its bodies.
        if (batch.length > 1 || suspects === 0) {
          suspects = Math.max(suspects, batch.length);
          throw err;
        }
        await replaceByStandIn(batch[0]!, toError(err));
      }
      queue.splice(0, batch.length);
      suspects = Math.max(0, suspects - batch.length);
      failures = 0;
      reportedFull = false;
    }
  }

  /** Stores the stand-in of an event that failed alone, or rethrows the event's own error if that fails too. */
  async function replaceByStandIn(draft: EventDraft, refusal: Error): Promise<void> {
    try {
      await append([standInFor(draft, refusal.message)]);
    } catch {
      suspects = Math.max(suspects, 1);
      throw refusal;
    }
    onError(new RefusedEventError(draft.content.request_id, refusal));
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
