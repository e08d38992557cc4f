import type { Client, Notification } from 'pg';
import type { Database } from './database.js';

/**
 * Cross-replica wake-ups on Postgres: a transaction calls `notify` and, when (and only when) it commits, every
 * replica listening on the channel hears it within milliseconds. SQLite has no such thing; there (and whenever the
 * listening connection is lost) callers keep polling, so a notification is only ever a shortcut, never the truth.
 */

/** Committed review transitions; the payload is the review id. */
export const REVIEWS_CHANNEL = 'airlock_reviews';

const isPostgres = (db: Database): boolean => db.client.config.client === 'pg';

/** Queues a notification in `db`'s transaction (delivered at commit, dropped on rollback); a no-op on SQLite. */
export async function notify(db: Database, channel: string, payload: string): Promise<void> {
  if (isPostgres(db)) await db.raw('select pg_notify(?, ?)', [channel, payload]);
}

export interface Subscription {
  /** False once the listening connection failed: the caller should subscribe again (and poll meanwhile). */
  readonly alive: boolean;
  close(): Promise<void>;
}

/**
 * Listens on `channel` with a connection of its own, taken from `db`'s pool for as long as the subscription lives.
 * Resolves to undefined on SQLite. A lost connection is reported through `onError` and marks the subscription dead.
 */
export async function listen(
  db: Database,
  channel: string,
  onNotify: (payload: string) => void,
  onError: (err: Error) => void,
): Promise<Subscription | undefined> {
  if (!isPostgres(db)) return undefined;
  const client = (await db.client.acquireConnection()) as Client;
  let alive = true;
  const onNotification = (message: Notification): void => {
    if (message.channel === channel) onNotify(message.payload ?? '');
  };
  const onLost = (err: Error): void => {
    if (!alive) return;
    alive = false;
    onError(
      new Error(`lost the Postgres connection listening on ${channel}: ${err.message}`, { cause: err }),
    );
  };
  const onEnd = (): void => onLost(new Error('the connection ended'));
  client.on('notification', onNotification);
  client.on('error', onLost);
  client.on('end', onEnd);
  const detach = (): void => {
    client.off('notification', onNotification);
    client.off('error', onLost);
    client.off('end', onEnd);
  };
  try {
    await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
  } catch (err) {
    detach();
    await db.client.releaseConnection(client);
    throw err;
  }
  return {
    get alive() {
      return alive;
    },
    async close() {
      const wasAlive = alive;
      alive = false;
      detach();
      // UNLISTEN so the pooled connection goes back clean; a dead one is released for the pool to discard.
      if (wasAlive) await client.query(`UNLISTEN ${client.escapeIdentifier(channel)}`).catch(() => undefined);
      await db.client.releaseConnection(client);
    },
  };
}

/** Opens a subscription: `listen` bound to a database and channel, or a test's stand-in. */
export type Subscribe = (
  onNotify: (payload: string) => void,
  onError: (err: Error) => void,
) => Promise<Subscription | undefined>;

/**
 * A subscription kept while started: lost with its connection, it is opened again on the next `refresh()` — call it
 * from the poll that covers the gap. Failures go to `onError`; polling is always the fallback (and SQLite's path).
 */
export class KeptSubscription {
  private current: Promise<Subscription | undefined> | undefined;

  constructor(
    private readonly subscribe: Subscribe,
    private readonly onNotify: (payload: string) => void,
    private readonly onError: (err: Error) => void,
  ) {}

  start(): void {
    this.current ??= this.open();
  }

  async refresh(): Promise<void> {
    const current = this.current;
    const subscription = await current;
    if (!subscription || subscription.alive || current !== this.current) return;
    this.current = this.open();
    await subscription.close();
  }

  async stop(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    await (await current)?.close();
  }

  private open(): Promise<Subscription | undefined> {
    return this.subscribe(this.onNotify, this.onError).catch((e: unknown) => {
      this.onError(e instanceof Error ? e : new Error(String(e)));
      return undefined;
    });
  }
}
