/**
 * Gauges read from the database when Prometheus scrapes, so every replica reports the shared truth (reviews waiting,
 * Slack messages not yet delivered) rather than what it happens to hold in memory.
 */
import type { Database } from '../db/database.js';
import type { GatewayMetrics } from './metrics.js';

async function count(db: Database, table: string, where: Record<string, string>): Promise<number> {
  const [row] = await db(table).where(where).count<{ n: number | string }[]>({ n: '*' });
  return Number(row?.n ?? 0);
}

export function registerStoreGauges(
  metrics: GatewayMetrics,
  db: Database,
  now: () => number = Date.now,
): void {
  metrics.gauge('airlock_reviews_pending', 'Reviews waiting for a decision (all replicas).', () =>
    count(db, 'reviews', { state: 'pending' }),
  );
  metrics.gauge('airlock_slack_outbox_depth', 'Slack messages waiting to be delivered (all replicas).', () =>
    count(db, 'slack_outbox', { state: 'pending' }),
  );
  metrics.gauge(
    'airlock_slack_outbox_oldest_seconds',
    'Age of the oldest Slack message waiting to be delivered; 0 when none waits.',
    async () => {
      const [row] = await db('slack_outbox')
        .where({ state: 'pending' })
        .min<{ oldest: number | string | null }[]>({ oldest: 'created_at' });
      return row?.oldest == null ? 0 : Math.max(0, (now() - Number(row.oldest)) / 1000);
    },
  );
}
