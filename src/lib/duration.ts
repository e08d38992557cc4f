/** Human durations as people write them in policy and config files: `50s`, `30m`, `1h30m`, `1d`. */

const UNITS = [
  ['d', 86_400],
  ['h', 3_600],
  ['m', 60],
  ['s', 1],
] as const;

// Units must appear largest first and at most once, so `1h30m` parses but the ambiguous-looking `30m1h` does not.
const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Seconds in `text`. Throws a RangeError that quotes the input and shows the accepted form. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  const match = trimmed === '' ? null : DURATION.exec(trimmed);
  if (!match) {
    throw new RangeError(
      `"${text}" is not a duration: use a number with a unit (d, h, m, s), e.g. 50s, 30m, 1h30m`,
    );
  }
  const seconds = UNITS.reduce((total, [, perUnit], i) => total + Number(match[i + 1] ?? 0) * perUnit, 0);
  if (!Number.isSafeInteger(seconds)) throw new RangeError(`"${text}" is too long a duration`);
  return seconds;
}

/** The shortest text `parseDuration` reads back as `seconds` (rounded to whole seconds): 5400 → `1h30m`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(`cannot format ${seconds} as a duration: it must be a finite number of seconds ≥ 0`);
  }
  let rest = Math.round(seconds);
  let text = '';
  for (const [unit, perUnit] of UNITS) {
    const amount = Math.floor(rest / perUnit);
    rest -= amount * perUnit;
    if (amount > 0) text += `${amount}${unit}`;
  }
  return text || '0s';
}
