/**
 * The review engine: parks risky requests until humans decide, then releases exactly the reviewed request once.
 * Adapters (gateway, terminal, Slack, preview) reach it only through `ReviewEngine` and `ReviewPorts`.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Database } from '../db/database.js';
import { KeptSubscription, listen, REVIEWS_CHANNEL, type Subscribe } from '../db/notify.js';
import type { Agent } from '../identity/agent.js';
import type { CancelSignal } from '../lib/cancellation.js';
import type { ClassifiedRequest } from '../kube/request-info.js';
import type { ReviewSettings } from '../policy/decision.js';
import {
  countApprovals,
  type DecideRefusal,
  type DecisionRequest,
  refusalFor,
  tally,
  usesBreakGlass,
} from './decision-rules.js';
import { requestFingerprint } from './fingerprint.js';
import type {
  AgentPresence,
  Approver,
  ExecutionPin,
  Grant,
  GrantScope,
  Review,
  ReviewActor,
  ReviewerDecision,
  ReviewEvent,
  ReviewState,
  SequencedReviewEvent,
} from './model.js';
import { ParkingLot } from './parking.js';
import { type NewReview, type ReviewChanges, type ReviewFilter, ReviewStore } from './store.js';

export interface ParkInput {
  agent: Agent;
  cluster: string;
  sessionId?: string;
  request: ClassifiedRequest;
  contentType: string;
  /** The original body: kept in memory only, it may hold secrets. */
  body: Buffer;
  /** The body with secrets masked: the only form that is stored and shown. */
  redactedBody?: string;
  /** The request with detectors run on its path and query (a proxy subpath or an exec `command` may carry a token):
   *  the request line stored and shown. Required: nothing falls back to showing the request as sent. */
  redacted: ClassifiedRequest;
  rule: string;
  settings: ReviewSettings;
  /** The agent's stated reason (`X-Airlock-Reason`, `airlock.io/reason`). */
  reason?: string;
}

export type ParkResult =
  /**
   * The caller holds the one execution claim: forward exactly this request, pinned to `review.pin` (the
   * gateway's `kube/pin.ts`), then call completeExecution.
   */
  | { kind: 'execute'; review: Review; request: { contentType: string; body: Buffer } }
  | { kind: 'denied'; review: Review }
  /** Undecided within the hold time (or the agent went away): the agent re-runs the command to keep waiting. */
  | { kind: 'pending'; review: Review }
  /** Expired, cancelled, failed, conflicted, or executed by an identical request. */
  | { kind: 'closed'; review: Review };

export type DecideResult =
  { ok: true; review: Review; grant?: Grant } | { ok: false; refusal: DecideRefusal };

