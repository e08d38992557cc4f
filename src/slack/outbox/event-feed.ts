/**
 * Follows the review events stored in SQL and queues what Slack must be told about each. Decisions taken anywhere
 * (the terminal, a replica without Slack, a process that crashed right after committing) thus reach the cards.
 * Replicas share one cursor: whoever moves it (a compare-and-set, in the transaction that queues the messages)
 * queues those events, so each event is queued exactly once.
 */
import type { Logger } from '../../lib/logger.js';
import type { ReviewEngine } from '../../reviews/engine.js';
import type { SequencedReviewEvent } from '../../reviews/model.js';
import { KeptSubscription, type Subscribe } from '../../db/notify.js';
import { type OutboxMessage, outboxMessagesFor } from './messages.js';
import type { OutboxStore } from './store.js';

export type ReviewEventSource = Pick<ReviewEngine, 'eventsAfter' | 'lastEventSeq'>;

export interface EventFeedOptions {
  /** How often SQL is checked for new review events. */
  pollMs: number;
  /** Events queued per transaction. */
  batch: number;
}

export const DEFAULT_FEED_OPTIONS: EventFeedOptions = { pollMs: 500, batch: 100 };

/** The cursor's name in `review_event_cursors`. */
const CONSUMER = 'slack-outbox';

export interface EventFeedDeps {
  store: OutboxStore;
  /** A thunk: the engine may be created after the adapter. */
  source: () => ReviewEventSource;
  /** Called after messages were queued, so delivery starts without waiting for its own poll. */
  queued: () => void;
  /** Committed review events as they happen (Postgres LISTEN); without it, or while it is down, the poll finds them. */
  subscribe?: Subscribe;
  logger: Logger;
  now: () => Date;
}

export class ReviewEventFeed {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  /** Set when a notification arrives during a poll: that poll may have read before the event committed. */
  private again = false;
  private readonly notifications?: KeptSubscription;

  constructor(
    private readonly deps: EventFeedDeps,
    private readonly options: EventFeedOptions,
  ) {
    if (deps.subscribe) {
      this.notifications = new KeptSubscription(
        deps.subscribe,
        () => void this.tick(),
        (err) => deps.logger.warn({ err: err.message }, 'review event notifications lost; polling meanwhile'),
      );
    }
  }

  /**
   * Wakes on each committed event where the database can say so (Postgres), and polls every `pollMs` until stopped
   * (the fallback, and SQLite's path). The returned promise settles after the first poll, which places a new cursor
   * at the current end (history is not replayed); it never rejects, failures are logged and retried.
   */
  start(): Promise<void> {
    if (!this.timer) {
      this.notifications?.start();
      this.timer = setInterval(() => {
        void this.notifications?.refresh();
        void this.tick();
      }, this.options.pollMs);
      this.timer.unref();
    }
    return this.tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.allSettled([this.running, this.notifications?.stop()]);
  }

  /** Queues the messages for every event after the cursor, a batch per transaction. */
  async poll(): Promise<void> {
    const { store, source } = this.deps;
    for (;;) {
      const from = await store.eventCursor(CONSUMER, () => source().lastEventSeq());
      const events = await source().eventsAfter(from, this.options.batch);
      const last = events.at(-1);
      if (!last) return;
      const messages = events.map((event) => ({ reviewId: event.review.id, messages: this.render(event) }));
      const moved = await store.transaction(async (tx) => {
        if (!(await tx.advanceEventCursor(CONSUMER, from, last.seq))) return false;
        for (const m of messages) await tx.enqueue(m.reviewId, m.messages, this.deps.now());
        return true;
      });
      if (moved) this.deps.queued();
      // Another replica queued this batch (`moved` false): read its new cursor and carry on from there.
      if (moved && events.length < this.options.batch) return;
    }
  }

  /** One poll at a time; a tick during a poll runs one more poll after it, so no notified event waits for the timer. */
  private tick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.poll()
      .catch((e: unknown) =>
        this.deps.logger.error(
          { err: (e as Error).message },
          'could not queue Slack messages for review events',
        ),
      )
      .finally(() => {
        this.running = undefined;
        // Only while started: a notification that arrived during the last poll before stop() starts nothing after it.
        if (this.again && this.timer) {
          this.again = false;
          void this.tick();
        }
      });
    return this.running;
  }

  /** A rendering bug must not stall the feed: the event is logged and skipped. */
  private render(event: SequencedReviewEvent): OutboxMessage[] {
    try {
      return outboxMessagesFor(event);
    } catch (e) {
      this.deps.logger.error(
        { review: event.review.id, event: event.type, seq: event.seq, err: (e as Error).message },
        'could not render Slack messages',
      );
      return [];
    }
  }
}
