/**
 * What a paging button remembers: which view, which session, which page, which filter; never data and never who
 * may see it (every click is authorised again from the signed payload). Values are validated on the way back in,
 * because anyone can craft a click payload with any value.
 */
import { z } from 'zod';
import { SESSION_STATUSES } from '../../recording/query.js';
import type { ListFilter } from './command.js';

export type SessionsView =
  | { view: 'list'; filter: ListFilter; offset: number }
  | { view: 'steps'; sessionId: string; offset: number }
  | { view: 'replay'; sessionId: string; step: number };

/** Upload the session's transcript to the channel the user is in, or into the thread of a review's card. */
export type TranscriptTarget = { sessionId: string; reviewId?: string };

const SESSION_ID = /^[0-9a-f]{24}$/;
const sessionId = z.string().regex(SESSION_ID);

/** A recorded session's id (what reviews name and `/agent-sessions show` takes). */
export const isSessionId = (value: string): boolean => SESSION_ID.test(value);
const index = z.number().int().min(0).max(10_000_000);
const text = z.string().min(1).max(256);

const filterSchema = z.strictObject({
  agent: text.optional(),
  owner: text.optional(),
  cluster: text.optional(),
  namespace: text.optional(),
  status: z.enum(SESSION_STATUSES).optional(),
  sinceMs: z.number().int().optional(),
});

const viewSchema = z.discriminatedUnion('view', [
  z.strictObject({ view: z.literal('list'), filter: filterSchema, offset: index }),
  z.strictObject({ view: z.literal('steps'), sessionId, offset: index }),
  z.strictObject({ view: z.literal('replay'), sessionId, step: index }),
]);

const transcriptSchema = z.strictObject({ sessionId, reviewId: z.string().min(1).max(64).optional() });

/** Compact JSON: a select option's value holds at most 150 characters, a button's 2,000. */
export function encodeView(state: SessionsView): string {
  return JSON.stringify(state);
}

export function encodeTranscriptTarget(target: TranscriptTarget): string {
  return JSON.stringify(target);
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

/** The view a button asks for, or undefined when the value is not one Airlock wrote. */
export function decodeView(value: string): SessionsView | undefined {
  const parsed = viewSchema.safeParse(parseJson(value));
  return parsed.success ? parsed.data : undefined;
}

export function decodeTranscriptTarget(value: string): TranscriptTarget | undefined {
  const parsed = transcriptSchema.safeParse(parseJson(value));
  return parsed.success ? parsed.data : undefined;
}