/** A request that might ride on a grant, and the rule that governs it now. */
export interface GrantQuery {
  agent: Pick<Agent, 'subject' | 'issuer'>;
  cluster: string;
  rule: string;
  settings: ReviewSettings;
  verb: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

export interface ReviewPorts {
  /** Computes what the request would change and the object version to pin execution to (the preview module). */
  preview?(input: ParkInput): Promise<{ preview: unknown; pin?: ExecutionPin }>;
  /**
   * Every transition made by this engine, once, after it is committed. Must not throw; errors are reported, never
   * propagated. Transitions made by any process are also stored as events: see `ReviewEngine.eventsAfter`.
   */
  notify(event: ReviewEvent): void;
  now(): Date;
  /** Failures of the background sweep/poll (they retry on the next tick) and of `notify`. */
  reportError?(error: unknown, during: string): void;
  /**
   * What the cluster says about the reviewed object now, in a sentence (the cluster is the source of truth when an
   * execution's answer was lost). Must not throw for an unreachable cluster; say so instead.
   */
  inspect?(review: Review): Promise<string>;
}

export interface ReviewEngineOptions {
  /** How often parked requests check for decisions stored by other processes. */
  pollMs?: number;
  /** How often overdue reviews are expired. */
  sweepMs?: number;
  /** How long an approved review waits for its request to be re-run before it expires. */
  approvedExecutionWindowSeconds?: number;
  /**
   * How long an execution counts as alive without a heartbeat. The gateway renews it while the request (or the
   * exec session) runs; past it, the sweep resolves the review as failed with an unknown outcome.
   */
  executionLeaseSeconds?: number;
}

export interface ExecutionReport {
  status: number;
  /** The API server refused because the object changed since the preview (409 on a pinned request). */
  conflict?: boolean;
  /** The request was sent but its answer was lost (the agent left, the connection broke): look at the object. */
  unknown?: boolean;
  message?: string;
  resourceVersion?: string;
}

export interface ReviewEngine {
  /** Creates a review, or re-attaches to the open one for the same agent and fingerprint, then waits for it. */
  park(input: ParkInput, signal: CancelSignal): Promise<ParkResult>;
  completeExecution(id: string, report: ExecutionReport): Promise<Review>;
  decide(id: string, approver: Approver, request: DecisionRequest): Promise<DecideResult>;
  /** Closes an open review for good; false when it was no longer open. */
  cancel(id: string, by: ReviewActor): Promise<boolean>;
  findGrant(query: GrantQuery): Promise<Grant | undefined>;
  revokeGrant(id: string, by: string): Promise<boolean>;
  /**
   * Ends what revoked credential sessions left: their open reviews are cancelled and the grants their reviews made
   * are revoked (otherwise a new session of the same agent could use them). Idempotent; returns how many it ended.
   */
  endRevokedSessions(): Promise<{ reviews: number; grants: number }>;
  list(filter?: ReviewFilter): Promise<Review[]>;
  get(id: string): Promise<Review | undefined>;
  /** Whether the agent still waits on this review (its last created/attached/released event). */
  agentPresence(id: string): Promise<AgentPresence | undefined>;
  listGrants(filter?: { active?: boolean; limit?: number }): Promise<Grant[]>;
  setNotification(id: string, location: { channel?: string; ts?: string }): Promise<void>;
  /**
   * Committed events after `seq`, oldest first, each with its review as stored now: how an adapter follows
   * transitions made by any process (the terminal, another replica).
   */
  eventsAfter(seq: number, limit: number): Promise<SequencedReviewEvent[]>;
  /** The newest committed event's `seq` (0 when there is none): where a new follower starts. */
  lastEventSeq(): Promise<number>;
  /** Expires overdue reviews now (what the background sweep runs); returns how many it closed. */
  expireOverdue(): Promise<number>;
  /** Extends an execution's lease (the gateway's heartbeat); false when it is no longer executing. */
  renewLease(id: string): Promise<boolean>;
  /** Resolves executions whose lease expired as failed, outcome unknown (the sweep runs it); returns how many. */
  resolveAbandonedExecutions(): Promise<number>;
  /** Starts the expiry sweep and the cross-process wake-up poll. */
  start(): void;
  stop(): Promise<void>;
}

/** A review operation on a review that is not in the state it needs (e.g. completing one that is not executing). */
export class ReviewStateError extends Error {
  constructor(
    readonly reviewId: string,
    readonly state: ReviewState | 'missing',
    readonly expected: ReviewState,
  ) {
    super(`review ${reviewId} is ${state}, not ${expected}`);
    this.name = 'ReviewStateError';
  }
}

const DEFAULTS = {
  pollMs: 200,
  sweepMs: 1000,
  approvedExecutionWindowSeconds: 300,
  executionLeaseSeconds: 60,
};
/** Bound on compare-and-set retries: each retry means another writer just changed the same review. */
const MAX_ATTEMPTS = 8;

export function createReviewEngine(
  db: Database,
  ports: ReviewPorts,
  options: ReviewEngineOptions = {},
): ReviewEngine {
  const subscribe: Subscribe = (onReview, onError) => listen(db, REVIEWS_CHANNEL, onReview, onError);
  return new SqlReviewEngine(new ReviewStore(db), ports, { ...DEFAULTS, ...options }, subscribe);
}

/** Hears committed transitions of any replica by review id; undefined where the database cannot push (SQLite). */
type PendingEvent = Omit<ReviewEvent, 'at'>;

/** What a transaction produced, and the events to store with it. */
interface Committed<T> {
  value: T;
  events: PendingEvent[];
}

const SYSTEM: ReviewActor = { kind: 'system', name: 'airlock' };

class SqlReviewEngine implements ReviewEngine {
  private readonly parking = new ParkingLot();
  private timers: NodeJS.Timeout[] = [];
  private running = new Set<Promise<unknown>>();
  /** The push channel for other replicas' decisions, while started; the poll covers its absence or loss. */
  private readonly notifications: KeptSubscription;

