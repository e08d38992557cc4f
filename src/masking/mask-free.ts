/**
 * The fast path: decides from a JSON answer's text, without decoding it, that structured masking could not change
 * it, so the bytes can be relayed as they are (no parse, no re-encode). One regex pass looks for everything the
 * document masker acts on (document.ts):
 * - an object of a kind with field rules (Secret, TokenRequest, TokenReview, configured kinds), also as a list kind
 *   or inside the last-applied annotation (escaped quotes);
 * - a kind-less `object` field, which the masker would treat as a Secret if it looked like one;
 * - a container env entry whose name looks like a credential (its `value` is masked);
 * - any detector hint (PEM headers, token prefixes, `://`, "bearer", …) in any string.
 * The top-level `kind` must be among the first fields (first, as kube-apiserver writes it, or after `apiVersion`);
 * anything else takes the structured path. The one
 * change the masker makes that is not about secrets — re-serialising a valid last-applied annotation compactly — is
 * not worth decoding for.
 */
import { escapeRegExp } from './helpers.js';

export interface MaskFreeOptions {
  /** Kinds some field rule applies to. */
  ruleKinds: readonly string[];
  /** Regex source of credential env names (matched case-insensitively). */
  credentialEnvNames: string;
  /** Literal hints of the active detectors: text without any needs no detector. */
  detectorHints: readonly string[];
}

/** `kind` is the document's kind, or undefined to read it from the text's first field. */
export type MaskFreeCheck = (json: string, kind?: string) => boolean;

/** The top-level kind among the first fields (kube-apiserver writes kind first; others write apiVersion first). */
const LEADING_KIND = /^\s*\{\s*(?:"apiVersion"\s*:\s*"[^"\\]*"\s*,\s*)?"kind"\s*:\s*"([^"\\]*)"/;

export function createMaskFreeCheck(opts: MaskFreeOptions): MaskFreeCheck {
  const q = '\\\\?"'; // a quote, possibly escaped (inside the last-applied annotation)
  const kinds = opts.ruleKinds.map(escapeRegExp).join('|');
  // The precise triggers start with a quote, the commonest byte in JSON, so the regex engine would try them at every
  // quote (measured: a quarter of a 500-item list's cost). A first pass looks for the literals they all contain, which
  // JSON without secrets almost never does; only then do the precise patterns run.
  const literals = new RegExp(
    [...opts.ruleKinds, 'object', ...opts.detectorHints.map((h) => h.replace(/^"/, ''))]
      .map(escapeRegExp)
      .join('|'),
  );
  const triggers = new RegExp(
    [
      ...(kinds ? [`${q}(?:${kinds})(?:List)?${q}`] : []),
      `${q}object${q}\\s*:\\s*\\{(?!\\s*${q}kind${q})`,
      ...opts.detectorHints.map(escapeRegExp),
    ].join('|'),
  );
  const credentialEnv = new RegExp(
    `${q}name${q}\\s*:\\s*${q}[^"\\\\]*(?:${opts.credentialEnvNames})[^"\\\\]*${q}\\s*,\\s*${q}value${q}`,
    'i',
  );
  const ruleKind = new Set(opts.ruleKinds.flatMap((k) => [k, `${k}List`]));
  return (json, kind) => {
    const topKind = kind ?? LEADING_KIND.exec(json)?.[1];
    // No kind (or the generic List, whose items may carry any kind): let the structured masker decide.
    if (topKind === undefined || topKind === 'List' || ruleKind.has(topKind)) return false;
    if (literals.test(json) && triggers.test(json)) return false;
    return !credentialEnv.test(json);
  };
}
