import type { Revocation, RevocationList } from '../identity/revocation.js';
import type { Database } from './database.js';

const TABLE = 'session_revocations';

/** Records a revocation; revoking a session twice keeps the first (who and when stay true). */
export async function revokeSession(db: Database, revocation: Revocation): Promise<Revocation> {
  await db(TABLE)
    .insert({
      token_id: revocation.tokenId,
      revoked_at: revocation.revokedAt,
      revoked_by: revocation.revokedBy,
      reason: revocation.reason ?? null,
    })
    .onConflict('token_id')
    .ignore();
  const row = (await db(TABLE).where({ token_id: revocation.tokenId }).first()) as Record<string, unknown>;
  return toRevocation(row);
}

export interface WatchedRevocations extends RevocationList {
  /** Reads revocations recorded since the last read (any replica or the terminal may have written them). */
  refresh(): Promise<void>;
  /** Called once for each revocation read after start, so what the session has open can be ended. */
  onRevoked(listener: (revocation: Revocation) => void): void;
  stop(): void;
}

/**
 * Keeps every revocation in memory and reads new ones every `refreshMs`, so the per-request check is a map lookup
 * and a revocation takes effect on every replica within about that interval. Revocations are few and never
 * deleted, so the whole table fits in memory.
 */
export async function watchRevocations(
  db: Database,
  opts: { refreshMs: number; onError: (err: Error) => void },
): Promise<WatchedRevocations> {
  const known = new Map<string, Revocation>();
  const listeners: ((revocation: Revocation) => void)[] = [];
  let newest = new Date(0);
  const refresh = async (): Promise<void> => {
    // `>=`: rows written in the same millisecond as the newest one seen are read again, not missed.
    const rows = (await db(TABLE).where('revoked_at', '>=', newest)) as Record<string, unknown>[];
    for (const row of rows) {
      const revocation = toRevocation(row);
      if (known.has(revocation.tokenId)) continue;
      known.set(revocation.tokenId, revocation);
      for (const listener of listeners) listener(revocation);
      if (revocation.revokedAt > newest) newest = revocation.revokedAt;
    }
  };
  await refresh();
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    refresh()
      .catch((err: unknown) => opts.onError(err as Error))
      .finally(() => (running = false));
  }, opts.refreshMs);
  timer.unref();
  return {
    revocationOf: (tokenId) => known.get(tokenId),
    refresh,
    onRevoked: (listener) => void listeners.push(listener),
    stop: () => clearInterval(timer),
  };
}

function toRevocation(row: Record<string, unknown>): Revocation {
  return {
    tokenId: String(row.token_id),
    revokedAt: new Date(row.revoked_at as string | number | Date),
    revokedBy: String(row.revoked_by),
    ...(typeof row.reason === 'string' ? { reason: row.reason } : {}),
  };
}
