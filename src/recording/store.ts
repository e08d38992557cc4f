import type { Knex } from 'knex';
import type { Database } from '../db/database.js';
import { linkEvents } from './chain.js';
import { lockChainHeads } from './chain-heads.js';
import type { AgentSeed, EventDraft, SessionSeed } from './draft.js';
import type { EventColumns } from './rows.js';
import type { DecisionCounts } from './types.js';

// Keeps each INSERT well under SQLite's bound-parameter limit (31 columns per row).
const INSERT_CHUNK = 100;

interface SessionDelta {
  seed: SessionSeed;
  counts: DecisionCounts;
  events: number;
  first: Date;
  last: Date;
}

function sessionDeltas(drafts: readonly EventDraft[]): SessionDelta[] {
  const deltas = new Map<string, SessionDelta>();
  for (const { session, counts, content } of drafts) {
    const delta = deltas.get(session.id) ?? {
      seed: session,
      counts: { allowed: 0, reviewed: 0, denied: 0, failed: 0 },
      events: 0,
      first: content.time,
      last: content.time,
    };
    delta.counts.allowed += counts.allowed;
    delta.counts.reviewed += counts.reviewed;
    delta.counts.denied += counts.denied;
    delta.counts.failed += counts.failed;
    delta.events += 1;
    if (content.time < delta.first) delta.first = content.time;
    if (content.time > delta.last) delta.last = content.time;
    deltas.set(session.id, delta);
  }
  return [...deltas.values()];
}

function latestAgents(drafts: readonly EventDraft[]): { seed: AgentSeed; seen: Date }[] {
  const agents = new Map<string, { seed: AgentSeed; seen: Date }>();
  for (const { agent, content } of drafts) {
    const known = agents.get(agent.id);
    if (!known || content.time >= known.seen) agents.set(agent.id, { seed: agent, seen: content.time });
  }
  return [...agents.values()];
}

async function upsertAgents(trx: Knex.Transaction, drafts: readonly EventDraft[]): Promise<void> {
  for (const { seed, seen } of latestAgents(drafts)) {
    await trx('agents')
      .insert({ ...seed, first_seen: seen, last_seen: seen })
      .onConflict('id')
      .merge(['name', 'owner', 'groups', 'last_seen']);
  }
}

/** Insert-if-absent then increment: safe when two replicas record into the same session at once. */
async function upsertSessions(trx: Knex.Transaction, drafts: readonly EventDraft[]): Promise<void> {
  for (const { seed, counts, events, first, last } of sessionDeltas(drafts)) {
    await trx('sessions')
      .insert({ ...seed, started_at: first, last_activity: last })
      .onConflict('id')
      .ignore();
    await trx('sessions')
      .where({ id: seed.id })
      .update({
        allowed: trx.raw('allowed + ?', [counts.allowed]),
        reviewed: trx.raw('reviewed + ?', [counts.reviewed]),
        denied: trx.raw('denied + ?', [counts.denied]),
        failed: trx.raw('failed + ?', [counts.failed]),
        event_count: trx.raw('event_count + ?', [events]),
        started_at: trx.raw('CASE WHEN started_at > ? THEN ? ELSE started_at END', [first, first]),
        last_activity: trx.raw('CASE WHEN last_activity < ? THEN ? ELSE last_activity END', [last, last]),
      });
  }
}

async function advanceChainHeads(
  trx: Knex.Transaction,
  rows: readonly EventColumns[],
  now: Date,
): Promise<void> {
  const lastOf = new Map<string, EventColumns>();
  for (const row of rows) lastOf.set(row.cluster, row);
  for (const [cluster, last] of lastOf) {
    const stored: { seq: unknown } | undefined = await trx('events').where({ id: last.id }).first('seq');
    await trx('chain_heads')
      .where({ cluster })
      .update({
        last_seq: Number(stored?.seq),
        last_event_id: last.id,
        last_hash: last.hash,
        updated_at: now,
      });
  }
}

/**
 * One multi-row INSERT with positional bindings: the query builder's per-value formatting cost more than the
 * database's work for batches of small events. Every row has the same columns (EventColumns). NULLs and safe integers
 * are written into the statement instead of bound: a small GET's event has ten of them among 32 columns, and the
 * driver copies each bound value on the request thread. Text is always bound.
 */
function insertRows(trx: Knex.Transaction, rows: readonly EventColumns[]): Promise<unknown> {
  const columns = Object.keys(rows[0]!) as (keyof EventColumns)[];
  const values: unknown[] = [];
  const tuples: string[] = new Array(rows.length);
  const slots: string[] = new Array(columns.length);
  rows.forEach((row, r) => {
    columns.forEach((column, c) => {
      const value = row[column] ?? null;
      if (value === null) slots[c] = 'NULL';
      else if (typeof value === 'number' && Number.isSafeInteger(value)) slots[c] = String(value);
      else {
        slots[c] = '?';
        values.push(value);
      }
    });
    tuples[r] = `(${slots.join(',')})`;
  });
  const sql = `insert into events (${columns.map((c) => `"${c}"`).join(',')}) values ${tuples.join(',')}`;
  return trx.raw(sql, values as Knex.RawBinding[]);
}

/**
 * Stores a batch in one transaction: agents and sessions upserted, events chained onto their cluster's
 * head and inserted in order, heads advanced. Either all of it lands or none of it.
 */
export async function appendEvents(
  db: Database,
  drafts: readonly EventDraft[],
  now = new Date(),
): Promise<void> {
  if (drafts.length === 0) return;
  await db.transaction(async (trx) => {
    const heads = await lockChainHeads(
      trx,
      drafts.map((d) => d.content.cluster),
      now,
    );
    await upsertAgents(trx, drafts);
    await upsertSessions(trx, drafts);
    const hashes = new Map([...heads].map(([cluster, head]) => [cluster, head.lastHash]));
    const rows = linkEvents(
      drafts.map((d) => d.content),
      hashes,
    );
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await insertRows(trx, rows.slice(i, i + INSERT_CHUNK));
    }
    await advanceChainHeads(trx, rows, now);
  });
}
