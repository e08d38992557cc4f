import type { Agent } from '../identity/agent.js';
import type { ClassifiedRequest } from '../kube/request-info.js';
import type { Action, Decision, RecordingLevel } from '../policy/decision.js';

import type { ReviewVerdict } from '../reviews/model.js';

/** One finished request as the pipeline hands it to the recorder; bodies are already masked. */
export interface RecordInput {
  requestId: string;
  time: Date;
  agent: Agent;
  cluster: string;
  /** Explicit `X-Airlock-Session` value; otherwise sessions group per credential (`agent.tokenId`). */
  sessionHint?: string;
  /** The hint as stored and shown, already masked (it is text the agent chose); the hint itself still names the
   *  session, so masking never merges or splits sessions. Defaults to the hint. */
  sessionLabel?: string;
  request: ClassifiedRequest;
  decision: Decision;
  reviewId?: string;
  grantId?: string;
  /** A reviewed request's standing when it left the gate (stored in the event's summary as `review`). */
  verdict?: ReviewVerdict;
  status: number;
  latencyMs: number;
  bytesIn: number;
  bytesOut: number;
  /** Already masked (parsed JSON or text). */
  requestBody?: unknown;
  /** Already masked. */
  responseBody?: unknown;
  /** watch: {events, bytes, durationMs}; exec: {command, stdinBytes, stdoutBytes, stderrBytes}; errors: {message}. */
  summary?: Record<string, unknown>;
}

export interface Recorder {
  /** Enqueues; never blocks the request path and never throws. */
  record(input: RecordInput): void;
  /** False while the store is failing (or the queue is full): mutations must then be refused. */
  available(): boolean;
  /** Events waiting to be stored. */
  queued(): number;
  /** Resolves once everything queued so far is stored; rejects if the store fails (events stay queued). */
  flush(): Promise<void>;
  /** Flushes everything queued and stops: nothing is lost on graceful shutdown. */
  close(): Promise<void>;
}

export interface DecisionCounts {
  allowed: number;
  reviewed: number;
  denied: number;
  /** Requests that did not succeed for a reason other than a policy denial (status ≥ 400 or an error). */
  failed: number;
}

export interface SessionSummary {
  id: string;
  /** The explicit session name the agent sent, if any. */
  label?: string;
  agent: string;
  owner?: string;
  tokenId: string;
  cluster: string;
  startedAt: Date;
  lastActivity: Date;
  counts: DecisionCounts;
  events: number;
}

/** One recorded request/response pair as read back from the store. */
export interface RecordedEvent {
  seq: number;
  id: string;
  sessionId: string;
  time: Date;
  agent: string;
  owner?: string;
  cluster: string;
  requestId: string;
  method: string;
  path: string;
  /** Serialised query string without the leading `?`. */
  query: string;
  verb: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  dryRun: boolean;
  rule: string;
  decision: Action;
  reviewId?: string;
  grantId?: string;
  status?: number;
  latencyMs?: number;
  bytesIn: number;
  bytesOut: number;
  recordingLevel: RecordingLevel;
  /** Masked body as stored (possibly ending in a truncation marker); absent when the level excludes it. */
  requestBody?: string;
  responseBody?: string;
  summary?: Record<string, unknown>;
}