  constructor(
    private readonly store: ReviewStore,
    private readonly ports: ReviewPorts,
    private readonly options: Required<ReviewEngineOptions>,
    subscribe: Subscribe,
  ) {
    this.notifications = new KeptSubscription(
      subscribe,
      (reviewId) => this.wakeOnNotification(reviewId),
      (err) => this.ports.reportError?.(err, 'wake-up subscription (falling back to polling)'),
    );
  }

  async park(input: ParkInput, signal: CancelSignal): Promise<ParkResult> {
    const holdUntil = Date.now() + input.settings.holdSeconds * 1000;
    const agentActor: ReviewActor = { kind: 'agent', name: input.agent.name };
    const fingerprint = requestFingerprint({
      ...input.request,
      contentType: input.contentType,
      body: input.body,
    });
    const key = openKey(input.agent, input.cluster, fingerprint);

    let review = await this.openReview(key);
    if (review) {
      const attached = review;
      // Attaching changes no row: the event is the transaction's only write.
      await this.inTransaction(async () => ({
        value: undefined,
        events: [{ type: 'attached', review: attached, actor: agentActor }],
      }));
    } else {
      const candidate = await this.newReview(input, fingerprint);
      review = await this.inTransaction(async (tx) => {
        // Undefined only if the open review that beat ours closed at once; ours was not stored, so store it now.
        const stored =
          (await tx.insertUnlessOpen(candidate, key)) ?? (await tx.insertUnlessOpen(candidate, key));
        if (!stored) throw new Error(`could not store or find the open review for ${input.request.path}`);
        const type = stored.id === candidate.id ? 'created' : 'attached';
        return { value: stored, events: [{ type, review: stored, actor: agentActor }] };
      });
    }

    for (;;) {
      const settled = await this.settle(review, input);
      if (settled) return settled;
      const remaining = holdUntil - Date.now();
      if (remaining <= 0) return this.released(review, agentActor);
      const waiting = this.parking.wait(review.id, review.version, remaining, signal);
      // A decision committed between our read and the registration above would otherwise go unnoticed.
      if (((await this.store.versions([review.id])).get(review.id) ?? 0) > review.version)
        this.parking.wake(review.id);
      const outcome = await waiting;
      // A disconnected agent just detaches; the review stays open for a re-run.
      if (outcome === 'aborted') return this.released(review, agentActor);
      review = (await this.store.get(review.id)) ?? review;
    }
  }

  /** The agent stops waiting on a still-open review: recorded, so its card can say the agent is gone. */
  private async released(review: Review, actor: ReviewActor): Promise<ParkResult> {
    // Only the card's "agent gone" line depends on it: a store that fails here must not change the agent's answer.
    await this.inTransaction(async () => ({
      value: undefined,
      events: [{ type: 'released', review, actor }],
    })).catch((e: unknown) => this.ports.reportError?.(e, 'record that the agent stopped waiting'));
    return { kind: 'pending', review };
  }

  agentPresence(id: string): Promise<AgentPresence | undefined> {
    return this.store.agentPresence(id);
  }

  async completeExecution(id: string, report: ExecutionReport): Promise<Review> {
    const review = await this.store.get(id);
    if (review?.state !== 'executing')
      throw new ReviewStateError(id, review?.state ?? 'missing', 'executing');
    const state: ReviewState = report.unknown
      ? 'failed'
      : report.conflict
        ? 'conflicted'
        : succeeded(report.status)
          ? 'executed'
          : 'failed';
    const message = report.unknown
      ? await this.unknownOutcome(review, report.message ?? 'the answer was lost')
      : report.message;
    const outcome = {
      status: report.status,
      ...(report.unknown ? { unknown: true } : {}),
      ...(message !== undefined ? { message } : {}),
      ...(report.resourceVersion !== undefined ? { resourceVersion: report.resourceVersion } : {}),
    };
    const done = await this.transition(review, { state, executedAt: this.ports.now(), outcome }, SYSTEM);
    if (!done) {
      const current = await this.store.get(id);
      throw new ReviewStateError(id, current?.state ?? 'missing', 'executing');
    }
    return done;
  }

