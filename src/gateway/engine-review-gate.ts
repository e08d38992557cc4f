import { pinRequest } from '../kube/pin.js';
import { sessionIdFor } from '../recording/draft.js';
import { StatusError } from '../kube/status.js';
import type { Masker } from '../masking/index.js';
import { reviewedObjectName } from '../preview/model.js';
import { countApprovals } from '../reviews/decision-rules.js';
import type { ReviewEngine } from '../reviews/engine.js';
import type { Review, ReviewVerdict } from '../reviews/model.js';
import type { Admission } from './admission.js';
import { type ExecutionLeaseOptions, holdExecution } from './execution-lease.js';
import type { ReviewGate } from './review-gate.js';

function target(review: Review): string {
  const c = review.classification;
  const kind = `${c.resource}${c.apiGroup ? `.${c.apiGroup}` : ''}`;
  // A create names its object in the body, which the preview read.
  const name = reviewedObjectName(review);
  return `${kind}${name ? ` "${name}"` : ''}${c.namespace ? ` in namespace "${c.namespace}"` : ''}`;
}

/** Ends `text` with one full stop: a reason that already ends a sentence gets none added. */
function sentence(text: string): string {
  return /[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}

function where(review: Review): string {
  return review.notification?.channel ? ` (posted to Slack channel ${review.notification.channel})` : '';
}

function denial(review: Review): StatusError {
  const deny = review.decisions.find((d) => d.decision === 'deny');
  const who = deny
    ? `${deny.approver.name}${deny.approver.via === 'terminal' ? ' (terminal)' : ''}`
    : 'a reviewer';
  return new StatusError(
    'Forbidden',
    `${target(review)} is forbidden: review ${review.id} was denied by ${who}: ${sentence(deny?.reason ?? 'no reason given')} ` +
      'Do not retry the same request; change the approach or ask the reviewer.',
    {
      name: review.classification.name,
      group: review.classification.apiGroup,
      kind: review.classification.resource,
    },
  );
}

function stillPending(review: Review): StatusError {
  if (review.state === 'executing') {
    return new StatusError(
      'Timeout',
      `review ${review.id} for ${review.classification.verb} ${target(review)} was approved and is running now (an identical request of yours is executing it). ` +
        'Run the same command again to learn how it ended; it will not run twice.',
    );
  }
  const { approvals } = review.settings;
  const have = countApprovals(review.decisions);
  return new StatusError(
    'Timeout',
    `${review.classification.verb} ${target(review)} is waiting for human approval: review ${review.id}${where(review)}, ` +
      `${have}/${approvals} approval(s), open until ${review.expiresAt.toISOString()}. ` +
      'Run the same command again to keep waiting; it re-attaches to this review and runs once approved.',
  );
}

function closed(review: Review): StatusError {
  const explanation: Partial<Record<Review['state'], string>> = {
    expired: 'expired before a decision was taken; run the command again to request a new review',
    cancelled: 'was cancelled; run the command again to request a new review',
    conflicted:
      'could not run because the object changed after it was reviewed; run the command again for a new review',
    executed: 'has already run; running the command again requests a new review',
    failed: review.outcome?.unknown
      ? `was sent, but its outcome is unknown (${review.outcome.message ?? 'the answer was lost'}); check the object before running the command again, which requests a new review`
      : 'ran and failed; see the review for the cluster’s answer',
  };
  return new StatusError(
    review.state === 'conflicted' ? 'Conflict' : 'Gone',
    `review ${review.id} for ${review.classification.verb} ${target(review)} ${explanation[review.state] ?? `is ${review.state}`}`,
  );
}

/**
 * The agent's view of an approved execution the cluster refused with 409: the pin caught drift (or a create found
 * the object already there), so what was reviewed no longer applies and a re-run must be reviewed afresh.
 */
function conflicted(review: Review, clusterAnswer: unknown): StatusError {
  const said = (clusterAnswer as { message?: unknown } | undefined)?.message;
  return new StatusError(
    'Conflict',
    `${closed({ ...review, state: 'conflicted' }).message}${typeof said === 'string' ? ` (the cluster said: ${said})` : ''}`,
    {
      name: review.classification.name,
      group: review.classification.apiGroup,
      kind: review.classification.resource,
    },
  );
}

function resourceVersionOf(body: unknown): string | undefined {
  const rv = (body as { metadata?: { resourceVersion?: unknown } } | undefined)?.metadata?.resourceVersion;
  return typeof rv === 'string' ? rv : undefined;
}

/**
 * A reviewed request whose query names a parameter twice is refused: kube-apiserver reads the first value for
 * most options while other readers take the last, so what a reviewer reads and what would run could differ.
 */
function refuseAmbiguousQuery(query: URLSearchParams): void {
  const seen = new Set<string>();
  for (const name of query.keys()) {
    if (seen.has(name) && !REPEATABLE_QUERY.has(name)) {
      throw new StatusError(
        'BadRequest',
        `query parameter ${JSON.stringify(name)} is given more than once; a request that needs review must be unambiguous, so send it once`,
      );
    }
    seen.add(name);
  }
}

/** Parameters kube-apiserver reads as lists, where repeating is how several values are sent. */
const REPEATABLE_QUERY: ReadonlySet<string> = new Set(['dryRun', 'command', 'ports']);

/**
 * Statuses the pipeline reports, with no answer body, when Airlock has no answer from the cluster for a request it
 * sent: the agent left first (499), the connection failed or Airlock stopped (503), the deadline passed (504), or
 * Airlock itself failed (500, 502). The cluster may have applied the request.
 */
const NO_CLUSTER_ANSWER: ReadonlySet<number> = new Set([499, 500, 502, 503, 504]);

function verdictOf(kind: 'denied' | 'pending' | 'closed' | 'execute', review: Review): ReviewVerdict {
  const deny = review.decisions.find((d) => d.decision === 'deny');
  switch (kind) {
    case 'denied':
      return {
        state: 'denied',
        by: deny?.approver.name ?? 'a reviewer',
        ...(deny?.reason ? { reason: deny.reason } : {}),
      };
    case 'pending':
      return { state: 'waiting' };
    case 'closed':
      return { state: 'closed', as: review.state };
    case 'execute':
      return {
        state: 'approved',
        by: [
          ...new Set(review.decisions.filter((d) => d.decision === 'approve').map((d) => d.approver.name)),
        ],
      };
  }
}

/** Connects the pipeline's `review` decisions to the review engine: grants first, then parking. */
export function createReviewGate(
  engine: ReviewEngine,
  masker: Masker,
  lease: ExecutionLeaseOptions,
): ReviewGate {
  return {
    async hold(a: Admission, trace, signal) {
      const { info } = a.request;
      const settings = a.decision.review!;
      refuseAmbiguousQuery(a.request.query);
      const grant = await engine.findGrant({
        agent: a.agent,
        cluster: a.cluster.name,
        rule: a.decision.rule,
        settings,
        verb: info.verb,
        apiGroup: info.apiGroup,
        resource: info.resource,
        subresource: info.subresource,
        namespace: info.namespace,
        name: info.name,
      });
      if (grant) {
        trace.grantId = grant.id;
        return { body: a.body };
      }
      const { contentType } = a;
      const redactedBody =
        a.parsedBody.kind === 'document'
          ? JSON.stringify(masker.maskRequestBody(a.parsedBody.value, a.request.info), null, 2)
          : undefined;
      const result = await engine.park(
        {
          agent: a.agent,
          cluster: a.cluster.name,
          // The recorded session's id, so `/agent-sessions pending` finds sessions with open reviews.
          sessionId: sessionIdFor({ agent: a.agent, cluster: a.cluster.name, sessionHint: a.sessionHint }),
          request: a.request,
          contentType,
          body: a.body,
          ...(redactedBody ? { redactedBody } : {}),
          redacted: masker.maskRequest(a.request),
          rule: a.decision.rule,
          settings,
          ...(a.reason ? { reason: a.reason } : {}),
        },
        signal,
      );
      trace.reviewId = result.review.id;
      trace.verdict = verdictOf(result.kind, result.review);
      switch (result.kind) {
        case 'denied':
          throw denial(result.review);
        case 'pending':
          throw stillPending(result.review);
        case 'closed':
          throw closed(result.review);
        case 'execute': {
          let pinned;
          try {
            pinned = pinRequest(
              a.request,
              result.request.body,
              result.request.contentType,
              result.review.pin,
            );
          } catch (err) {
            // The execution claim is held: close the review as conflicted rather than leave it executing.
            const message = (err as Error).message;
            await engine.completeExecution(result.review.id, { status: 409, conflict: true, message });
            throw err;
          }
          const execution = holdExecution(engine, result.review.id, signal, lease);
          return {
            body: pinned.body,
            contentType: pinned.contentType,
            explain: (status, document) =>
              status === 409 ? conflicted(result.review, document).toStatus() : document,
            async complete(outcome) {
              // A cluster's own 5xx comes with its answer; these come without one.
              if (NO_CLUSTER_ANSWER.has(outcome.status) && outcome.responseBody === undefined) {
                return execution.complete({
                  status: outcome.status,
                  unknown: true,
                  message:
                    outcome.status === 499
                      ? 'the agent disconnected before the cluster’s answer arrived'
                      : `no answer from the cluster arrived (Airlock answered the agent with HTTP ${outcome.status})`,
                });
              }
              const resourceVersion = resourceVersionOf(outcome.responseBody);
              await execution.complete({
                status: outcome.status,
                conflict: outcome.status === 409,
                ...(resourceVersion ? { resourceVersion } : {}),
              });
            },
          };
        }
      }
    },
  };
}
