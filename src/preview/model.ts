import { isRecord } from './json.js';

/**
 * What a reviewer sees about a mutation before deciding: computed by the preview module, stored with the review,
 * rendered by the Slack card and the terminal. Every value in it is already redacted.
 */

export interface FieldChange {
  /** Readable path, e.g. `spec.replicas`, `spec.template.spec.containers[web].image`, `data.password`. */
  path: string;
  kind: 'added' | 'removed' | 'changed';
  /** Rendered short values; absent for secret/masked fields (compared by hash, never shown). */
  before?: string;
  after?: string;
}

export interface RiskFact {
  id: string; // stable, e.g. 'scale-to-zero', 'rbac-wildcard', 'image-change'
  severity: 'high' | 'medium' | 'info';
  text: string; // one short sentence a reviewer reads at a glance
}

export interface MutationPreview {
  /** How it was computed: the cluster's own dry run, an exact client-side computation, a delete's blast radius,
   * or not at all (then `unavailableReason` says why and `diff` shows the redacted request body). */
  source: 'dry-run' | 'client' | 'delete' | 'unavailable';
  unavailableReason?: string;
  /** One line, e.g. `patch deployments.apps "web" in prod: spec.replicas 3 → 0`. */
  summary: string;
  /** Unified YAML diff live → result (or the labelled request body), capped for display. */
  diff: string;
  /** Lines left out of `diff`; `fullDiff` then holds everything (for the Slack file upload). */
  omittedLines: number;
  fullDiff?: string;
  changes: FieldChange[];
  risks: RiskFact[];
  /** For deletes: what would go with the object. */
  dependents?: { total: number; sample: string[] };
  /** For a delete of one object: what it is, in the few facts a reviewer decides on (the diff has the rest). */
  deleted?: DeletedObject;
  /** The object's name when the URL has none (a create names it in the body). */
  objectName?: string;
  /** The live object version the preview saw; execution is pinned to it. */
  pin?: { resourceVersion?: string; uid?: string };
}

export interface DeletedObject {
  kind: string;
  name: string;
  /** Pods it asks for (`spec.replicas`) and, when its status says, how many are ready. */
  replicas?: { desired: number; ready?: number };
  /** Container images of its pod template (or of the pod itself). */
  images: string[];
}

/** The stored preview when it has the shape the preview module writes; `Review.preview` is `unknown` to the engine. */
export function asMutationPreview(value: unknown): MutationPreview | undefined {
  if (!isRecord(value)) return undefined;
  const p = value as unknown as Partial<MutationPreview>;
  const valid =
    typeof p.summary === 'string' &&
    typeof p.diff === 'string' &&
    typeof p.omittedLines === 'number' &&
    Array.isArray(p.changes) &&
    Array.isArray(p.risks);
  return valid ? (p as MutationPreview) : undefined;
}

/**
 * The name of the object a reviewed request acts on: the URL's, or for a create the one its body gives (which the
 * preview read). Empty when neither says.
 */
export function reviewedObjectName(review: { classification: { name: string }; preview?: unknown }): string {
  return review.classification.name || (asMutationPreview(review.preview)?.objectName ?? '');
}
