/**
 * Field rules say which fields of which objects are masked. Built-in rules (Secret data, tokens) and configured
 * ones share this one mechanism. Each rule's paths form a trie that the document walk descends key by key, so
 * applying rules costs nothing beyond the walk itself.
 */
import type { FieldRule } from './config.js';
import { isRecord } from './helpers.js';

const ANY_KEY = '*';

/** Paths to mask below one node: a trie. A node with a placeholder replaces the value found there. */
export interface MaskPlan {
  placeholder?: string;
  children: Map<string, MaskPlan>;
  /** Children under glob segments (`*PASSWORD*`), keyed by the segment: keys they match, in any case. */
  globs?: Map<string, { matches: (key: string) => boolean; plan: MaskPlan }>;
}

export interface MaskRule extends FieldRule {
  placeholder: string;
}

/** Finds the plans that apply to an object of `kind` with the given `metadata`. */
export type RuleLookup = (kind: string, metadata: unknown) => readonly MaskPlan[];

interface CompiledRule {
  namespaces: ((namespace: string) => boolean)[] | undefined;
  labels: [string, string][];
  plan: MaskPlan;
}

export function compileRules(rules: readonly MaskRule[]): RuleLookup {
  const byKind = new Map<string, CompiledRule[]>();
  for (const rule of rules) {
    const compiled: CompiledRule = {
      namespaces: rule.namespaces?.map((glob) => globMatcher(glob, false)),
      labels: Object.entries(rule.labels ?? {}),
      plan: planOf(rule.paths, rule.placeholder),
    };
    for (const kind of rule.kinds) byKind.set(kind, [...(byKind.get(kind) ?? []), compiled]);
  }
  return (kind, metadata) => {
    const candidates = byKind.get(kind);
    if (!candidates) return [];
    const meta = isRecord(metadata) ? metadata : {};
    return candidates.filter((rule) => selects(rule, meta)).map((rule) => rule.plan);
  };
}

/** The plans that apply one level down, under `key`. */
export function descend(plans: readonly MaskPlan[], key: string): readonly MaskPlan[] {
  if (plans.length === 0) return plans;
  const next: MaskPlan[] = [];
  for (const plan of plans) {
    const exact = plan.children.get(key);
    const any = plan.children.get(ANY_KEY);
    if (exact) next.push(exact);
    if (any) next.push(any);
    if (plan.globs) for (const glob of plan.globs.values()) if (glob.matches(key)) next.push(glob.plan);
  }
  return next;
}

/** The placeholder to put in place of the value these plans reach, if any of them ends here. */
export function placeholderOf(plans: readonly MaskPlan[]): string | undefined {
  for (const plan of plans) if (plan.placeholder !== undefined) return plan.placeholder;
  return undefined;
}

/** Whether a field at or below where these plans stand is masked. */
export function masksWithin(plans: readonly MaskPlan[]): boolean {
  return plans.some(
    (plan) =>
      plan.placeholder !== undefined ||
      masksWithin([...plan.children.values(), ...[...(plan.globs?.values() ?? [])].map((glob) => glob.plan)]),
  );
}

export function planOf(paths: readonly string[], placeholder: string): MaskPlan {
  const root: MaskPlan = { children: new Map() };
  for (const path of paths) {
    let node = root;
    for (const segment of splitPath(path)) {
      node =
        segment !== ANY_KEY && segment.includes('*') ? globChild(node, segment) : exactChild(node, segment);
    }
    node.placeholder = placeholder;
  }
  return root;
}

function exactChild(node: MaskPlan, segment: string): MaskPlan {
  let child = node.children.get(segment);
  if (!child) node.children.set(segment, (child = { children: new Map() }));
  return child;
}

/** Credential-like keys come in any case (`DB_PASSWORD`, `dbPassword`), so a glob segment ignores case. */
function globChild(node: MaskPlan, segment: string): MaskPlan {
  const globs = (node.globs ??= new Map());
  let glob = globs.get(segment);
  if (!glob)
    globs.set(segment, (glob = { matches: globMatcher(segment, true), plan: { children: new Map() } }));
  return glob.plan;
}

const splitPath = (path: string): string[] => path.split(/(?<!\\)\./).map((s) => s.replace(/\\\./g, '.'));

/**
 * A `*` glob as a matcher that runs in one pass: the pieces between stars are found left to right. Keys come from
 * agents; a backtracking regex (`^.*DB.*PASS.*$`) takes cubic time on a long key full of near misses (4 KB: 2.4 s).
 */
function globMatcher(glob: string, ignoreCase: boolean): (text: string) => boolean {
  const pieces = (ignoreCase ? glob.toLowerCase() : glob).split('*');
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  const middle = pieces.slice(1, -1);
  return (input) => {
    const text = ignoreCase ? input.toLowerCase() : input;
    if (pieces.length === 1) return text === first;
    if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last))
      return false;
    const end = text.length - last.length;
    let at = first.length;
    for (const piece of middle) {
      const found = text.indexOf(piece, at);
      if (found < 0 || found + piece.length > end) return false;
      at = found + piece.length;
    }
    return true;
  };
}

function selects(rule: CompiledRule, metadata: Record<string, unknown>): boolean {
  if (rule.namespaces) {
    const namespace = metadata.namespace;
    if (typeof namespace !== 'string' || !rule.namespaces.some((matches) => matches(namespace))) return false;
  }
  if (rule.labels.length === 0) return true;
  const labels = isRecord(metadata.labels) ? metadata.labels : {};
  return rule.labels.every(([key, value]) => labels[key] === value);
}
