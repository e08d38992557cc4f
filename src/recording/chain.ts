import { sha256Hex } from './canonical.js';
import { HASHED_COLUMN_ORDER, type EventColumns, type EventContent } from './rows.js';

/**
 * SHA-256 over every stored column of the event (bodies included) and the previous event's hash: the canonical JSON
 * of the flat row — keys sorted, values as JSON writes them, `time` as ISO text — serialised natively in the
 * precomputed key order. `seq` is left out on purpose: the database assigns it, and order is already fixed by each event naming its
 * predecessor.
 */
export function eventHash(content: EventContent, prevHash: string): string {
  return rowHash({ ...content, prev_hash: prevHash });
}

// `time` is a Date, which JSON writes as its ISO text; every other value is a string, finite number, boolean or null
// (toEventDraft and readEventRow make sure), so the text is the same whatever order the row's keys come in.
const rowHash = (row: Omit<EventColumns, 'hash'>): string =>
  sha256Hex(JSON.stringify(row, HASHED_COLUMN_ORDER as string[]));

/**
 * Chains events in the order given, each cluster continuing from its head hash; returns the stored rows
 * and advances `heads` (cluster → hash of its last event) in place.
 */
export function linkEvents(contents: readonly EventContent[], heads: Map<string, string>): EventColumns[] {
  return contents.map((content) => {
    const prevHash = heads.get(content.cluster);
    if (prevHash === undefined) throw new Error(`no chain head loaded for cluster ${content.cluster}`);
    const row: EventColumns = { ...content, prev_hash: prevHash, hash: '' };
    row.hash = rowHash(row);
    heads.set(content.cluster, row.hash);
    return row;
  });
}
