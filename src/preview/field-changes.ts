/**
 * The structured list of field changes between two redacted objects, with readable paths:
 * `spec.replicas`, `spec.template.spec.containers[web].image`, `metadata.labels["app.kubernetes.io/name"]`.
 * Lists whose items all carry a unique `name` (containers, env, ports, volumes) are matched by name.
 */
import type { FieldChange } from './model.js';
import { isRecord, jsonEqual, shortValue } from './json.js';
import { isMaskedDisplay } from './redact.js';

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

function childPath(path: string, key: string): string {
  if (IDENTIFIER.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

function shown(value: unknown): string | undefined {
  return isMaskedDisplay(value) ? undefined : shortValue(value);
}

function leafChange(path: string, kind: FieldChange['kind'], before: unknown, after: unknown): FieldChange {
  // A masked value is compared by hash upstream of here: say that it changed, never what it was.
  const masked = isMaskedDisplay(before) || isMaskedDisplay(after);
  const b = before === undefined || masked ? undefined : shown(before);
  const a = after === undefined || masked ? undefined : shown(after);
  return {
    path: path || '(object)',
    kind,
    ...(b !== undefined ? { before: b } : {}),
    ...(a !== undefined ? { after: a } : {}),
  };
}

/** Names of the items when every item is an object with a name unique in the list. */
function namesOf(items: readonly unknown[]): string[] | undefined {
  const names = items.map((item) =>
    isRecord(item) && typeof item.name === 'string' ? item.name : undefined,
  );
  if (names.some((n) => n === undefined)) return undefined;
  const defined = names as string[];
  return new Set(defined).size === defined.length ? defined : undefined;
}

function compareNamedLists(
  path: string,
  before: unknown[],
  after: unknown[],
  names: [string[], string[]],
  out: FieldChange[],
): void {
  const [beforeNames, afterNames] = names;
  const at = (name: string) => `${path}[${name}]`;
  beforeNames.forEach((name, i) => {
    const j = afterNames.indexOf(name);
    if (j < 0) out.push(leafChange(at(name), 'removed', before[i], undefined));
    else compare(at(name), before[i], after[j], out);
  });
  afterNames.forEach((name, j) => {
    if (!beforeNames.includes(name)) out.push(leafChange(at(name), 'added', undefined, after[j]));
  });
}

/** Unkeyed lists (RBAC rules, args) as multisets: which items went and which came, at their positions. */
function compareUnkeyedLists(path: string, before: unknown[], after: unknown[], out: FieldChange[]): void {
  const unmatched = [...before.keys()];
  const added: number[] = [];
  after.forEach((item, j) => {
    const k = unmatched.findIndex((i) => jsonEqual(before[i], item));
    if (k >= 0) unmatched.splice(k, 1);
    else added.push(j);
  });
  for (const i of unmatched) out.push(leafChange(`${path}[${i}]`, 'removed', before[i], undefined));
  for (const j of added) out.push(leafChange(`${path}[${j}]`, 'added', undefined, after[j]));
  if (unmatched.length === 0 && added.length === 0 && !jsonEqual(before, after)) {
    out.push(leafChange(path, 'changed', before, after)); // same items, new order
  }
}

function compare(path: string, before: unknown, after: unknown, out: FieldChange[]): void {
  if (before === undefined && after === undefined) return;
  if (before === undefined) return void out.push(leafChange(path, 'added', undefined, after));
  if (after === undefined) return void out.push(leafChange(path, 'removed', before, undefined));
  if (isRecord(before) && isRecord(after)) {
    const keys = [...Object.keys(before), ...Object.keys(after).filter((k) => !(k in before))];
    for (const key of keys) compare(childPath(path, key), before[key], after[key], out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const beforeNames = namesOf(before);
    const afterNames = namesOf(after);
    if (beforeNames && afterNames) compareNamedLists(path, before, after, [beforeNames, afterNames], out);
    else compareUnkeyedLists(path, before, after, out);
    return;
  }
  if (!jsonEqual(before, after)) out.push(leafChange(path, 'changed', before, after));
}

/** Field changes from `before` to `after`; a missing side counts as an empty object (create, delete). */
export function fieldChanges(before: unknown, after: unknown): FieldChange[] {
  const out: FieldChange[] = [];
  compare('', before ?? {}, after ?? {}, out);
  return out;
}

/** `spec.replicas: 3 → 0`, `+spec.template.spec.hostNetwork: true`, `-data.token`, `data.password changed`. */
export function describeChange(change: FieldChange): string {
  switch (change.kind) {
    case 'changed':
      return change.before !== undefined && change.after !== undefined
        ? `${change.path}: ${change.before} → ${change.after}`
        : `${change.path} changed`;
    case 'added':
      return change.after !== undefined ? `+${change.path}: ${change.after}` : `+${change.path}`;
    case 'removed':
      return `-${change.path}`;
  }
}
