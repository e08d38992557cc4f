/**
 * Delivers the outbox: polls SQL (and wakes early when something is enqueued here), leases each due message,
 * sends it, and reschedules failures with back-off or Slack's `Retry-After`. Any replica may deliver any message.
 *
 * A failure Slack may get over (5xx, 429, a timeout) pauses the whole worker rather than each message on its own
 * schedule: while Slack is away, one cheap probe at a time asks whether it is back (with jittered back-off), and the
 * moment it answers, everything held back is due at once and goes out oldest first, so cards arrive in the order
 * they were created. A message that fails again right after Slack answered the probe has trouble of its own: it
 * keeps its own back-off and holds up nobody.
 */
import type { Logger } from '../../lib/logger.js';
import type { Deliver } from './delivery.js';
import { backoffMs, classifyFailure, type DeliveryFailure } from './failures.js';
import type { OutboxEntry, OutboxStore } from './store.js';

export interface OutboxWorkerOptions {
  /** How often SQL is checked for due messages (enqueues on this replica wake the worker at once). */
  pollMs: number;
  /** First retry delay; doubles per failed attempt up to `maxDelayMs`, each one jittered. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** How long one delivery attempt holds a message against other replicas (longer than a Web API timeout). */
  leaseMs: number;
  batch: number;
  /** Source of the back-off jitter (tests pin it). */
  random: () => number;
}

export const DEFAULT_WORKER_OPTIONS: OutboxWorkerOptions = {
  pollMs: 1_000,
  baseDelayMs: 1_000,
  maxDelayMs: 5 * 60_000,
  leaseMs: 60_000,
  batch: 50,
  random: Math.random,
};

/** A cheap Web API call that succeeds when Slack answers again (`auth.test`). */
export type SlackProbe = () => Promise<unknown>;

interface Outage {
  /** Failed attempts and probes since Slack last answered. */
  failures: number;
  /** No message and no probe before this instant (epoch ms). */
  resumeAt: number;
  /** Messages that failed during the outage: due again as soon as Slack answers. */
  heldBack: Set<number>;
}

export class OutboxWorker {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = true;
  private outage?: Outage;
  /** Released when the last outage ended: if one of these fails again, the trouble is the message's own. */
  private released = new Set<number>();

  constructor(
    private readonly store: OutboxStore,
    private readonly deliver: Deliver,
    private readonly probe: SlackProbe,
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
    if (this.outage && !(await this.slackIsBack(this.outage))) return 0;
    let attempted = 0;
    for (const entry of await this.store.nextDue(this.now(), this.options.batch)) {
      if (this.stopped || this.outage) break;
      if (!(await this.store.lease(entry.id, this.now(), this.options.leaseMs))) continue;
      attempted++;
      await this.attempt(entry);
    }
    return attempted;
  }

  /** Once the pause is over, one probe: when Slack answers, what the outage held back is due at once. */
  private async slackIsBack(outage: Outage): Promise<boolean> {
    if (this.now().getTime() < outage.resumeAt) return false;
    try {
      await this.probe();
    } catch (e) {
      const failure = classifyFailure(e);
      this.pause(failure);
      this.logger.warn(
        {
          err: failure.reason,
          failures: this.outage?.failures,
          retryInMs: this.outage && this.outage.resumeAt - this.now().getTime(),
        },
        'Slack still does not answer; messages wait',
      );
      return false;
    }
    this.outage = undefined;
    this.released = outage.heldBack;
    await this.store.release([...outage.heldBack], this.now());
    this.logger.info(
      { heldBack: outage.heldBack.size },
      'Slack answers again; delivering the backlog in order',
    );
    return true;
  }

  /**
   * Starts or lengthens the outage: Slack's Retry-After when it gave one, else jittered back-off. A probe Slack
   * refuses for good (a revoked token) keeps the outage too: nothing could be delivered.
   */
  private pause(failure: DeliveryFailure): void {
    const failures = (this.outage?.failures ?? 0) + 1;
    const { baseDelayMs, maxDelayMs, random } = this.options;
    const afterMs = failure.retry ? failure.afterMs : undefined;
    const delay = afterMs ?? backoffMs(failures - 1, baseDelayMs, maxDelayMs, random);
    this.outage = {
      failures,
      resumeAt: this.now().getTime() + delay,
      heldBack: this.outage?.heldBack ?? new Set(),
    };
  }

  private async attempt(entry: OutboxEntry): Promise<void> {
    const { kind } = entry.message;
    // A card rendered now shows every change queued so far: the card updates queued up to here are redundant.
    const rendersCard = kind === 'post-card' || kind === 'update-card';
    const coalesceUpTo = rendersCard ? await this.store.lastQueuedCardUpdate(entry.reviewId) : undefined;
    const releasedByProbe = this.released.delete(entry.id);
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
      const { baseDelayMs, maxDelayMs, random } = this.options;
      const delay = failure.afterMs ?? backoffMs(entry.attempts, baseDelayMs, maxDelayMs, random);
      this.logger.warn({ ...log, retryInMs: delay }, 'Slack message not delivered; will retry');
      await this.store.reschedule(entry.id, new Date(this.now().getTime() + delay), failure.reason);
      // Slack answered the probe, yet this one fails again: its trouble is its own.
      if (releasedByProbe) return;
      this.pause(failure);
      this.outage?.heldBack.add(entry.id);
      return;
    }
    await this.store.markDelivered(entry, this.now(), coalesceUpTo);
  }
}
