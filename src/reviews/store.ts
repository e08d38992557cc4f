/**
 * SQL persistence of reviews, decisions and grants (knex; SQLite or Postgres). The only module of the review
 * engine that speaks SQL: every state change is a compare-and-set on (id, version, state).
 */
import type { Knex } from 'knex';
import { deleteInBatches } from '../db/batches.js';
import { notify, REVIEWS_CHANNEL } from '../db/notify.js';
import type { ReviewSettings } from '../policy/decision.js';
import type {
  AgentPresence,
  ExecutionOutcome,
  Grant,
  Review,
  ReviewActor,
  ReviewerDecision,
  ReviewEvent,
  ReviewState,
  SequencedReviewEvent,
} from './model.js';
import { FINAL_STATES } from './model.js';

const OPEN_STATES: readonly ReviewState[] = ['pending', 'approved'];
/**
 * States that keep the open key: an identical request arriving while the approved one executes re-attaches to it
 * (and learns its outcome) instead of opening a second review.
 */
const KEYED_STATES: readonly ReviewState[] = [...OPEN_STATES, 'executing'];
/** Keeps `WHERE id IN (…)` under every SQLite build's bound-parameter limit. */
const IN_CHUNK = 500;
/** The advisory lock that orders review event commits (see `insertEvents`); an arbitrary, fixed 64-bit key. */
export const REVIEW_EVENTS_LOCK_KEY = 7_240_215_001;

/** A review as first stored: pending, version 1, no decisions yet. */
export type NewReview = Omit<
  Review,
  'state' | 'version' | 'decisions' | 'decidedAt' | 'executedAt' | 'outcome' | 'notification'
>;

export interface ReviewChanges {
  /** Nothing ever returns to pending. */
  state?: Exclude<ReviewState, 'pending'>;
  expiresAt?: Date;
  decidedAt?: Date;
  executedAt?: Date;
  leaseExpiresAt?: Date;
  outcome?: ExecutionOutcome;
}

/** The request a grant would have to cover. */
export interface GrantLookup {
  agent: { subject: string; issuer: string };
  cluster: string;
  rule: string;
  verb: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

export interface ReviewFilter {
  states?: readonly ReviewState[];
  limit?: number;
}

interface ReviewRow {
  id: string;
  state: ReviewState;
  version: number | string;
  open_key: string | null;
  agent_name: string;
  agent_issuer: string;
  agent_subject: string;
  agent_groups: string;
  owner: string | null;
  session_id: string | null;
  token_id: string | null;
  cluster: string;
  method: string;
  path: string;
  verb: string;
  api_group: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  dry_run: boolean | number;
  rule: string;
  settings: string;
  reason: string | null;
  fingerprint: string;
  redacted_request: string;
  preview: string | null;
  pin_resource_version: string | null;
  pin_uid: string | null;
  created_at: number | string;
  expires_at: number | string;
  decided_at: number | string | null;
  executed_at: number | string | null;
  outcome_status: number | null;
  outcome_message: string | null;
  outcome_resource_version: string | null;
  notification_channel: string | null;
  notification_ts: string | null;
  lease_expires_at: number | string | null;
  outcome_unknown: boolean | number;
}

interface DecisionRow {
  review_id: string;
  approver_id: string;
  approver_name: string;
  approver_email: string | null;
  via: 'terminal' | 'slack';
  decision: 'approve' | 'deny';
  reason: string | null;
  grant_seconds: number | null;
  grant_any_name: boolean | number;
  break_glass: boolean | number;
  identity_verified: boolean | number;
  decided_at: number | string;
}

interface GrantRow {
  id: string;
  review_id: string;
  agent_name: string;
  agent_issuer: string;
  agent_subject: string;
  cluster: string;
  rule: string | null;
  verb: string;
  api_group: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string | null;
  granted_by: string;
  approvals: number;
  created_at: number | string;
  expires_at: number | string;
  revoked_at: number | string | null;
  revoked_by: string | null;
}

interface EventRow {
  seq: number | string;
  review_id: string;
  type: ReviewEvent['type'];
  actor: string;
  decision: string | null;
  grant: string | null;
  at: number | string;
}

/** An event as stored: the review is referenced by id (load it to render the event). */
export type StoredReviewEvent = Omit<SequencedReviewEvent, 'review'> & { reviewId: string };

/** JSON forms of what an event carries; dates as epoch milliseconds, like every other stored time. */
type DecisionJson = Omit<ReviewerDecision, 'at'> & { at: number };
type GrantJson = Omit<Grant, 'createdAt' | 'expiresAt' | 'revokedAt'> & {
  createdAt: number;
  expiresAt: number;
  revokedAt?: number;
};

// Postgres returns bigint as a string and SQLite booleans as 0/1: normalise before anything leaves the store.
const toDate = (ms: number | string): Date => new Date(Number(ms));
const optionalDate = (ms: number | string | null): Date | undefined => (ms === null ? undefined : toDate(ms));
const optional = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += IN_CHUNK) out.push(items.slice(i, i + IN_CHUNK));
  return out;
}

