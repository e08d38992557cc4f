/**
 * OpenAPI v3 component schemas of the kinds the fake serves, derived from the same wire schemas its protobuf decoder
 * uses (names, JSON field names, types), so `kubectl explain` walks the fields kube-apiserver documents. The fake has
 * no descriptions; field names and types are what explain and clients need.
 */
import { KUBERNETES_MESSAGES, INLINE_FIELDS } from './protobuf/schemas.js';
import { messageTypeOf } from './protobuf/decode.js';

type Schema = Record<string, unknown>;

/** `apps.v1.Deployment` → `io.k8s.api.apps.v1.Deployment`, as kube-apiserver names its schemas. */
const componentName = (message: string): string =>
  /^(apis|api|util|runtime)\./.test(message) ? `io.k8s.apimachinery.pkg.${message}` : `io.k8s.api.${message}`;

/** Kubernetes types whose JSON (and so OpenAPI) form is not their message form. */
const SPECIAL: Readonly<Record<string, Schema>> = {
  'apis.meta.v1.Time': { type: 'string', format: 'date-time' },
  'apis.meta.v1.MicroTime': { type: 'string', format: 'date-time' },
  'apis.meta.v1.Duration': { type: 'string' },
  'api.resource.Quantity': { 'x-kubernetes-int-or-string': true },
  'util.intstr.IntOrString': { 'x-kubernetes-int-or-string': true, format: 'int-or-string' },
  'runtime.RawExtension': { type: 'object' },
  'apis.meta.v1.FieldsV1': { type: 'object' },
};

const SCALARS: Readonly<Record<string, Schema>> = {
  string: { type: 'string' },
  bytes: { type: 'string', format: 'byte' },
  bool: { type: 'boolean' },
  int32: { type: 'integer', format: 'int32' },
  int64: { type: 'integer', format: 'int64' },
  double: { type: 'number', format: 'double' },
  float: { type: 'number', format: 'float' },
};

function typeSchema(type: string, refs: Set<string>): Schema {
  const scalar = SCALARS[type];
  if (scalar) return scalar;
  refs.add(type);
  return { allOf: [{ $ref: `#/components/schemas/${componentName(type)}` }] };
}

function properties(message: string, refs: Set<string>): Schema {
  const out: Schema = {};
  for (const [name, cardinality, type, valueType] of Object.values(KUBERNETES_MESSAGES[message] ?? {})) {
    if (INLINE_FIELDS.has(`${message}.${name}`)) {
      Object.assign(out, properties(type, refs));
    } else if (cardinality === 'map') {
      out[name] = { type: 'object', additionalProperties: typeSchema(valueType!, refs) };
    } else if (cardinality === 'repeated') {
      out[name] = { type: 'array', items: typeSchema(type, refs) };
    } else {
      out[name] = typeSchema(type, refs);
    }
  }
  return out;
}

/**
 * The schemas a group-version's document carries: each kind's, with its `x-kubernetes-group-version-kind`, and every
 * type they reach. Kinds without a wire schema are left out (explain then says it does not know them).
 */
export function componentSchemas(kinds: readonly { group: string; version: string; kind: string }[]): Schema {
  const schemas: Schema = {};
  const pending = new Set<string>();
  const gvkOf = new Map<string, object>();
  for (const { group, version, kind } of kinds) {
    const message = messageTypeOf(group ? `${group}/${version}` : version, kind);
    if (!KUBERNETES_MESSAGES[message]) continue;
    pending.add(message);
    gvkOf.set(message, [{ group, version, kind }]);
  }
  for (const message of pending) {
    const refs = new Set<string>();
    schemas[componentName(message)] = SPECIAL[message] ?? {
      type: 'object',
      properties: properties(message, refs),
      ...(gvkOf.has(message) ? { 'x-kubernetes-group-version-kind': gvkOf.get(message) } : {}),
    };
    for (const ref of refs) pending.add(ref);
  }
  return schemas;
}
