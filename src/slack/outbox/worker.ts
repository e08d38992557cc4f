/**
 * Delivers the outbox: polls SQL (and wakes early when something is enqueued here), leases each due message,
 * sends it, and reschedules failures with back-off or Slack's `Retry-After`. Any replica may deliver any message.
 */
import type { Logger } from '../../lib/logger.js';
import type { Deliver } from './delivery.js';
import { backoffMs, classifyFailure } from './failures.js';
import type { OutboxEntry, OutboxStore } from './store.js';

export interface OutboxWorkerOptions {
  /** How often SQL is checked for due messages (enqueues on this replica wake the worker at once). */
  pollMs: number;
  /** First retry delay; doubles per failed attempt up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** How long one delivery attempt holds a message against other replicas (longer than a Web API timeout). */
  leaseMs: number;
  batch: number;
}

export const DEFAULT_WORKER_OPTIONS: OutboxWorkerOptions = {
  pollMs: 1_000,
  baseDelayMs: 1_000,
  maxDelayMs: 5 * 60_000,
  leaseMs: 60_000,
  batch: 50,
};

export class OutboxWorker {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = true;

  constructor(
    private readonly store: OutboxStore,
    private readonly deliver: Deliver,
    private readonly logger: Logger,
    private readonly now: () => Date,
    private readonly options: OutboxWorkerOptions,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.options.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Delivers what is due now, or, if a run is under way, makes it look again when it finishes. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.runUntilIdle().finally(() => {
      this.running = undefined;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  private async runUntilIdle(): Promise<void> {
    try {
      do {
        this.again = false;
        // Each pass sends at most one message per review; a review's next message is due on the next pass.
        while (!this.stopped && (await this.pass()) > 0);
      } while (this.again && !this.stopped);
    } catch (e) {
      this.logger.error(
        { err: (e as Error).message },
        'Slack outbox: delivery run failed; retrying on the next poll',
      );
    }
  }

  /** Returns how many messages this replica attempted. */
  private async pass(): Promise<number> {
    let attempted = 0;
    for (const entry of await this.store.nextDue(this.now(), this.options.batch)) {
      if (this.stopped) break;
      if (!(await this.store.lease(entry.id, this.now(), this.options.leaseMs))) continue;
      attempted++;
      await this.attempt(entry);
    }
    return attempted;
  }

  private async attempt(entry: OutboxEntry): Promise<void> {
    const { kind } = entry.message;
    // A card rendered now shows every change queued so far: the card updates queued up to here are redundant.
    const rendersCard = kind === 'post-card' || kind === 'update-card';
    const coalesceUpTo = rendersCard ? await this.store.lastQueuedCardUpdate(entry.reviewId) : undefined;
    try {
      await this.deliver(entry);
    } catch (e) {
      const failure = classifyFailure(e);
      const log = { review: entry.reviewId, kind, attempts: entry.attempts + 1, err: failure.reason };
      if (!failure.retry) {
        this.logger.error(log, 'Slack refused a message for good; it is dropped (see the error)');
        await this.store.abandon(entry.id, this.now(), failure.reason);
        return;
      }
      const delay =
        failure.afterMs ?? backoffMs(entry.attempts, this.options.baseDelayMs, this.options.maxDelayMs);
      this.logger.warn({ ...log, retryInMs: delay }, 'Slack message not delivered; will retry');
      await this.store.reschedule(entry.id, new Date(this.now().getTime() + delay), failure.reason);
      return;
    }
    await this.store.markDelivered(entry, this.now(), coalesceUpTo);
  }
}
