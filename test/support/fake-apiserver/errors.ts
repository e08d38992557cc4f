/**
 * Status errors shaped exactly like kube-apiserver's (k8s.io/apimachinery/pkg/api/errors), so tests of
 * Airlock see what a real cluster would answer.
 */
import { StatusError } from '../../../src/kube/status.js';
import type { ResourceType } from './catalog.js';
import { qualifiedResource } from './catalog.js';

export type FieldErrorType =
  'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported' | 'FieldValueForbidden';

/** One validation failure, as in k8s.io/apimachinery/pkg/util/validation/field. */
export interface FieldError {
  type: FieldErrorType;
  field: string;
  /** The part after `<field>: `, e.g. `Required value`. */
  message: string;
}

export const fieldRequired = (field: string, detail?: string): FieldError => ({
  type: 'FieldValueRequired',
  field,
  message: detail ? `Required value: ${detail}` : 'Required value',
});

export const fieldInvalid = (field: string, value: unknown, detail: string): FieldError => ({
  type: 'FieldValueInvalid',
  field,
  message: `Invalid value: ${JSON.stringify(value)}: ${detail}`,
});

export const fieldNotSupported = (
  field: string,
  value: unknown,
  supported: readonly string[],
): FieldError => ({
  type: 'FieldValueNotSupported',
  field,
  message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`,
});

export const fieldForbidden = (field: string, detail: string): FieldError => ({
  type: 'FieldValueForbidden',
  field,
  message: `Forbidden: ${detail}`,
});

const resourceDetails = (rt: ResourceType, name: string) => ({
  name,
  ...(rt.group ? { group: rt.group } : {}),
  kind: rt.resource,
});

export const notFound = (rt: ResourceType, name: string): StatusError =>
  new StatusError('NotFound', `${qualifiedResource(rt)} "${name}" not found`, resourceDetails(rt, name));

export const alreadyExists = (rt: ResourceType, name: string): StatusError =>
  new StatusError(
    'AlreadyExists',
    `${qualifiedResource(rt)} "${name}" already exists`,
    resourceDetails(rt, name),
  );

export const conflict = (rt: ResourceType, name: string, why: string): StatusError =>
  new StatusError(
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(rt)} "${name}": ${why}`,
    resourceDetails(rt, name),
  );

export const OBJECT_MODIFIED =
  'the object has been modified; please apply your changes to the latest version and try again';

/** Invalid (422) for a kind, e.g. `ConfigMap "x" is invalid: metadata.name: Required value`. */
export function invalid(
  kind: { kind: string; group: string },
  name: string,
  errors: readonly FieldError[],
): StatusError {
  const described = errors.map((e) => `${e.field}: ${e.message}`);
  const summary = described.length === 1 ? described[0] : `[${described.join(', ')}]`;
  const kindName = kind.group ? `${kind.kind}.${kind.group}` : kind.kind;
  return new StatusError('Invalid', `${kindName} "${name}" is invalid: ${summary}`, {
    name,
    ...(kind.group ? { group: kind.group } : {}),
    kind: kind.kind,
    causes: errors.map((e) => ({ reason: e.type, message: e.message, field: e.field })),
  });
}

export const invalidObject = (rt: ResourceType, name: string, errors: readonly FieldError[]): StatusError =>
  invalid({ kind: rt.kind, group: rt.group }, name, errors);

/** Invalid request options (`CreateOptions`, `PatchOptions`, `DeleteOptions`), which live in meta.k8s.io. */
export const invalidOptions = (optionsKind: string, errors: readonly FieldError[]): StatusError =>
  invalid({ kind: optionsKind, group: 'meta.k8s.io' }, '', errors);

export const badRequest = (message: string): StatusError => new StatusError('BadRequest', message);

export const unauthorized = (): StatusError => new StatusError('Unauthorized', 'Unauthorized');

export const pathNotFound = (): StatusError =>
  new StatusError('NotFound', 'the server could not find the requested resource', {});

export const methodNotAllowed = (method: string): StatusError =>
  new StatusError(
    'MethodNotAllowed',
    `the server does not allow this method on the requested resource (${method})`,
    {},
  );

export const unsupportedMediaType = (contentType: string, accepted: readonly string[]): StatusError =>
  new StatusError(
    'UnsupportedMediaType',
    `the body of the request was in an unknown format (${contentType || 'no content type'}) - accepted media types include: ${accepted.join(', ')}`,
  );

export const expired = (message: string): StatusError => new StatusError('Expired', message);
