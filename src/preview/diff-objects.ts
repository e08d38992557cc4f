/** Live object → resulting object, as a reviewer reads it: noise stripped, secrets redacted, then diffed. */
import type { Masker } from '../masking/index.js';
import { unifiedYamlDiff } from './diff-text.js';
import { fieldChanges } from './field-changes.js';
import type { FieldChange } from './model.js';
import { withoutNoise } from './noise.js';
import { redactPair, type RedactedPair } from './redact.js';

export interface DiffObjectsOptions {
  masker: Masker;
  /** The request writes `/status`: status is the change, not noise. */
  keepStatus: boolean;
  /** Names the object in the diff header, e.g. `deployments.apps/web`. */
  label: string;
}

export interface ObjectDiff {
  /** Unified YAML diff; '' when nothing a reviewer would see changes. */
  unifiedDiff: string;
  changes: FieldChange[];
  /** The redacted, noise-free objects the diff was computed from (safe to inspect for risk facts). */
  shown: RedactedPair;
}

/** `undefined` stands for "no object" (before a create, after a delete). */
export function diffObjects(live: unknown, result: unknown, opts: DiffObjectsOptions): ObjectDiff {
  const noise = { keepStatus: opts.keepStatus };
  const shown = redactPair(withoutNoise(live, noise), withoutNoise(result, noise), opts.masker);
  return {
    unifiedDiff: unifiedYamlDiff(shown.before, shown.after, opts.label),
    changes: fieldChanges(shown.before, shown.after),
    shown,
  };
}
