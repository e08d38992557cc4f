import { randomUUID } from 'node:crypto';
import type { Agent } from '../identity/agent.js';
import { captureBody, effectiveLevel, includesRequestBody, includesResponseBody } from './capture.js';
import { sha256Hex } from './canonical.js';
import { isDiscovery } from './describe.js';
import type { EventContent } from './rows.js';
import type { DecisionCounts, RecordInput } from './types.js';

/** What the recorder knows about the session an event belongs to, for the upsert. */
export interface SessionSeed {
  id: string;
  agent_id: string;
  agent_name: string;
  owner: string | null;
  token_id: string;
  cluster: string;
  label: string | null;
}

export interface AgentSeed {
  id: string;
  name: string;
  issuer: string;
  subject: string;
  owner: string | null;
  /** JSON array. */
  groups: string;
}

/** One event ready to be chained and stored: everything but its place in the chain. */
export interface EventDraft {
  content: EventContent;
  session: SessionSeed;
  agent: AgentSeed;
  counts: DecisionCounts;
}

/** Matches `agents.id`: one agent per (issuer, subject), whatever name or owner its tokens carry. */
export function agentIdOf(agent: Pick<Agent, 'issuer' | 'subject'>): string {
  let id = agentIds.get(agent);
  if (id === undefined) agentIds.set(agent, (id = sha256Hex(`${agent.issuer}\n${agent.subject}`)));
  return id;
}

// A verified token's Agent is reused for every request it makes (the verification cache), so the hashes that
// identify its agent and its sessions are computed once per token, not once per request.
const agentIds = new WeakMap<object, string>();
const tokenSessionIds = new WeakMap<object, Map<string, string>>();

/**
 * Session ids are derived, never taken from the agent verbatim: an explicit session name is scoped to the
 * agent and cluster, so one agent cannot write into another's session by reusing its name.
 */
export function sessionIdFor(input: Pick<RecordInput, 'agent' | 'cluster' | 'sessionHint'>): string {
  if (input.sessionHint) return namedSessionId(input.agent, input.cluster, input.sessionHint);
  let byCluster = tokenSessionIds.get(input.agent);
  if (!byCluster) tokenSessionIds.set(input.agent, (byCluster = new Map()));
  let id = byCluster.get(input.cluster);
  if (id === undefined)
    byCluster.set(
      input.cluster,
      (id = digestId(['token', agentIdOf(input.agent), input.agent.tokenId, input.cluster])),
    );
  return id;
}

/** The id of a session the agent named (`X-Airlock-Session`): what a review's `sessionId` hint maps to. */
export function namedSessionId(
  agent: Pick<Agent, 'issuer' | 'subject'>,
  cluster: string,
  sessionHint: string,
): string {
  return digestId(['hint', agentIdOf(agent), cluster, sessionHint]);
}

function digestId(key: readonly string[]): string {
  return sha256Hex(JSON.stringify(key)).slice(0, 24);
}

/** The event's summary: what the pipeline reported, and the review's standing at this step. */
function summaryOf(input: RecordInput, maxBytes: number): string | null {
  if (input.summary === undefined && input.verdict === undefined) return null;
  return captureBody({ ...input.summary, ...(input.verdict ? { review: input.verdict } : {}) }, maxBytes);
}

/** Column widths from the migrations: an over-long value would fail the whole batch on Postgres. */
function clip(value: string, max: number): string {
  return value.length <= max ? value : value.slice(0, max);
}

/** A reviewed request a person denied counts as denied, like a policy denial. */
function countsFor(input: RecordInput, failed: boolean): DecisionCounts {
  const { action } = input.decision;
  return {
    allowed: action === 'allow' ? 1 : 0,
    reviewed: action === 'review' ? 1 : 0,
    denied: action === 'deny' || input.verdict?.state === 'denied' ? 1 : 0,
    failed: failed ? 1 : 0,
  };
}

// The pipeline reports errors as `summary.error`; `message` is the spelling of the recorder contract.
const ERROR_SUMMARY_KEYS = ['error', 'message'];

/**
 * What did not succeed for a reason worth a look. Not failures: denials (by policy or a person), a hold that ended
 * while the review still waits (the agent re-runs to keep waiting), and kubectl's discovery probing paths the
 * cluster does not serve (`/openapi/v2` 404s on every command).
 */
function isFailure(input: RecordInput): boolean {
  if (input.decision.action === 'deny') return false;
  if (input.verdict?.state === 'denied' || input.verdict?.state === 'waiting') return false;
  const { method, path, info } = input.request;
  if (isDiscovery({ method, path, resource: info.resource }) && input.status === 404) return false;
  const summary = input.summary ?? {};
  return input.status >= 400 || ERROR_SUMMARY_KEYS.some((key) => typeof summary[key] === 'string');
}

