import type { CancelSignal } from '../lib/cancellation.js';
import type { ReviewVerdict } from '../reviews/model.js';
import type { Admission } from './admission.js';

/** What the pipeline remembers about a reviewed request, for recording. */
export interface GateTrace {
  reviewId?: string;
  grantId?: string;
  /** What the review said when the request left the gate; recorded with the step, so history shows what was true then. */
  verdict?: ReviewVerdict;
}

/** A request the gate lets through: forward exactly `body`; report the upstream outcome back when done. */
export interface GatePass {
  body: Buffer;
  /** Set when the gate rewrote the body into another media type (a pinned DELETE gains a JSON body). */
  contentType?: string;
  complete?(outcome: { status: number; responseBody?: unknown }): Promise<void>;
  /** Replaces the cluster's JSON answer before the agent sees it (a pinned execution's 409 becomes the review's story). */
  explain?(status: number, document: unknown): unknown;
}

/**
 * Where `review` decisions go: the gate parks the request until humans decide, then either lets exactly the reviewed
 * request through or throws the StatusError the agent should see. It fills `trace` as it learns ids.
 */
export interface ReviewGate {
  hold(a: Admission, trace: GateTrace, signal: CancelSignal): Promise<GatePass>;
}
