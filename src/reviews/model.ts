/**
 * The review vocabulary: what a parked request, a reviewer's decision and a grant look like once stored.
 * Pure data; the engine (`engine.ts`) and the store (`store.ts`) give it behaviour and persistence.
 */
import type { ReviewSettings } from '../policy/decision.js';

export const REVIEW_STATES = [
  'pending',
  'approved',
  'executing',
  'executed',
  'failed',
  'conflicted',
  'denied',
  'expired',
  'cancelled',
] as const;

export type ReviewState = (typeof REVIEW_STATES)[number];

/** States from which nothing can move any more. */
export const FINAL_STATES: readonly ReviewState[] = [
  'executed',
  'failed',
  'conflicted',
  'denied',
  'expired',
  'cancelled',
];

/** The agent as the review remembers it (credential details such as the token id stay out of storage). */
export interface ReviewAgent {
  name: string;
  subject: string;
  issuer: string;
  groups: readonly string[];
}

/** What the request was, as classified: enough to render a card and to scope a grant. */
export interface ReviewClassification {
  method: string;
  path: string;
  verb: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  dryRun: boolean;
}

/** The live object version the preview saw; execution is pinned to it so drift fails closed. */
export interface ExecutionPin {
  resourceVersion?: string;
  uid?: string;
}

/**
 * A human deciding, through one adapter. `id` is the person's canonical identity, the same whether they click in
 * Slack or type in a terminal: a configured person's id, else the Slack user id. `name` is for display only and
 * is never matched against anything (Slack members can rename themselves to anything).
 */
export interface Approver {
  id: string;
  name: string;
  /** Immutable identifiers a policy may name this person by: person id, Slack user id, directory or Slack-reported email. */
  identifiers: string[];
  email?: string;
  /** Memberships that someone other than the person asserted: the people directory or Slack user groups. */
  groups: string[];
  via: 'terminal' | 'slack';
  /** False for a terminal name the people directory does not know: it can act only as break-glass. */
  verified: boolean;
}

/** Which names a grant covers: the reviewed object's name only, or any name (chosen explicitly on the card). */
export type GrantScope = 'name' | 'any-name';

/** One person's recorded decision on a review (at most one per person and review). */
export interface ReviewerDecision {
  approver: Pick<Approver, 'id' | 'name' | 'email' | 'via' | 'verified'>;
  decision: 'approve' | 'deny';
  reason?: string;
  /** Requested time-boxed grant; a grant is created only when every approval asked for one. */
  grantSeconds?: number;
  /** Set with grantSeconds: what the approver saw the grant cover. */
  grantScope?: GrantScope;
  /** Terminal break-glass: eligibility was skipped (the owner rule never is). */
  breakGlass: boolean;
  at: Date;
}

export interface ExecutionOutcome {
  /** The cluster's HTTP status; 0 when unknown. */
  status: number;
  /** The request was sent but its answer never reached Airlock (a crash, a lost lease): look at the object. */
  unknown?: boolean;
  message?: string;
  resourceVersion?: string;
}

/**
 * A reviewed request's standing when it left Airlock's gate, recorded with its step: history shows what was true
 * then, not what the review became later.
 */
export type ReviewVerdict =
  | { state: 'approved'; by: string[] }
  | { state: 'denied'; by: string; reason?: string }
  | { state: 'waiting' }
  | { state: 'closed'; as: string };

/** Whether the agent is still waiting on a pending review: from its last created/attached/released event. */
export interface AgentPresence {
  waiting: boolean;
  since: Date;
}

export interface Review {
  id: string;
  state: ReviewState;
  /** Incremented by every stored change; the compare-and-set token. */
  version: number;
  agent: ReviewAgent;
  owner?: string;
  sessionId?: string;
  /** The credential session that asked (`Agent.tokenId`): revoking it cancels the review and revokes its grants. */
  tokenId?: string;
  cluster: string;
  classification: ReviewClassification;
  rule: string;
  settings: ReviewSettings;
  /** The agent's stated reason (header or annotation). Untrusted text. */
  reason?: string;
  fingerprint: string;
  /** Request line, content type and the redacted body: what humans may see and what is stored. */
  redactedRequest: string;
  preview?: unknown;
  pin?: ExecutionPin;
  decisions: ReviewerDecision[];
  createdAt: Date;
  /** Deadline of the current state: the pending timeout, then (once approved) the execution window. */
  expiresAt: Date;
  decidedAt?: Date;
  executedAt?: Date;
  /** While executing: when the execution counts as abandoned unless its heartbeat renews it. */
  leaseExpiresAt?: Date;
  outcome?: ExecutionOutcome;
  /** Where the Slack card lives; set by the Slack adapter. */
  notification?: { channel?: string; ts?: string };
}

/**
 * A time-boxed approval: later requests of the same agent, cluster, verb, resource and namespace that the same
 * rule governs pass without a review, for the reviewed object name only unless the approvers chose any name.
 */
export interface Grant {
  id: string;
  reviewId: string;
  agent: Pick<ReviewAgent, 'name' | 'subject' | 'issuer'>;
  cluster: string;
  /** The policy rule whose review created it; a request another rule governs never rides on it. */
  rule: string;
  verb: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  /** The one object name covered; undefined when the approvers chose "any name". */
  name?: string;
  /** Names of the approvers whose decisions created it. */
  grantedBy: string[];
  /** How many different people approved it (see countApprovals). */
  approvals: number;
  createdAt: Date;
  expiresAt: Date;
  revokedAt?: Date;
  revokedBy?: string;
}

/** Who caused a transition. */
export interface ReviewActor {
  kind: 'agent' | 'person' | 'system';
  name: string;
  via?: Approver['via'];
}

export type ReviewEventType =
  | 'created'
  | 'attached'
  /** The agent stopped waiting (its hold ended, or it disconnected); a re-run re-attaches. */
  | 'released'
  | 'approval-added'
  | 'approved'
  | 'denied'
  | 'executing'
  | 'executed'
  | 'failed'
  | 'conflicted'
  | 'expired'
  | 'cancelled'
  | 'grant-created'
  | 'grant-revoked';

export interface ReviewEvent {
  type: ReviewEventType;
  /** The review as stored right after the transition. */
  review: Review;
  actor: ReviewActor;
  /** The decision that caused `approval-added`, `approved` or `denied`. */
  decision?: ReviewerDecision;
  /** Set for `grant-created` and `grant-revoked`. */
  grant?: Grant;
  at: Date;
}

/**
 * An event as read back from SQL: `seq` orders all committed events, whichever process committed them. Its
 * `review` is the review as stored when the event was read, which later transitions may have changed.
 */
export interface SequencedReviewEvent extends ReviewEvent {
  seq: number;
}
