/**
 * Masks one decoded API document of any shape: an object, a *List, a Table, a WatchEvent, a Status.
 * One recursive pass builds the masked copy; the input is never mutated.
 *
 * What is masked: fields selected by rules (built-in and configured), the last-applied annotation (re-masked as
 * a document of its own), credential env values, and detector matches in every other string, keys included (a
 * ConfigMap key may be a token: `--from-literal=ghp_…=1`).
 */
import { descend, placeholderOf, type MaskPlan, type RuleLookup } from './field-rules.js';
import { isRecord } from './helpers.js';
import { MASKED_TEXT } from './placeholder.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

export interface DocumentMaskerOptions {
  rules: RuleLookup;
  credentialEnvName: RegExp;
  maskText: (text: string) => string;
}

const NO_PLANS: readonly MaskPlan[] = [];

const ENV_VALUE_PLAN: MaskPlan = {
  children: new Map([['value', { placeholder: MASKED_TEXT, children: new Map() }]]),
};

export function createDocumentMasker({
  rules,
  credentialEnvName,
  maskText,
}: DocumentMaskerOptions): (doc: unknown) => unknown {
  const maskValue = (value: unknown, plans: readonly MaskPlan[]): unknown => {
    if (typeof value === 'string') return maskText(value);
    if (Array.isArray(value)) return value.map((item, i) => maskValue(item, descend(plans, String(i))));
    if (isRecord(value))
      return maskObject(value, plans, typeof value.kind === 'string' ? value.kind : undefined);
    return value;
  };

  /** An API object whose `kind` may be missing: List items and Table row objects often omit it. */
  const maskResource = (value: unknown, plans: readonly MaskPlan[], listKind?: string): unknown => {
    if (!isRecord(value)) return maskValue(value, plans);
    return maskObject(value, plans, kindOf(value, listKind));
  };

  const maskObject = (
    object: Record<string, unknown>,
    plans: readonly MaskPlan[],
    kind: string | undefined,
  ): Record<string, unknown> => {
    const selected = kind === undefined ? NO_PLANS : rules(kind, object.metadata);
    const own = selected.length === 0 ? plans : plans.concat(selected);
    const masked: Record<string, unknown> = {};
    const keys = Object.keys(object);
    const shown = maskKeys(keys);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      setOwn(masked, shown[i]!, maskField(key, object[key], descend(own, key), kind));
    }
    return masked;
  };

  /**
   * The keys as shown: a key with a detector hit is masked like any string. A masked key that comes out like another
   * key, masked or not, is numbered, so no entry overwrites another (rules and paths still see the original key).
   * Numbering resumes where it stopped for the same text: an object of many token keys (an agent can write 20,000 into
   * one ConfigMap) costs one pass, not a scan from 2 for each key (40 s measured).
   */
  const maskKeys = (keys: string[]): string[] => {
    let shown: string[] | undefined;
    for (let i = 0; i < keys.length; i++) {
      const text = maskText(keys[i]!);
      if (text !== keys[i]) (shown ??= keys.slice())[i] = text;
    }
    if (!shown) return keys;
    const masked = shown;
    const taken = new Set(keys.filter((key, i) => masked[i] === key));
    const nextNumber = new Map<string, number>();
    return masked.map((text, i) => {
      if (text === keys[i]) return text;
      let n = nextNumber.get(text) ?? 1;
      let unique = n === 1 ? text : `${text} (${n})`;
      while (taken.has(unique)) unique = `${text} (${++n})`;
      nextNumber.set(text, n + 1);
      taken.add(unique);
      return unique;
    });
  };

  /** One field of an object of `kind`: the keys named here carry secrets or nested API objects by convention. */
  const maskField = (
    key: string,
    value: unknown,
    plans: readonly MaskPlan[],
    kind: string | undefined,
  ): unknown => {
    const placeholder = placeholderOf(plans);
    if (placeholder !== undefined && value !== null) return placeholder;
    if (key === LAST_APPLIED_ANNOTATION && typeof value === 'string') return maskLastApplied(value);
    if (key === 'object') return maskResource(value, plans); // WatchEvent, Table row
    if (!Array.isArray(value)) return maskValue(value, plans);
    if (key === 'items') return value.map((item, i) => maskResource(item, descend(plans, String(i)), kind));
    if (key === 'env')
      return value.map((entry, i) => maskValue(entry, envPlans(entry, descend(plans, String(i)))));
    return maskValue(value, plans);
  };

  const envPlans = (entry: unknown, plans: readonly MaskPlan[]): readonly MaskPlan[] =>
    isRecord(entry) && typeof entry.name === 'string' && credentialEnvName.test(entry.name)
      ? plans.concat(ENV_VALUE_PLAN)
      : plans;

  /** The annotation holds the whole applied manifest (a Secret's data included), serialised as JSON. */
  const maskLastApplied = (json: string): string => {
    let applied: unknown;
    try {
      applied = JSON.parse(json);
    } catch {
      return MASKED_TEXT;
    }
    const masked = JSON.stringify(maskResource(applied, NO_PLANS));
    return json.endsWith('\n') ? `${masked}\n` : masked;
  };

  return (doc) => maskResource(doc, NO_PLANS);
}

function kindOf(object: Record<string, unknown>, listKind: string | undefined): string | undefined {
  if (typeof object.kind === 'string') return object.kind;
  if (listKind !== undefined && listKind.endsWith('List') && listKind !== 'List')
    return listKind.slice(0, -4);
  return looksLikeSecret(object) ? 'Secret' : undefined;
}

/** Fail closed for kind-less objects: only Secrets have a `type` next to `data`/`stringData` (ConfigMaps have none). */
const looksLikeSecret = (object: Record<string, unknown>): boolean =>
  typeof object.type === 'string' &&
  isRecord(object.metadata) &&
  (isRecord(object.data) || isRecord(object.stringData));

/** `__proto__` is a legal ConfigMap key; plain assignment would set the prototype and drop the entry. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
