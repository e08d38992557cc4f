/** Text forms of a preview: a unified diff of YAML renderings, and the display cap on it. */
import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';

export interface DiffLimits {
  maxLines: number;
  maxBytes: number;
}

export const DEFAULT_DIFF_LIMITS: DiffLimits = { maxLines: 150, maxBytes: 16 * 1024 };

const toYaml = (value: unknown): string => (value === undefined ? '' : stringify(value, { lineWidth: 0 }));

/** A unified diff of the YAML of `before` → `after`, labelled `live/<label>` and `result/<label>`; '' when equal. */
export function unifiedYamlDiff(before: unknown, after: unknown, label: string): string {
  const from = toYaml(before);
  const to = toYaml(after);
  if (from === to) return '';
  const patch = createTwoFilesPatch(`live/${label}`, `result/${label}`, from, to, undefined, undefined, {
    context: 3,
  });
  // The first line is a `====` banner that `diff -u` does not print.
  return patch.replace(/^=+\n/, '');
}

export interface CappedText {
  /** What fits within the limits, in whole lines. */
  text: string;
  omittedLines: number;
  /** Everything, only when something was left out. */
  full?: string;
}

/** Keeps whole lines while both the line and the byte limit hold. */
export function capLines(text: string, limits: DiffLimits): CappedText {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let bytes = 0;
  let kept = 0;
  for (const line of lines) {
    const size = Buffer.byteLength(line, 'utf8') + 1;
    if (kept >= limits.maxLines || bytes + size > limits.maxBytes) break;
    bytes += size;
    kept++;
  }
  if (kept === lines.length) return { text, omittedLines: 0 };
  return { text: lines.slice(0, kept).join('\n'), omittedLines: lines.length - kept, full: text };
}
