import { canonicalJson, sha256Hex } from './canonical.js';
import type { EventColumns, EventContent } from './rows.js';

/**
 * SHA-256 over every stored column of the event (bodies included) and the previous event's hash.
 * `seq` is left out on purpose: the database assigns it, and order is already fixed by each event naming
 * its predecessor.
 */
export function eventHash(content: EventContent, prevHash: string): string {
  const { time, ...rest } = content;
  return sha256Hex(canonicalJson({ ...rest, time: time.toISOString(), prev_hash: prevHash }));
}

/**
 * Chains events in the order given, each cluster continuing from its head hash; returns the stored rows
 * and advances `heads` (cluster → hash of its last event) in place.
 */
export function linkEvents(contents: readonly EventContent[], heads: Map<string, string>): EventColumns[] {
  return contents.map((content) => {
    const prevHash = heads.get(content.cluster);
    if (prevHash === undefined) throw new Error(`no chain head loaded for cluster ${content.cluster}`);
    const hash = eventHash(content, prevHash);
    heads.set(content.cluster, hash);
    return { ...content, prev_hash: prevHash, hash };
  });
}