export class ReviewStore {
  constructor(private readonly db: Knex | Knex.Transaction) {}

  /** Runs `work` in one SQL transaction; throwing rolls everything back. */
  transaction<T>(work: (tx: ReviewStore) => Promise<T>): Promise<T> {
    return this.db.transaction((trx) => work(new ReviewStore(trx)));
  }

  /**
   * Stores the review unless an open one already holds `openKey` (another request, maybe on another replica,
   * won the race). Either way the open review for that key, if any, is returned.
   */
  async insertUnlessOpen(review: NewReview, openKey: string): Promise<Review | undefined> {
    await this.db('reviews').insert(toRow(review, openKey)).onConflict('open_key').ignore();
    return this.findOpen(openKey);
  }

  async findOpen(openKey: string): Promise<Review | undefined> {
    const row = await this.db<ReviewRow>('reviews').where({ open_key: openKey }).first();
    return row ? (await this.withDecisions([row]))[0] : undefined;
  }

  async get(id: string): Promise<Review | undefined> {
    const row = await this.db<ReviewRow>('reviews').where({ id }).first();
    return row ? (await this.withDecisions([row]))[0] : undefined;
  }

  async list(filter: ReviewFilter = {}): Promise<Review[]> {
    const query = this.db<ReviewRow>('reviews').orderBy('created_at', 'desc');
    if (filter.states) query.whereIn('state', [...filter.states]);
    if (filter.limit !== undefined) query.limit(filter.limit);
    return this.withDecisions(await query);
  }

  /** Current versions of the given reviews: how a replica notices decisions stored by another. */
  async versions(ids: readonly string[]): Promise<Map<string, number>> {
    const versions = new Map<string, number>();
    for (const chunk of chunks(ids)) {
      const rows = await this.db<ReviewRow>('reviews').select('id', 'version').whereIn('id', chunk);
      for (const row of rows) versions.set(row.id, Number(row.version));
    }
    return versions;
  }

  /** Open reviews whose deadline has passed. */
  async dueForExpiry(now: Date, limit = 100): Promise<Review[]> {
    const rows = await this.db<ReviewRow>('reviews')
      .whereIn('state', [...OPEN_STATES])
      .where('expires_at', '<=', now.getTime())
      .limit(limit);
    return this.withDecisions(rows);
  }

  /**
   * Executions whose lease ran out: nobody renewed it, so the process that held it stopped or lost the database.
   * Executions claimed before leases existed have none; their approval window stands in for it.
   */
  async dueForLeaseExpiry(now: Date, limit = 100): Promise<Review[]> {
    const rows = await this.db<ReviewRow>('reviews')
      .where({ state: 'executing' })
      .where((q) =>
        q
          .where('lease_expires_at', '<=', now.getTime())
          .orWhere((old) => old.whereNull('lease_expires_at').where('expires_at', '<=', now.getTime())),
      )
      .limit(limit);
    return this.withDecisions(rows);
  }

  /** Extends an execution's lease; false when the review is no longer executing. Not a state change: no version. */
  async renewLease(id: string, until: Date): Promise<boolean> {
    const count = await this.db<ReviewRow>('reviews')
      .where({ id, state: 'executing' })
      .update({ lease_expires_at: until.getTime() });
    return count === 1;
  }

  /**
   * Applies `changes` only if the review is still at `expected.version` and `expected.state`; false otherwise.
   * Leaving the open states releases the open key, so the next identical request makes a new review.
   */
  async compareAndSet(
    expected: Pick<Review, 'id' | 'version' | 'state'>,
    changes: ReviewChanges,
  ): Promise<boolean> {
    const update: Partial<ReviewRow> = { version: expected.version + 1 };
    if (changes.state) {
      update.state = changes.state;
      if (!KEYED_STATES.includes(changes.state)) update.open_key = null;
    }
    if (changes.expiresAt) update.expires_at = changes.expiresAt.getTime();
    if (changes.decidedAt) update.decided_at = changes.decidedAt.getTime();
    if (changes.executedAt) update.executed_at = changes.executedAt.getTime();
    if (changes.leaseExpiresAt) update.lease_expires_at = changes.leaseExpiresAt.getTime();
    if (changes.outcome) {
      update.outcome_status = changes.outcome.status;
      update.outcome_message = changes.outcome.message ?? null;
      update.outcome_resource_version = changes.outcome.resourceVersion ?? null;
      update.outcome_unknown = changes.outcome.unknown === true;
    }
    const count = await this.db<ReviewRow>('reviews')
      .where({ id: expected.id, version: expected.version, state: expected.state })
      .update(update);
    return count === 1;
  }

