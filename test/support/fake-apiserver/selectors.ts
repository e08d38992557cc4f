/** Label and field selectors (k8s.io/apimachinery/pkg/labels and pkg/fields), parsed into predicates. */
import { badRequest } from './errors.js';
import { valueAt } from './json.js';
import type { KubeObject } from './objects.js';

export type ObjectPredicate = (object: KubeObject) => boolean;

const matchAll: ObjectPredicate = () => true;

/** Splits on commas that are not inside `in (a,b)` value sets. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  terms.push(current.trim());
  return terms.filter((t) => t !== '');
}

const LABEL_TERM =
  /^(?:(?<not>!)\s*(?<absent>[\w./-]+)|(?<key>[\w./-]+)\s*(?:(?<op>==|!=|=)\s*(?<value>[\w.-]*)|\s+(?<setOp>in|notin)\s*\((?<set>[^)]*)\))?)$/;

function labelTerm(term: string): (labels: Record<string, string>) => boolean {
  const g = LABEL_TERM.exec(term)?.groups;
  if (!g) throw badRequest(`unable to parse requirement: invalid label selector term "${term}"`);
  if (g.absent !== undefined) {
    const absent = g.absent;
    return (labels) => !(absent in labels);
  }
  const key = g.key ?? '';
  if (g.op !== undefined) {
    const wanted = g.value ?? '';
    return g.op === '!='
      ? (labels) => labels[key] !== wanted
      : (labels) => key in labels && labels[key] === wanted;
  }
  if (g.setOp !== undefined) {
    const values = new Set((g.set ?? '').split(',').map((v) => v.trim()));
    return g.setOp === 'in'
      ? (labels) => key in labels && values.has(labels[key] ?? '')
      : (labels) => !(key in labels) || !values.has(labels[key] ?? '');
  }
  return (labels) => key in labels;
}

export function parseLabelSelector(selector: string | null): ObjectPredicate {
  if (!selector) return matchAll;
  const terms = splitTerms(selector).map(labelTerm);
  return (object) => {
    const labels = object.metadata.labels ?? {};
    return terms.every((term) => term(labels));
  };
}

const FIELD_TERM = /^(?<field>[\w.]+)\s*(?<op>==|!=|=)\s*(?<value>.*)$/;

/** Field selectors support `metadata.name`, `metadata.namespace` and the resource's own field labels. */
export function parseFieldSelector(selector: string | null, fieldLabels: readonly string[]): ObjectPredicate {
  if (!selector) return matchAll;
  const supported = new Set(['metadata.name', 'metadata.namespace', ...fieldLabels]);
  const terms = splitTerms(selector).map((term): ObjectPredicate => {
    const g = FIELD_TERM.exec(term)?.groups;
    if (!g) throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    const field = g.field ?? '';
    if (!supported.has(field)) throw badRequest(`field label not supported: ${field}`);
    const wanted = g.value ?? '';
    const equals = (object: KubeObject) => String(valueAt(object, field) ?? '') === wanted;
    return g.op === '!=' ? (object) => !equals(object) : equals;
  });
  return (object) => terms.every((term) => term(object));
}

/** The exact name a field selector pins (`metadata.name=x`), used for the `/watch/…/name` form. */
export const nameSelector = (name: string): string => `metadata.name=${name}`;
