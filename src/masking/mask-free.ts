/**
 * The fast path: decides from a JSON answer's bytes, without decoding them, that structured masking could not change
 * it, so the bytes can be relayed as they are (no parse, no re-encode). A literal scan of the bytes (literal-scan.ts),
 * then precise patterns where it found something, look for everything the document masker acts on (document.ts):
 * - an object of a kind with field rules (Secret, TokenRequest, TokenReview, configured kinds), also as a list kind
 *   or inside the last-applied annotation (escaped quotes);
 * - a kind-less `object` field, which the masker would treat as a Secret if it looked like one;
 * - a credential-like `name` in text with an `env` key (the masker masks such an env entry's `value`);
 * - any detector hint (PEM headers, token prefixes, `://`, "bearer", …) in any string;
 * - a `\uXXXX` escape, which could spell any of the above.
 * The top-level `kind` must be among the first fields (first, as kube-apiserver writes it, or after `apiVersion`);
 * anything else takes the structured path. The one
 * change the masker makes that is not about secrets — re-serialising a valid last-applied annotation compactly — is
 * not worth decoding for.
 */
import { escapeRegExp } from './helpers.js';
import {
  createLiteralScan,
  LiteralSearch,
  literalSource,
  NeedlePlans,
  prepareLiteral,
  type LiteralText,
} from './literal-scan.js';

export interface MaskFreeOptions {
  /** Kinds some field rule applies to. */
  ruleKinds: readonly string[];
  /** Regex source of credential env names (matched case-insensitively). */
  credentialEnvNames: string;
  /** Literal hints of the active detectors: text without any needs no detector. */
  detectorHints: readonly LiteralText[];
}

/**
 * `json` is the answer's bytes, read as Latin-1: the patterns are ASCII, and other bytes only ever fall inside strings.
 * `kind` is the document's kind, or undefined to read it from the text's first field. `plans` may be shared by the
 * checks of one streamed list's batches (literal-scan.ts).
 */
export type MaskFreeCheck = (json: Buffer, kind?: string, plans?: NeedlePlans) => boolean;

/** The top-level kind among the first fields (kube-apiserver writes kind first; others write apiVersion first). */
const LEADING_KIND = /^\s*\{\s*(?:"apiVersion"\s*:\s*"[^"\\]*"\s*,\s*)?"kind"\s*:\s*"([^"\\]*)"/;
/** Where that kind must be found: kube-apiserver writes it within the first few dozen bytes. */
const KIND_WITHIN = 1024;
/**
 * A `\uXXXX` escape can spell any trigger (`"\u0065nv"` is `env` once decoded, as the masker sees it), so text with
 * one takes the structured path. Go's JSON writes them only for `<`, `>`, `&` and control characters.
 */
const UNICODE_ESCAPE = '\\u';

export function createMaskFreeCheck(opts: MaskFreeOptions): MaskFreeCheck {
  const q = '\\\\?"'; // a quote, possibly escaped (inside the last-applied annotation)
  const kinds = opts.ruleKinds.map(escapeRegExp).join('|');
  // The precise triggers start with a quote, the commonest byte in JSON, so the regex engine would try them at every
  // quote. A first pass looks for the literals they all contain, which JSON without secrets almost never does; only
  // then do the precise patterns run, on the text.
  const hints = createLiteralScan([
    ...opts.ruleKinds,
    'object',
    UNICODE_ESCAPE,
    ...opts.detectorHints.map((h) => (typeof h === 'string' ? h.replace(/^"/, '') : h)),
  ]);
  const triggers = new RegExp(
    [
      ...(kinds ? [`${q}(?:${kinds})(?:List)?${q}`] : []),
      `${q}object${q}\\s*:\\s*\\{(?!\\s*${q}kind${q})`,
      escapeRegExp(UNICODE_ESCAPE),
      ...opts.detectorHints.map(literalSource),
    ].join('|'),
  );
  // Credential env values are masked only in `env` lists: a credential-like `name` in one (wherever its `value` is,
  // whatever escapes it holds) sends the text to the masker. Only the lists are decoded to text, not the whole answer:
  // a 1 MB string per answer made V8 collect its old generation over and over (measured: half a Pod list's CPU).
  // Lists inside the last-applied annotation (`env\"`) are not delimited by raw brackets: that text is read whole.
  const escapedEnvKey = createLiteralScan(['env\\"']);
  const credentialEnv = new RegExp(
    `${q}name${q}\\s*:\\s*${q}(?:[^"\\\\]|\\\\.)*?(?:${opts.credentialEnvNames})`,
    'i',
  );
  const ruleKind = new Set(opts.ruleKinds.flatMap((k) => [k, `${k}List`]));
  return (json, kind, plans) => {
    const search = new LiteralSearch(json, plans);
    const topKind = kind ?? LEADING_KIND.exec(textOf(json, 0, KIND_WITHIN))?.[1];
    // No kind (or the generic List, whose items may carry any kind): let the structured masker decide.
    if (topKind === undefined || topKind === 'List' || ruleKind.has(topKind)) return false;
    if (hints(search) && triggers.test(search.asText())) return false;
    if (escapedEnvKey(search)) return !credentialEnv.test(search.asText());
    for (const [start, end] of envLists(search))
      if (credentialEnv.test(textOf(json, start, end))) return false;
    return true;
  };
}

/** Part of the bytes, read as Latin-1. */
function textOf(json: Buffer, start: number, end: number): string {
  return json.toString('latin1', start, end);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_LIST = 0x5b;
const CLOSE_LIST = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

const ENV_KEY = prepareLiteral('"env"');

/** Where each `"env": [ … ]` array is in the bytes: from its `[` to just past the matching `]` (or the end). */
function* envLists(search: LiteralSearch): Generator<[number, number]> {
  const json = search.text;
  for (let from = 0; ;) {
    const key = search.indexOf(ENV_KEY, from);
    if (key < 0) return;
    from = key + 5;
    let i = skipSpace(json, from);
    if (json[i] !== COLON) continue;
    i = skipSpace(json, i + 1);
    if (json[i] !== OPEN_LIST) continue; // anything else is not a list, which the masker leaves alone
    from = closingBracket(json, i);
    yield [i, from];
  }
}

function skipSpace(json: Buffer, i: number): number {
  // JSON whitespace: space, tab, newline, carriage return.
  for (let c = json[i]; c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d; c = json[++i]);
  return i;
}

/** Just past the bracket that closes the one at `open`, skipping strings and their escapes. */
function closingBracket(json: Buffer, open: number): number {
  const length = json.length;
  let depth = 0;
  let inString = false;
  for (let i = open; i < length; i++) {
    const c = json[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_LIST || c === OPEN_OBJECT) depth++;
    else if ((c === CLOSE_LIST || c === CLOSE_OBJECT) && --depth === 0) return i + 1;
  }
  return length;
}