  /**
   * Takes the review's write lock before anything is read in this transaction: SQLite then waits (busy
   * timeout) instead of failing a stale read snapshot, and Postgres serialises decisions on one review.
   */
  async lock(id: string): Promise<void> {
    await this.db('reviews')
      .where({ id })
      .update({ version: this.db.ref('version') });
  }

  /** False when this person already has a decision on the review (the primary key says so). */
  async insertDecision(reviewId: string, d: ReviewerDecision): Promise<boolean> {
    const inserted = await this.db('review_decisions')
      .insert({
        review_id: reviewId,
        approver_id: d.approver.id,
        approver_name: d.approver.name,
        approver_email: d.approver.email ?? null,
        via: d.approver.via,
        decision: d.decision,
        reason: d.reason ?? null,
        grant_seconds: d.grantSeconds ?? null,
        grant_any_name: d.grantScope === 'any-name',
        break_glass: d.breakGlass,
        identity_verified: d.approver.verified,
        decided_at: d.at.getTime(),
      })
      .onConflict(['review_id', 'approver_id'])
      .ignore()
      .returning('review_id');
    return inserted.length === 1;
  }

  async setNotification(id: string, location: { channel?: string; ts?: string }): Promise<void> {
    await this.db('reviews')
      .where({ id })
      .update({ notification_channel: location.channel ?? null, notification_ts: location.ts ?? null });
  }

  async insertGrant(grant: Grant): Promise<void> {
    await this.db('review_grants').insert({
      id: grant.id,
      review_id: grant.reviewId,
      agent_name: grant.agent.name,
      agent_issuer: grant.agent.issuer,
      agent_subject: grant.agent.subject,
      cluster: grant.cluster,
      rule: grant.rule,
      verb: grant.verb,
      api_group: grant.apiGroup,
      resource: grant.resource,
      subresource: grant.subresource,
      namespace: grant.namespace,
      name: grant.name ?? null,
      granted_by: JSON.stringify(grant.grantedBy),
      approvals: grant.approvals,
      created_at: grant.createdAt.getTime(),
      expires_at: grant.expiresAt.getTime(),
    });
  }

  /**
   * Live grants (not expired, not revoked) from the same rule covering exactly this request: its object name,
   * or any name when that was granted. Longest-lasting first.
   */
  async findGrants(lookup: GrantLookup, now: Date): Promise<Grant[]> {
    const rows = await this.db<GrantRow>('review_grants')
      .where({
        agent_issuer: lookup.agent.issuer,
        agent_subject: lookup.agent.subject,
        cluster: lookup.cluster,
        rule: lookup.rule,
        verb: lookup.verb,
        api_group: lookup.apiGroup,
        resource: lookup.resource,
        subresource: lookup.subresource,
        namespace: lookup.namespace,
      })
      .where((q) => q.where({ name: lookup.name }).orWhereNull('name'))
      .whereNull('revoked_at')
      .where('expires_at', '>', now.getTime())
      .orderBy('expires_at', 'desc');
    return rows.map(fromGrantRow);
  }

  async getGrant(id: string): Promise<Grant | undefined> {
    const row = await this.db<GrantRow>('review_grants').where({ id }).first();
    return row ? fromGrantRow(row) : undefined;
  }

  /** Grants newest first; with `activeAt`, only those neither expired nor revoked at that time. */
  async listGrants(filter: { activeAt?: Date; limit?: number } = {}): Promise<Grant[]> {
    const query = this.db<GrantRow>('review_grants').orderBy('created_at', 'desc');
    if (filter.activeAt) query.whereNull('revoked_at').where('expires_at', '>', filter.activeAt.getTime());
    if (filter.limit !== undefined) query.limit(filter.limit);
    return (await query).map(fromGrantRow);
  }

