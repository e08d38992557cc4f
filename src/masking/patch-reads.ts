/**
 * Read guard. JSON-patch `copy`, `move` and `test` make the cluster read a field on the agent's behalf: copying a
 * Secret's `data` into an annotation returns the value in a field masking knows nothing about (in a dry run's answer,
 * a preview, an error message), and `test` answers 200 or 422 to a guess. Such ops on masked fields are refused
 * before anything is forwarded, previewed or stored.
 */
import { isJsonPatch, pointerSegments, type JsonPatchOp } from '../kube/json-patch.js';
import { StatusError } from '../kube/status.js';
import { LAST_APPLIED_ANNOTATION } from './document.js';
import { descend, masksWithin, placeholderOf, planOf, type MaskPlan } from './field-rules.js';
import { isRecord } from './helpers.js';
import { MASKED_TEXT } from './placeholder.js';

/** The last-applied annotation holds the whole manifest (a Secret's data included), whatever the object's kind. */
const LAST_APPLIED_PLAN = planOf(
  [`metadata.annotations.${LAST_APPLIED_ANNOTATION.replaceAll('.', '\\.')}`],
  MASKED_TEXT,
);

/** Container env values are masked by the entry's name, which a pointer such as `…/env/0/value` does not show. */
const ENV = 'env';

/** Whether the field at `segments` is masked or holds masked fields, given the field rules of the target's kind. */
export function exposesMaskedField(segments: readonly string[], plans: readonly MaskPlan[]): boolean {
  let current: readonly MaskPlan[] = [...plans, LAST_APPLIED_PLAN];
  for (const segment of segments) {
    if (placeholderOf(current) !== undefined || segment === ENV) return true;
    current = descend(current, segment);
  }
  return masksWithin(current);
}

/**
 * Throws a 403 Status naming each op of a JSON patch that would read a masked field. `exposes` is the masker's
 * {@link exposesMaskedField} for the request's target.
 */
export function assertNoMaskedReads(
  body: unknown,
  target: { resource: string; name?: string },
  exposes: (segments: readonly string[]) => boolean,
): void {
  if (!isJsonPatch(body)) return;
  const reads = body.flatMap((op, i) => {
    const why = maskedRead(op, exposes);
    return why ? [`op ${i} (${why})`] : [];
  });
  if (reads.length === 0) return;
  const subject = `${target.resource}${target.name ? ` "${target.name}"` : ''}`;
  throw new StatusError(
    'Forbidden',
    `${subject} is forbidden: JSON patch ${reads.join(', ')}: the cluster would read a field Airlock masks ` +
      '(Secret data or stringData, a token, the last-applied annotation, a container env entry or a configured ' +
      'masking field) and could answer with its value where it cannot be masked, or confirm a guess. ' +
      'Airlock refuses copy, move and test on masked fields: write the value itself with add or replace, or send ' +
      'a merge patch.',
    { ...(target.name ? { name: target.name } : {}), kind: target.resource },
  );
}

function maskedRead(op: JsonPatchOp, exposes: (segments: readonly string[]) => boolean): string | undefined {
  const pointer = op.op === 'copy' || op.op === 'move' ? op.from : op.op === 'test' ? op.path : undefined;
  // A missing or non-string `from` is the cluster's error to report; it reads nothing.
  if (typeof pointer !== 'string') return undefined;
  const what = `${op.op} ${op.op === 'test' ? '' : 'from '}${JSON.stringify(pointer)}`;
  const segments = pointerSegments(pointer);
  if (segments === undefined) return `${what} is not a JSON pointer starting with "/"`;
  if (exposes(segments)) return `${what} reads a masked field`;
  // `test` compares a whole subtree: a value spelling out env entries or the manifest probes them from above.
  if (op.op === 'test' && mentionsContentMaskedKey(op.value)) return `${what} compares a masked field`;
  return undefined;
}

function mentionsContentMaskedKey(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(mentionsContentMaskedKey);
  if (!isRecord(value)) return false;
  return Object.entries(value).some(
    ([key, child]) => key === ENV || key === LAST_APPLIED_ANNOTATION || mentionsContentMaskedKey(child),
  );
}