  renewLease(id: string): Promise<boolean> {
    return this.store.renewLease(id, this.leaseEnd());
  }

  async resolveAbandonedExecutions(): Promise<number> {
    let resolved = 0;
    for (const review of await this.store.dueForLeaseExpiry(this.ports.now())) {
      const message = await this.unknownOutcome(
        review,
        'the execution stopped reporting (Airlock stopped or lost its database mid-request)',
      );
      const outcome = { status: 0, unknown: true, message };
      if (await this.transition(review, { state: 'failed', executedAt: this.ports.now(), outcome }, SYSTEM))
        resolved++;
    }
    return resolved;
  }

  /** Why the outcome is unknown, and what the cluster shows now: people decide what to do from the object. */
  private async unknownOutcome(review: Review, why: string): Promise<string> {
    const seen = this.ports.inspect
      ? await this.ports
          .inspect(review)
          .catch((e: unknown) => `the cluster could not be asked (${String(e)})`)
      : 'check the object in the cluster';
    return `The request was sent, but its outcome is unknown: ${why}. Now: ${seen}.`;
  }

  private leaseEnd(): Date {
    return new Date(this.ports.now().getTime() + this.options.executionLeaseSeconds * 1000);
  }

  async decide(id: string, approver: Approver, request: DecisionRequest): Promise<DecideResult> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const outcome = await this.inTransaction((tx) => this.decideOnce(tx, id, approver, request)).catch(
        (e: unknown) => {
          if (e instanceof CompareAndSetLost) return 'retry' as const;
          throw e;
        },
      );
      if (outcome === 'retry') continue;
      this.parking.wake(id);
      return outcome;
    }
    throw new Error(
      `review ${id}: decision kept colliding with concurrent writers after ${MAX_ATTEMPTS} attempts`,
    );
  }

  async cancel(id: string, by: ReviewActor): Promise<boolean> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const review = await this.store.get(id);
      if (review?.state !== 'pending' && review?.state !== 'approved') return false;
      if (await this.transition(review, { state: 'cancelled', decidedAt: this.ports.now() }, by)) return true;
    }
    return false;
  }

  /**
   * A live grant from a review of the same rule covering this request, as long as that rule (as configured now)
   * still allows a grant this long and asks no more approvals than the grant had.
   */
  async findGrant(query: GrantQuery): Promise<Grant | undefined> {
    const { settings } = query;
    if (settings.maxGrantSeconds <= 0) return undefined;
    const candidates = await this.store.findGrants(query, this.ports.now());
    return candidates.find(
      (g) =>
        g.expiresAt.getTime() - g.createdAt.getTime() <= settings.maxGrantSeconds * 1000 &&
        g.approvals >= Math.max(1, settings.approvals),
    );
  }

  revokeGrant(id: string, by: string): Promise<boolean> {
    return this.inTransaction(async (tx) => {
      if (!(await tx.revokeGrant(id, by, this.ports.now()))) return { value: false, events: [] };
      const grant = await tx.getGrant(id);
      const review = grant && (await tx.get(grant.reviewId));
      const actor: ReviewActor = { kind: 'person', name: by };
      return {
        value: true,
        events: grant && review ? [{ type: 'grant-revoked', review, grant, actor }] : [],
      };
    });
  }

  async endRevokedSessions(): Promise<{ reviews: number; grants: number }> {
    const left = await this.store.leftByRevokedSessions(this.ports.now());
    let reviews = 0;
    let grants = 0;
    for (const r of left.reviews)
      if (await this.cancel(r.id, { kind: 'person', name: `${r.revokedBy} (session revoked)` })) reviews++;
    for (const g of left.grants)
      if (await this.revokeGrant(g.id, `${g.revokedBy} (session revoked)`)) grants++;
    return { reviews, grants };
  }

  list(filter?: ReviewFilter): Promise<Review[]> {
    return this.store.list(filter);
  }

  get(id: string): Promise<Review | undefined> {
    return this.store.get(id);
  }

  listGrants(filter: { active?: boolean; limit?: number } = {}): Promise<Grant[]> {
    return this.store.listGrants({
      ...(filter.active ? { activeAt: this.ports.now() } : {}),
      ...(filter.limit !== undefined ? { limit: filter.limit } : {}),
    });
  }

  setNotification(id: string, location: { channel?: string; ts?: string }): Promise<void> {
    return this.store.setNotification(id, location);
  }

  async eventsAfter(seq: number, limit: number): Promise<SequencedReviewEvent[]> {
    const stored = await this.store.eventsAfter(seq, limit);
    const reviews = new Map<string, Review>();
    for (const id of new Set(stored.map((e) => e.reviewId))) {
      const review = await this.store.get(id);
      if (review) reviews.set(id, review);
    }
    // Reviews are never deleted (and events reference them), so every event finds its review.
    return stored.flatMap(({ reviewId, ...event }) => {
      const review = reviews.get(reviewId);
      return review ? [{ ...event, review }] : [];
    });
  }

  lastEventSeq(): Promise<number> {
    return this.store.lastEventSeq();
  }

  async expireOverdue(): Promise<number> {
    let expired = 0;
    for (const review of await this.store.dueForExpiry(this.ports.now())) {
      if (await this.expire(review)) expired++;
    }
    return expired;
  }

  start(): void {
    if (this.timers.length > 0) return;
    this.notifications.start();
    this.timers = [
      this.every(this.options.pollMs, 'wake-up poll', () => {
        void this.notifications.refresh();
        return this.wakeChangedReviews();
      }),
      this.every(this.options.sweepMs, 'expiry sweep', () => this.expireOverdue()),
      this.every(this.options.sweepMs, 'execution lease sweep', () => this.resolveAbandonedExecutions()),
    ];
  }

  async stop(): Promise<void> {
    this.timers.forEach((t) => clearInterval(t));
    this.timers = [];
    await Promise.allSettled([...this.running, this.notifications.stop()]);
  }

  /** A committed transition elsewhere: the requests parked here on that review wake at once. */
  private wakeOnNotification(reviewId: string): void {
    if (!this.parking.parkedReviewIds().includes(reviewId)) return;
    const run = this.store
      .versions([reviewId])
      .then((versions) => this.parking.wakeChanged(versions))
      .catch((e: unknown) => this.ports.reportError?.(e, 'wake-up on notification'))
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Turns a fresh look at the review into a result, or undefined while it is still undecided. */
  private async settle(review: Review, input: ParkInput): Promise<ParkResult | undefined> {
    let current: Review | undefined = review;
    for (let attempt = 0; current && attempt < MAX_ATTEMPTS; attempt++) {
      if ((current.state === 'pending' || current.state === 'approved') && this.overdue(current)) {
        await this.expire(current);
      } else if (current.state === 'pending' || current.state === 'executing') {
        // Executing: an identical request is running it; this one waits to hear how it ended.
        return undefined;
      } else if (current.state === 'denied') {
        return { kind: 'denied', review: current };
      } else if (current.state !== 'approved') {
        return { kind: 'closed', review: current };
      } else {
        const claimed = await this.transition(
          current,
          { state: 'executing', leaseExpiresAt: this.leaseEnd() },
          { kind: 'agent', name: input.agent.name },
        );
        if (claimed)
          return {
            kind: 'execute',
            review: claimed,
            request: { contentType: input.contentType, body: input.body },
          };
      }
      current = await this.store.get(review.id);
    }
    return { kind: 'closed', review: current ?? review };
  }

  private async decideOnce(
    tx: ReviewStore,
    id: string,
    approver: Approver,
    request: DecisionRequest,
  ): Promise<Committed<DecideResult | 'retry'>> {
    const retry = { value: 'retry' as const, events: [] };
    const refused = (refusal: DecideRefusal, events: PendingEvent[] = []) => ({
      value: { ok: false as const, refusal },
      events,
    });
    await tx.lock(id);
    const review = await tx.get(id);
    if (!review) return refused({ code: 'not-found', message: `There is no review ${id}.` });
    const now = this.ports.now();
    if (review.state === 'pending' && this.overdue(review)) {
      if (!(await tx.compareAndSet(review, { state: 'expired' }))) return retry;
      const expired = await tx.get(id);
      return refused(
        { code: 'already-decided', message: `Review ${id} expired at ${review.expiresAt.toISOString()}.` },
        expired ? [{ type: 'expired', review: expired, actor: SYSTEM }] : [],
      );
    }
    const refusal = refusalFor(review, approver, request);
    if (refusal) return refused(refusal);

    const reason = request.reason?.trim();
    const decision: ReviewerDecision = {
      approver: {
        id: approver.id,
        name: approver.name,
        via: approver.via,
        verified: approver.verified,
        ...(approver.email ? { email: approver.email } : {}),
      },
      decision: request.decision,
      ...(reason ? { reason } : {}),
      ...(request.decision === 'approve' && request.grantSeconds !== undefined
        ? { grantSeconds: request.grantSeconds, grantScope: request.grantScope ?? 'name' }
        : {}),
      breakGlass: usesBreakGlass(approver, request),
      at: now,
    };
    if (!(await tx.insertDecision(id, decision))) return retry;
    const outcome = tally(review.settings, [...review.decisions, decision]);
    const changes: ReviewChanges =
      outcome.state === 'pending'
        ? {}
        : outcome.state === 'denied'
          ? { state: 'denied', decidedAt: now }
          : {
              state: 'approved',
              decidedAt: now,
              expiresAt: new Date(now.getTime() + this.options.approvedExecutionWindowSeconds * 1000),
            };
    // Losing the race means someone else changed the review: roll back our decision and look again.
    if (!(await tx.compareAndSet(review, changes))) throw new CompareAndSetLost();
    const decided = await tx.get(id);
    if (!decided) throw new Error(`review ${id} vanished inside its own transaction`);
    const actor: ReviewActor = { kind: 'person', name: approver.name, via: approver.via };
    const type = outcome.state === 'pending' ? 'approval-added' : outcome.state;
    const events: PendingEvent[] = [{ type, review: decided, actor, decision }];
    const grant =
      outcome.grantSeconds === undefined
        ? undefined
        : this.grantFor(decided, outcome.grantSeconds, outcome.grantScope ?? 'name', now);
    if (grant) {
      await tx.insertGrant(grant);
      events.push({ type: 'grant-created', review: decided, actor, grant });
    }
    return { value: { ok: true, review: decided, ...(grant ? { grant } : {}) }, events };
  }

  private grantFor(review: Review, seconds: number, scope: GrantScope, now: Date): Grant {
    const c = review.classification;
    return {
      id: newId('gr'),
      reviewId: review.id,
      agent: { name: review.agent.name, issuer: review.agent.issuer, subject: review.agent.subject },
      cluster: review.cluster,
      rule: review.rule,
      verb: c.verb,
      apiGroup: c.apiGroup,
      resource: c.resource,
      subresource: c.subresource,
      namespace: c.namespace,
      ...(scope === 'name' ? { name: c.name } : {}),
      grantedBy: review.decisions.filter((d) => d.decision === 'approve').map((d) => d.approver.name),
      approvals: countApprovals(review.decisions),
      createdAt: now,
      expiresAt: new Date(now.getTime() + seconds * 1000),
    };
  }

  /** The open review for this key, unless it is overdue (then it is expired here and a new one is due). */
  private async openReview(key: string): Promise<Review | undefined> {
    const review = await this.store.findOpen(key);
    if (review && review.state !== 'executing' && this.overdue(review)) {
      await this.expire(review);
      return this.store.findOpen(key);
    }
    return review;
  }

  private async newReview(input: ParkInput, fingerprint: string): Promise<NewReview> {
    const now = this.ports.now();
    const computed = this.ports.preview ? await this.ports.preview(input) : undefined;
    const { request: r, agent } = input;
    return {
      id: newId('rv'),
      agent: { name: agent.name, subject: agent.subject, issuer: agent.issuer, groups: [...agent.groups] },
      ...(agent.owner ? { owner: agent.owner } : {}),
      ...(input.sessionId ? { sessionId: input.sessionId } : {}),
      tokenId: agent.tokenId,
      cluster: input.cluster,
      classification: {
        method: r.method,
        path: r.path,
        verb: r.info.verb,
        apiGroup: r.info.apiGroup,
        resource: r.info.resource,
        subresource: r.info.subresource,
        namespace: r.info.namespace,
        name: r.info.name,
        dryRun: r.dryRun,
      },
      rule: input.rule,
      settings: input.settings,
      ...(input.reason ? { reason: input.reason } : {}),
      fingerprint,
      redactedRequest: redactedRequest(input),
      ...(computed ? { preview: computed.preview, ...(computed.pin ? { pin: computed.pin } : {}) } : {}),
      createdAt: now,
      expiresAt: new Date(now.getTime() + input.settings.timeoutSeconds * 1000),
    };
  }

  private overdue(review: Review): boolean {
    return review.expiresAt.getTime() <= this.ports.now().getTime();
  }

  private async expire(review: Review): Promise<boolean> {
    return (await this.transition(review, { state: 'expired' }, SYSTEM)) !== undefined;
  }

  /** Compare-and-set with its event in one transaction, then (only if it won) the wake-up of local waiters. */
  private async transition(
    review: Review,
    changes: ReviewChanges,
    actor: ReviewActor,
  ): Promise<Review | undefined> {
    const updated = await this.inTransaction(async (tx) => {
      if (!(await tx.compareAndSet(review, changes))) return { value: undefined, events: [] };
      const stored = await tx.get(review.id);
      const { state } = changes;
      return { value: stored, events: stored && state ? [{ type: state, review: stored, actor }] : [] };
    });
    if (updated) this.parking.wake(review.id);
    return updated;
  }

  /**
   * Runs `work` in one transaction that also stores the events it reports (so an event exists iff its change
   * committed), then passes them to `notify`.
   */
  private async inTransaction<T>(work: (tx: ReviewStore) => Promise<Committed<T>>): Promise<T> {
    const { value, events } = await this.store.transaction(async (tx) => {
      const done = await work(tx);
      const at = this.ports.now();
      const stamped = done.events.map((e) => ({ ...e, at }));
      // Last in the transaction: on Postgres it takes the event table's lock (see insertEvents).
      await tx.insertEvents(stamped);
      return { value: done.value, events: stamped };
    });
    events.forEach((e) => this.emit(e));
    return value;
  }

  private async wakeChangedReviews(): Promise<void> {
    const ids = this.parking.parkedReviewIds();
    if (ids.length > 0) this.parking.wakeChanged(await this.store.versions(ids));
  }

  /** An interval that never overlaps itself and reports (rather than throws) failures. */
  private every(ms: number, during: string, tick: () => Promise<unknown>): NodeJS.Timeout {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      const run = tick()
        .catch((e: unknown) => this.ports.reportError?.(e, during))
        .finally(() => {
          busy = false;
          this.running.delete(run);
        });
      this.running.add(run);
    }, ms);
    timer.unref();
    return timer;
  }

  private emit(event: ReviewEvent): void {
    try {
      this.ports.notify(event);
    } catch (e) {
      this.ports.reportError?.(e, `notify ${event.type}`);
    }
  }
}