  /** What revoked credential sessions still have: open reviews and live grants, each with who revoked it. */
  async leftByRevokedSessions(now: Date): Promise<{
    reviews: { id: string; revokedBy: string }[];
    grants: { id: string; revokedBy: string }[];
  }> {
    const reviews = (await this.db('reviews as r')
      .join('session_revocations as s', 's.token_id', 'r.token_id')
      .whereIn('r.state', ['pending', 'approved'])
      .select('r.id as id', 's.revoked_by as revokedBy')) as { id: string; revokedBy: string }[];
    const grants = (await this.db('review_grants as g')
      .join('reviews as r', 'r.id', 'g.review_id')
      .join('session_revocations as s', 's.token_id', 'r.token_id')
      .whereNull('g.revoked_at')
      .where('g.expires_at', '>', now.getTime())
      .select('g.id as id', 's.revoked_by as revokedBy')) as { id: string; revokedBy: string }[];
    return { reviews, grants };
  }

  /** Revokes a live grant; false when it does not exist or was already revoked. */
  async revokeGrant(id: string, by: string, now: Date): Promise<boolean> {
    const count = await this.db<GrantRow>('review_grants')
      .where({ id })
      .whereNull('revoked_at')
      .update({ revoked_at: now.getTime(), revoked_by: by });
    return count === 1;
  }

  /**
   * Records committed-together events; call it last in the transition's transaction, so the lock below is held
   * only from the insert to the commit.
   *
   * Why a lock at all: followers (the Slack feed) read `seq > cursor` from one shared cursor. Postgres hands out
   * `seq` when a row is inserted, not when it commits; if transaction 7 committed before a slower transaction 6, a
   * reader could pass 7 and skip 6 for good. So event-writing transactions must commit in `seq` order.
   *
   * Why this lock: a transaction-scoped advisory lock on one key serialises exactly the event writers, from their
   * insert to their commit, and nothing else. The table lock used before (`LOCK TABLE … IN EXCLUSIVE MODE`) also
   * conflicted with every other writer of the table (retention deletes, autovacuum's SHARE UPDATE EXCLUSIVE), so a
   * prune or a vacuum stalled every review transition in the cluster. SQLite has one writer at a time anyway.
   *
   * Each transition also queues a notification (delivered at commit) so replicas parked on the review wake now
   * instead of at their next poll.
   */
  async insertEvents(events: readonly ReviewEvent[]): Promise<void> {
    if (events.length === 0) return;
    if (this.db.client.config.client === 'pg')
      await this.db.raw('select pg_advisory_xact_lock(?)', [REVIEW_EVENTS_LOCK_KEY]);
    await this.db('review_events').insert(events.map(toEventRow));
    for (const reviewId of new Set(events.map((e) => e.review.id)))
      await notify(this.db, REVIEWS_CHANNEL, reviewId);
  }

  /**
   * Retention: deletes, `batch` rows per statement, review events older than `olderThan` that every follower has
   * passed (an event a cursor has not reached yet is never dropped from under it), then closed reviews untouched
   * since `olderThan` with no events left and no grant still running then, with their decisions and grants.
   */
  async prune(olderThan: Date, batch: number): Promise<{ reviewEvents: number; reviews: number }> {
    const cutoff = olderThan.getTime();
    const cursor = (await this.db('review_event_cursors').min({ seq: 'seq' }).first()) as
      { seq: number | string | null } | undefined;
    const followed = cursor?.seq === null || cursor?.seq === undefined ? undefined : Number(cursor.seq);
    const db = this.db as Knex;
    const reviewEvents = await deleteInBatches(db, 'review_events', 'seq', batch, (q) =>
      q.where('at', '<', cutoff).modify((w) => {
        if (followed !== undefined) w.andWhere('seq', '<=', followed);
      }),
    );
    let reviews = 0;
    for (;;) {
      const ids = (
        await this.db<ReviewRow>('reviews')
          .select('id')
          .whereIn('state', [...FINAL_STATES])
          .andWhere('created_at', '<', cutoff)
          .andWhere((w) => w.whereNull('decided_at').orWhere('decided_at', '<', cutoff))
          .andWhere((w) => w.whereNull('executed_at').orWhere('executed_at', '<', cutoff))
          .whereNotExists((e) =>
            e.select(this.db.raw('1')).from('review_events').whereRaw('review_events.review_id = reviews.id'),
          )
          .whereNotExists((g) =>
            g
              .select(this.db.raw('1'))
              .from('review_grants')
              .whereRaw('review_grants.review_id = reviews.id')
              .andWhere('review_grants.expires_at', '>=', cutoff),
          )
          .limit(batch)
      ).map((r) => r.id);
      if (ids.length === 0) return { reviewEvents, reviews };
      await this.transaction(async (tx) => {
        await tx.db('review_decisions').whereIn('review_id', ids).delete();
        await tx.db('review_grants').whereIn('review_id', ids).delete();
        await tx.db('reviews').whereIn('id', ids).delete();
      });
      reviews += ids.length;
      if (ids.length < batch) return { reviewEvents, reviews };
    }
  }