/** An input that cannot be stored; refused on the way in so it can never block the batch it would join. */
export class UnrecordableInputError extends Error {
  constructor(requestId: string, problem: string) {
    super(`request ${requestId} cannot be recorded: ${problem}`);
    this.name = 'UnrecordableInputError';
  }
}

function assertRecordable(input: RecordInput): void {
  if (Number.isNaN(input.time.getTime()))
    throw new UnrecordableInputError(input.requestId, 'its time is not a valid date');
  for (const field of ['status', 'latencyMs', 'bytesIn', 'bytesOut'] as const) {
    if (!Number.isFinite(input[field])) {
      throw new UnrecordableInputError(input.requestId, `${field} is ${input[field]}, not a finite number`);
    }
  }
}

/**
 * Pure: the row an input becomes, or `undefined` when its rule records nothing (see `effectiveLevel`).
 * Throws `UnrecordableInputError` for inputs no database row could hold.
 */
export function toEventDraft(
  input: RecordInput,
  opts: { maxBodyBytes: number; newId?: () => string },
): EventDraft | undefined {
  assertRecordable(input);
  const failed = isFailure(input);
  const level = effectiveLevel(input.decision.recording.level, { action: input.decision.action, failed });
  if (level === undefined) return undefined;

  const { agent, request } = input;
  const agentId = agentIdOf(agent);
  const agentName = clip(agent.name, 255);
  const owner = agent.owner === undefined ? null : clip(agent.owner, 320);
  const cluster = clip(input.cluster, 255);
  const sessionId = sessionIdFor(input);
  return {
    content: {
      id: (opts.newId ?? randomUUID)(),
      session_id: sessionId,
      time: input.time,
      agent_name: agentName,
      owner,
      cluster,
      request_id: clip(input.requestId, 64),
      method: clip(request.method, 16),
      path: request.path,
      query: request.query.toString(),
      verb: clip(request.info.verb, 32),
      api_group: clip(request.info.apiGroup, 255),
      resource: clip(request.info.resource, 255),
      subresource: clip(request.info.subresource, 255),
      namespace: clip(request.info.namespace, 255),
      name: clip(request.info.name, 255),
      dry_run: request.dryRun,
      rule: clip(input.decision.rule, 255),
      decision: input.decision.action,
      review_id: input.reviewId === undefined ? null : clip(input.reviewId, 64),
      grant_id: input.grantId === undefined ? null : clip(input.grantId, 64),
      status: Math.trunc(input.status),
      latency_ms: Math.round(input.latencyMs),
      bytes_in: Math.trunc(input.bytesIn),
      bytes_out: Math.trunc(input.bytesOut),
      recording_level: level,
      request_body: includesRequestBody(level) ? captureBody(input.requestBody, opts.maxBodyBytes) : null,
      response_body: includesResponseBody(level) ? captureBody(input.responseBody, opts.maxBodyBytes) : null,
      summary: summaryOf(input, opts.maxBodyBytes),
    },
    session: {
      id: sessionId,
      agent_id: agentId,
      agent_name: agentName,
      owner,
      token_id: clip(agent.tokenId, 128),
      cluster,
      label: input.sessionHint ? clip(input.sessionLabel ?? input.sessionHint, 128) : null,
    },
    agent: {
      id: agentId,
      name: agentName,
      issuer: clip(agent.issuer, 512),
      subject: clip(agent.subject, 512),
      owner,
      groups: JSON.stringify(agent.groups),
    },
    counts: countsFor(input, failed),
  };
}

/** Text any SQL text column takes: no NUL (Postgres refuses it) and no lone UTF-16 surrogate (not encodable). */
function storableText(value: string): string {
  return value
    .replaceAll('\u0000', '\ufffd')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/**
 * What is stored in place of an event the database refused: the same id, time, place in its session and outcome,
 * with every text made storable and no bodies, and a summary saying why. The audit log keeps one row per request
 * (so the gap is visible, not silent), and recording goes on.
 */
export function standInFor(draft: EventDraft, refusal: string): EventDraft {
  const text = <T extends object>(row: T): T =>
    Object.fromEntries(
      Object.entries(row).map(([key, value]) => [
        key,
        typeof value === 'string' ? storableText(value) : value,
      ]),
    ) as T;
  return {
    content: {
      ...text(draft.content),
      request_body: null,
      response_body: null,
      summary: JSON.stringify({
        unrecorded: `the database refused this event: ${storableText(refusal).slice(0, 512)}`,
      }),
    },
    session: text(draft.session),
    agent: text(draft.agent),
    counts: draft.counts,
  };
}
