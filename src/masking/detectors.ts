/**
 * Detectors find secrets inside free text: any JSON string value, pod logs, error messages. Each one is a
 * precise pattern plus literal hints; one combined hint scan decides whether a string needs any pattern at all,
 * so the common case (names, UIDs, image references) costs a single regex test.
 */
import { literalSource, type LiteralText } from './literal-scan.js';
import { PEM_BASE64_BLOCK, PEM_BASE64_HINTS, PEM_BLOCK, PEM_HINT } from './pem.js';
import { MASKED_TEXT } from './placeholder.js';

export const DETECTOR_NAMES = [
  'private-key',
  'gcp-key',
  'aws-access-key',
  'slack-token',
  'github-token',
  'jwt',
  'connection-string-password',
  'generic-bearer',
] as const;

export type DetectorName = (typeof DETECTOR_NAMES)[number];

interface Detector {
  /** Literal substrings (exact, or caseless) at least one of which every match contains. */
  hints: readonly LiteralText[];
  /** Global pattern; `replacement` may keep context around the secret through `$1`/`$2`. */
  pattern: RegExp;
  replacement: string;
}

const WHOLE_MATCH = MASKED_TEXT;
const KEEP_PREFIX = `$1${MASKED_TEXT}`;
const KEEP_AROUND = `$1${MASKED_TEXT}$2`;

// Quantifiers are bounded wherever a pattern could otherwise rescan a long run of characters from every start.
const DETECTORS: Record<DetectorName, Detector> = {
  // PEM text, or the whole PEM base64-encoded (kubeconfig `client-key-data`).
  'private-key': {
    hints: [PEM_HINT, ...PEM_BASE64_HINTS],
    pattern: new RegExp(`${PEM_BLOCK.source}|${PEM_BASE64_BLOCK.source}`, 'g'),
    replacement: WHOLE_MATCH,
  },
  // Service-account key files are JSON (often embedded, escaped, in another JSON string): mask the values only.
  'gcp-key': {
    hints: ['"private_key'],
    pattern: /("private_key(?:_id)?\\?"\s{0,8}:\s{0,8}\\?")[^"]*?(\\?")/g,
    replacement: KEEP_AROUND,
  },
  'aws-access-key': {
    hints: ['AKIA', 'ASIA'],
    pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g,
    replacement: WHOLE_MATCH,
  },
  'slack-token': {
    hints: ['xox'],
    pattern: /(?<![\w-])xox[abposr]-[A-Za-z0-9-]{10,}/g,
    replacement: WHOLE_MATCH,
  },
  // No boundary before the prefix (a token glued to a word is still a token). After a classic token's 36 characters
  // the match runs on over word characters, so a second token written right after the first goes with it.
  'github-token': {
    hints: [{ oneOf: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'] }, 'github_pat_'],
    pattern: /gh[pousr]_[A-Za-z0-9]{36}\w*|github_pat_\w{22,}/g,
    replacement: WHOLE_MATCH,
  },
  // Header and payload are base64url JSON objects (`{"` encodes to `eyJ`); an unsigned token has no signature.
  jwt: {
    hints: ['eyJ'],
    pattern: /(?<![\w-])eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*/g,
    replacement: WHOLE_MATCH,
  },
  // scheme://user:PASSWORD@host: only the password goes. The password may contain `@` (up to the last one
  // before the host) but not `/`, so `http://host:8080/path@x` is not a credential.
  'connection-string-password': {
    hints: ['://'],
    pattern:
      /((?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/[^\s:/?#@"'<>]{0,256}:)[^\s/"'<>]{1,256}(@)/g,
    replacement: KEEP_AROUND,
  },
  // HTTP reads the scheme in any case, and so does the pattern: `BeArEr <token>` is a bearer token too.
  'generic-bearer': {
    hints: [{ caseless: 'bearer' }],
    pattern: /(\bbearer\s{1,8})[A-Za-z0-9._~+/-]{16,}=*/gi,
    replacement: KEEP_PREFIX,
  },
};

const activeDetectors = (names: readonly DetectorName[]) =>
  DETECTOR_NAMES.filter((name) => names.includes(name)).map((name) => DETECTORS[name]);

/** The literal hints of the chosen detectors: text containing none of them needs no detector. */
export function detectorHints(names: readonly DetectorName[]): LiteralText[] {
  return activeDetectors(names).flatMap((d) => d.hints);
}

const hintPattern = (hints: readonly LiteralText[]) => new RegExp(hints.map(literalSource).join('|'));

/** Builds the text masker for the chosen detectors; compile once, call per string. */
export function createTextMasker(names: readonly DetectorName[]): (text: string) => string {
  const active = activeDetectors(names).map((d) => ({ ...d, hint: hintPattern(d.hints) }));
  if (active.length === 0) return (text) => text;
  const anyHint = hintPattern(detectorHints(names));

  return (text) => {
    if (!anyHint.test(text)) return text;
    let masked = text;
    for (const detector of active) {
      if (detector.hint.test(masked)) masked = masked.replace(detector.pattern, detector.replacement);
    }
    return masked;
  };
}
