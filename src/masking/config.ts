import { DETECTOR_NAMES, type DetectorName } from './detectors.js';

/** Masks chosen fields of chosen objects, e.g. `{ kinds: ['ConfigMap'], namespaces: ['prod-*'], paths: ['data.password'] }`. */
export interface FieldRule {
  kinds: string[];
  /** Namespace globs (`*` matches any run of characters); omitted means every namespace and cluster scope. */
  namespaces?: string[];
  /** Labels the object must all carry. */
  labels?: Record<string, string>;
  /** Dot-separated paths from the object root; `*` matches every key or index, a segment with `*` inside is a glob
   *  over keys in any case (`data.*PASSWORD*`); `\.` is a literal dot in a key. */
  paths: string[];
}

export interface MaskingConfig {
  fieldRules: FieldRule[];
  /** Regex source (matched case-insensitively) for container env names whose `value` is masked. */
  credentialEnvNames: string;
  detectors: DetectorName[];
}

export const DEFAULT_CREDENTIAL_ENV_NAMES =
  '(pass(word)?|secret|token|api[_-]?key|private[_-]?key|credential)';

export function defaultMaskingConfig(): MaskingConfig {
  return { fieldRules: [], credentialEnvNames: DEFAULT_CREDENTIAL_ENV_NAMES, detectors: [...DETECTOR_NAMES] };
}
