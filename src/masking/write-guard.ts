/**
 * Write-back guard. An agent that reads a masked object and applies it again would replace the real secret with
 * the placeholder; such requests are refused with a 422 that names every offending field.
 */
import { isJsonPatch } from '../kube/json-patch.js';
import { StatusError } from '../kube/status.js';
import { isRecord } from './helpers.js';
import { MASKED_BASE64, MASKED_TEXT } from './placeholder.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

type JoinPath = (parent: string, key: string | number) => string;

/** Kubernetes field-path style, as in Status causes: `spec.containers[0].env[1].value`, `data[tls.crt]`. */
const fieldPath: JoinPath = (parent, key) => {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (!PLAIN_KEY.test(key)) return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
};

/** JSON Pointer (RFC 6901), as in JSON patch `path`. */
const pointerPath: JoinPath = (parent, key) =>
  `${parent}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;

/**
 * Throws StatusError 422 Invalid when the parsed request body (object, YAML already parsed, or a JSON-patch op
 * list) carries the masking placeholder as a value, also base64-encoded or inside a larger string (a connection
 * string, the last-applied annotation).
 */
export function assertNoMaskedValues(body: unknown, target: { kind?: string; name?: string }): void {
  const fields: string[] = [];
  if (isJsonPatch(body)) {
    for (const op of body)
      if ('value' in op) collectPlaceholderFields(op.value, op.path, pointerPath, fields);
  } else {
    collectPlaceholderFields(body, '', fieldPath, fields);
  }
  if (fields.length === 0) return;

  const subject = `${target.kind ?? 'object'}${target.name ? ` "${target.name}"` : ''}`;
  throw new StatusError(
    'Invalid',
    `${subject} is invalid: ${fields.join(', ')}: the value is Airlock's masking placeholder "${MASKED_TEXT}", ` +
      'not the real secret, and writing it back would overwrite the secret. Send the real value, or leave these ' +
      'fields out of the request (remove them from the manifest, or patch only the fields you mean to change).',
    {
      ...(target.kind ? { kind: target.kind } : {}),
      ...(target.name ? { name: target.name } : {}),
      // kubectl prints only the causes of an Invalid Status, so each one carries the way out as well.
      causes: fields.map((field) => ({
        reason: 'FieldValueInvalid',
        message:
          `Invalid value: the masked placeholder "${MASKED_TEXT}" cannot be written back ` +
          '(send the real value or leave this field out)',
        field,
      })),
    },
  );
}

function collectPlaceholderFields(value: unknown, path: string, join: JoinPath, fields: string[]): void {
  if (typeof value === 'string') {
    if (carriesPlaceholder(value)) fields.push(path);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => collectPlaceholderFields(item, join(path, i), join, fields));
  } else if (isRecord(value)) {
    for (const [key, child] of Object.entries(value)) {
      // A masked key (a token used as a ConfigMap key) written back would add an entry named after the placeholder.
      if (key.includes(MASKED_TEXT)) fields.push(join(path, key));
      else collectPlaceholderFields(child, join(path, key), join, fields);
    }
  }
}

function carriesPlaceholder(value: string): boolean {
  if (value.includes(MASKED_TEXT) || value.includes(MASKED_BASE64)) return true;
  // Catches a placeholder decoded, edited and re-encoded by the agent (`data` values are base64).
  return (
    value.length >= MASKED_BASE64.length &&
    BASE64.test(value) &&
    Buffer.from(value, 'base64').toString('latin1').includes(MASKED_TEXT)
  );
}
