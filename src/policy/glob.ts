/**
 * Policy globs: `*` matches any run of characters (including none, and including `/`, as in RBAC's `*` and
 * `/openapi/*`); every other character matches itself. Matching backtracks only to the last star (at worst pattern × value steps),
 * so a hand-written pattern can never make evaluation slow the way a regular expression could.
 */
export function globMatches(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let lastStar = -1; // position of the most recent `*` in pattern
  let resumeAt = 0; // where in value that star's match would extend to on backtrack
  while (v < value.length) {
    if (p < pattern.length && pattern[p] === '*') {
      lastStar = p++;
      resumeAt = v;
    } else if (p < pattern.length && pattern[p] === value[v]) {
      p++;
      v++;
    } else if (lastStar >= 0) {
      p = lastStar + 1;
      v = ++resumeAt;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** A rule's list for one field: `undefined` (the field was omitted) matches anything. */
export type GlobList = readonly string[] | undefined;

export const anyGlobMatches = (patterns: GlobList, value: string): boolean =>
  patterns === undefined || patterns.some((pattern) => globMatches(pattern, value));