  /** The agent's last arrival or departure on a review, or undefined when none is stored (pruned). */
  async agentPresence(reviewId: string): Promise<AgentPresence | undefined> {
    const row = (await this.db('review_events')
      .where({ review_id: reviewId })
      .whereIn('type', ['created', 'attached', 'released'])
      .orderBy('seq', 'desc')
      .first('type', 'at')) as { type: string; at: number | string } | undefined;
    return row ? { waiting: row.type !== 'released', since: new Date(Number(row.at)) } : undefined;
  }

  /** Events after `seq`, oldest first. */
  async eventsAfter(seq: number, limit: number): Promise<StoredReviewEvent[]> {
    const rows = await this.db<EventRow>('review_events').where('seq', '>', seq).orderBy('seq').limit(limit);
    return rows.map(fromEventRow);
  }

  /** The newest event's `seq`, 0 when there is none. */
  async lastEventSeq(): Promise<number> {
    const row = (await this.db('review_events').max({ seq: 'seq' }).first()) as
      { seq: number | string | null } | undefined;
    return Number(row?.seq ?? 0);
  }

  private async withDecisions(rows: readonly ReviewRow[]): Promise<Review[]> {
    const byReview = new Map<string, ReviewerDecision[]>();
    for (const chunk of chunks(rows.map((r) => r.id))) {
      const decisionRows = await this.db<DecisionRow>('review_decisions')
        .whereIn('review_id', chunk)
        .orderBy('decided_at');
      for (const d of decisionRows) {
        const list = byReview.get(d.review_id) ?? [];
        list.push(fromDecisionRow(d));
        byReview.set(d.review_id, list);
      }
    }
    return rows.map((row) => fromRow(row, byReview.get(row.id) ?? []));
  }
}

function toRow(review: NewReview, openKey: string): ReviewRow {
  const c = review.classification;
  return {
    id: review.id,
    state: 'pending',
    version: 1,
    open_key: openKey,
    agent_name: review.agent.name,
    agent_issuer: review.agent.issuer,
    agent_subject: review.agent.subject,
    agent_groups: JSON.stringify(review.agent.groups),
    owner: review.owner ?? null,
    session_id: review.sessionId ?? null,
    token_id: review.tokenId ?? null,
    cluster: review.cluster,
    method: c.method,
    path: c.path,
    verb: c.verb,
    api_group: c.apiGroup,
    resource: c.resource,
    subresource: c.subresource,
    namespace: c.namespace,
    name: c.name,
    dry_run: c.dryRun,
    rule: review.rule,
    settings: JSON.stringify(review.settings),
    reason: review.reason ?? null,
    fingerprint: review.fingerprint,
    redacted_request: review.redactedRequest,
    preview: review.preview === undefined ? null : JSON.stringify(review.preview),
    pin_resource_version: review.pin?.resourceVersion ?? null,
    pin_uid: review.pin?.uid ?? null,
    created_at: review.createdAt.getTime(),
    expires_at: review.expiresAt.getTime(),
    decided_at: null,
    executed_at: null,
    outcome_status: null,
    outcome_message: null,
    outcome_resource_version: null,
    notification_channel: null,
    notification_ts: null,
    lease_expires_at: null,
    outcome_unknown: false,
  };
}