class CompareAndSetLost extends Error {}

/** The cluster did what was approved: a 2xx answer, or 101 when it opened the approved exec/attach/port-forward session. */
function succeeded(status: number): boolean {
  return status === 101 || (status >= 200 && status < 300);
}

/** One open review per agent identity, cluster and fingerprint (hashed to fit an indexed column). */
function openKey(agent: Pick<Agent, 'issuer' | 'subject'>, cluster: string, fingerprint: string): string {
  return createHash('sha256')
    .update(JSON.stringify([agent.issuer, agent.subject, cluster, fingerprint]))
    .digest('hex');
}

function newId(prefix: string): string {
  return `${prefix}-${randomBytes(8).toString('hex')}`;
}

/** What humans see of the request: the request line, its content type and the redacted body (never the original). */
function redactedRequest(input: ParkInput): string {
  const { method, path, query } = input.redacted;
  const line = `${method} ${path}${query.size ? `?${query.toString()}` : ''}`;
  const body =
    input.redactedBody ??
    (input.body.length > 0 ? `(${input.body.length}-byte body not recorded: no redacted copy)` : '');
  return [
    line,
    ...(input.contentType ? [`Content-Type: ${input.contentType}`] : []),
    ...(body ? ['', body] : []),
  ].join('\n');
}
