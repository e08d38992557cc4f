/**
 * Redaction of a live/result pair for display. Both sides go through the masker; a masked field is then compared by
 * the hash of its original values, so the preview can say that a secret changed without showing either value
 * (kubectl diff's `*** (before)` / `*** (after)`). A field masked on one side is masked on both.
 */
import { createHash } from 'node:crypto';
import { MASKED_BASE64, MASKED_TEXT, type Masker } from '../masking/index.js';
import { isRecord, valueAt } from './json.js';

type Path = (string | number)[];

export interface RedactedPair {
  before: unknown;
  after: unknown;
}

/** True when a displayed value stands for a masked one: its original must never be shown or described. */
export const isMaskedDisplay = (value: unknown): boolean =>
  typeof value === 'string' && value.includes(MASKED_TEXT);

/** Paths of leaves the masker replaced (its placeholders, detector hits and masked annotations). */
function maskedPaths(raw: unknown, masked: unknown, path: Path = [], found: Path[] = []): Path[] {
  if (Array.isArray(raw) && Array.isArray(masked)) {
    raw.forEach((item, i) => maskedPaths(item, masked[i], [...path, i], found));
  } else if (isRecord(raw) && isRecord(masked)) {
    for (const key of Object.keys(raw)) maskedPaths(raw[key], masked[key], [...path, key], found);
  } else if (typeof masked === 'string' && raw !== masked) {
    found.push(path);
  }
  return found;
}

const digest = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex');

/** Secret `data` placeholders are base64 so typed clients can decode them; a reviewer reads the text form. */
const readable = (masked: unknown): string =>
  typeof masked === 'string' && masked.includes(MASKED_TEXT)
    ? masked.split(MASKED_BASE64).join(MASKED_TEXT)
    : MASKED_TEXT;

function setAt(doc: unknown, path: Path, value: string): void {
  const parent = valueAt(doc, path.slice(0, -1));
  const key = path[path.length - 1];
  if (Array.isArray(parent) && typeof key === 'number') parent[key] = value;
  else if (isRecord(parent) && typeof key === 'string') parent[key] = value;
}

export function redactPair(live: unknown, result: unknown, masker: Masker): RedactedPair {
  const before = live === undefined ? undefined : masker.maskDocument(live);
  const after = result === undefined ? undefined : masker.maskDocument(result);
  const paths = new Map<string, Path>();
  for (const path of [...maskedPaths(live, before), ...maskedPaths(result, after)])
    paths.set(JSON.stringify(path), path);
  // The cluster may have put a masked value somewhere masking does not look (a JSON-patch copy into an annotation,
  // which admission refuses, or a mutating webhook): no original of a masked field may show anywhere.
  const originals = [...paths.values()].flatMap((path) => [valueAt(live, path), valueAt(result, path)]);
  const secrets = originals.filter(
    (value): value is string => typeof value === 'string' && value.length >= MIN_SCRUBBED_LENGTH,
  );
  scrubLeaves(before, secrets);
  scrubLeaves(after, secrets);

  for (const path of paths.values()) {
    const rawBefore = valueAt(live, path);
    const rawAfter = valueAt(result, path);
    const shownBefore = readable(valueAt(before, path));
    const shownAfter = readable(valueAt(after, path));
    if (rawBefore !== undefined && rawAfter !== undefined && digest(rawBefore) !== digest(rawAfter)) {
      setAt(before, path, `${shownBefore} (before)`);
      setAt(after, path, `${shownAfter} (after)`);
      continue;
    }
    // Unchanged (or present on one side only): one identical placeholder, so the diff shows no change.
    if (rawBefore !== undefined) setAt(before, path, shownBefore);
    if (rawAfter !== undefined) setAt(after, path, rawBefore !== undefined ? shownBefore : shownAfter);
  }
  return { before, after };
}

/** Shorter masked values ("true", "1") would blank out ordinary fields that happen to contain them. */
const MIN_SCRUBBED_LENGTH = 4;

/** Replaces, in place, every occurrence of `secrets` in the string leaves of a masked copy. */
function scrubLeaves(doc: unknown, secrets: readonly string[]): void {
  if (secrets.length === 0) return;
  if (!Array.isArray(doc) && !isRecord(doc)) return;
  for (const key of Object.keys(doc)) {
    const value: unknown = (doc as Record<string, unknown>)[key];
    if (typeof value === 'string' && secrets.some((secret) => value.includes(secret))) {
      // defineProperty: a `__proto__` key must stay an own property.
      Object.defineProperty(doc, key, {
        value: replaceSecrets(value, secrets),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      scrubLeaves(value, secrets);
    }
  }
}

/** The original strings masking hid in `doc` (`masked` is its masked copy): scrubbed from any text that echoes
 *  the request (errors). */
export function secretStrings(doc: unknown, masked: unknown): string[] {
  return maskedPaths(doc, masked)
    .map((path) => valueAt(doc, path))
    .filter((value): value is string => typeof value === 'string' && value !== '');
}

/** `text` with every one of `secrets` replaced by the masked placeholder. */
function replaceSecrets(text: string, secrets: readonly string[]): string {
  // Longest first, so a secret containing another is replaced whole.
  const ordered = [...secrets].sort((a, b) => b.length - a.length);
  return ordered.reduce((t, secret) => t.split(secret).join(MASKED_TEXT), text);
}

/** `text` with detector matches and every one of `secrets` replaced by the masked placeholder. */
export function scrubText(text: string, secrets: readonly string[], masker: Masker): string {
  return masker.maskText(replaceSecrets(text, secrets));
}
