import { StatusError } from '../kube/status.js';
import type { Admission } from './admission.js';

/** What the pipeline remembers about a reviewed request, for recording. */
export interface GateTrace {
  reviewId?: string;
  grantId?: string;
}

/** A request the gate lets through: forward exactly `body`; report the upstream outcome back when done. */
export interface GatePass {
  body: Buffer;
  /** Query to send instead of the agent's (e.g. pinned); defaults to the classified query. */
  complete?(outcome: { status: number; responseBody?: unknown }): Promise<void>;
}

/**
 * Where `review` decisions go: the gate parks the request until humans decide, then either lets exactly the reviewed
 * request through or throws the StatusError the agent should see. It fills `trace` as it learns ids.
 */
export interface ReviewGate {
  hold(a: Admission, trace: GateTrace, signal: AbortSignal): Promise<GatePass>;
}

/** Used when no review engine is wired in: a review answers like a deny that says approval is required. */
export const approvalUnavailableGate: ReviewGate = {
  async hold(a) {
    throw new StatusError(
      'Forbidden',
      `${a.request.info.resource || a.request.path} "${a.request.info.name}" needs human approval under Airlock policy ` +
        `rule "${a.decision.rule}", and no review engine is running on this gateway`,
    );
  },
};