function fromRow(row: ReviewRow, decisions: ReviewerDecision[]): Review {
  const pin = {
    ...(row.pin_resource_version !== null ? { resourceVersion: row.pin_resource_version } : {}),
    ...(row.pin_uid !== null ? { uid: row.pin_uid } : {}),
  };
  const notification = {
    ...(row.notification_channel !== null ? { channel: row.notification_channel } : {}),
    ...(row.notification_ts !== null ? { ts: row.notification_ts } : {}),
  };
  return {
    id: row.id,
    state: row.state,
    version: Number(row.version),
    agent: {
      name: row.agent_name,
      issuer: row.agent_issuer,
      subject: row.agent_subject,
      groups: JSON.parse(row.agent_groups) as string[],
    },
    owner: optional(row.owner),
    sessionId: optional(row.session_id),
    tokenId: optional(row.token_id),
    cluster: row.cluster,
    classification: {
      method: row.method,
      path: row.path,
      verb: row.verb,
      apiGroup: row.api_group,
      resource: row.resource,
      subresource: row.subresource,
      namespace: row.namespace,
      name: row.name,
      dryRun: Boolean(row.dry_run),
    },
    rule: row.rule,
    settings: JSON.parse(row.settings) as ReviewSettings,
    reason: optional(row.reason),
    fingerprint: row.fingerprint,
    redactedRequest: row.redacted_request,
    preview: row.preview === null ? undefined : (JSON.parse(row.preview) as unknown),
    pin: Object.keys(pin).length > 0 ? pin : undefined,
    decisions,
    createdAt: toDate(row.created_at),
    expiresAt: toDate(row.expires_at),
    decidedAt: optionalDate(row.decided_at),
    executedAt: optionalDate(row.executed_at),
    leaseExpiresAt: optionalDate(row.lease_expires_at),
    outcome:
      row.outcome_status === null
        ? undefined
        : {
            status: row.outcome_status,
            ...(row.outcome_unknown ? { unknown: true } : {}),
            message: optional(row.outcome_message),
            resourceVersion: optional(row.outcome_resource_version),
          },
    notification: Object.keys(notification).length > 0 ? notification : undefined,
  };
}

function fromDecisionRow(row: DecisionRow): ReviewerDecision {
  return {
    approver: {
      id: row.approver_id,
      name: row.approver_name,
      via: row.via,
      verified: Boolean(row.identity_verified),
      ...(row.approver_email !== null ? { email: row.approver_email } : {}),
    },
    decision: row.decision,
    reason: optional(row.reason),
    grantSeconds: optional(row.grant_seconds),
    ...(row.grant_seconds !== null
      ? { grantScope: row.grant_any_name ? ('any-name' as const) : ('name' as const) }
      : {}),
    breakGlass: Boolean(row.break_glass),
    at: toDate(row.decided_at),
  };
}

function fromGrantRow(row: GrantRow): Grant {
  return {
    id: row.id,
    reviewId: row.review_id,
    agent: { name: row.agent_name, issuer: row.agent_issuer, subject: row.agent_subject },
    cluster: row.cluster,
    // Grants from before rules were recorded match no lookup (rule NULL), so '' never shows a real rule.
    rule: row.rule ?? '',
    verb: row.verb,
    apiGroup: row.api_group,
    resource: row.resource,
    subresource: row.subresource,
    namespace: row.namespace,
    name: optional(row.name),
    grantedBy: JSON.parse(row.granted_by) as string[],
    approvals: Number(row.approvals),
    createdAt: toDate(row.created_at),
    expiresAt: toDate(row.expires_at),
    revokedAt: optionalDate(row.revoked_at),
    revokedBy: optional(row.revoked_by),
  };
}

function toEventRow(event: ReviewEvent): Omit<EventRow, 'seq'> {
  const { decision, grant } = event;
  const decisionJson: DecisionJson | undefined = decision && { ...decision, at: decision.at.getTime() };
  const grantJson: GrantJson | undefined = grant && {
    ...grant,
    createdAt: grant.createdAt.getTime(),
    expiresAt: grant.expiresAt.getTime(),
    revokedAt: grant.revokedAt?.getTime(),
  };
  return {
    review_id: event.review.id,
    type: event.type,
    actor: JSON.stringify(event.actor),
    decision: decisionJson ? JSON.stringify(decisionJson) : null,
    grant: grantJson ? JSON.stringify(grantJson) : null,
    at: event.at.getTime(),
  };
}

function fromEventRow(row: EventRow): StoredReviewEvent {
  const decision = row.decision === null ? undefined : (JSON.parse(row.decision) as DecisionJson);
  const grant = row.grant === null ? undefined : (JSON.parse(row.grant) as GrantJson);
  return {
    seq: Number(row.seq),
    reviewId: row.review_id,
    type: row.type,
    actor: JSON.parse(row.actor) as ReviewActor,
    ...(decision ? { decision: { ...decision, at: toDate(decision.at) } } : {}),
    ...(grant
      ? {
          grant: {
            ...grant,
            createdAt: toDate(grant.createdAt),
            expiresAt: toDate(grant.expiresAt),
            revokedAt: optionalDate(grant.revokedAt ?? null),
          },
        }
      : {}),
    at: toDate(row.at),
  };
}
