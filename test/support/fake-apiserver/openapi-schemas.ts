/**
 * OpenAPI v3 component schemas of the kinds the fake serves, derived from the same wire schemas its protobuf decoder
 * uses (names, JSON field names, types), so `kubectl explain` walks the fields kube-apiserver documents. The fake has
 * no descriptions; field names and types are what explain and clients need.
 */
import { KIND_MESSAGES, MESSAGES } from './protobuf/schemas.js';

type Schema = Record<string, unknown>;

/** `apps/v1.Deployment` → `io.k8s.api.apps.v1.Deployment`, as kube-apiserver names its schemas. */
const componentName = (message: string): string => {
  const name = message.replace('/', '.');
  return name.startsWith('meta.') ? `io.k8s.apimachinery.pkg.apis.${name}` : `io.k8s.api.${name}`;
};

/** Kubernetes types whose JSON (and so OpenAPI) form is not their message form, by their component names. */
const SPECIAL: Readonly<Record<string, readonly [name: string, schema: Schema]>> = {
  time: ['io.k8s.apimachinery.pkg.apis.meta.v1.Time', { type: 'string', format: 'date-time' }],
  microtime: ['io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime', { type: 'string', format: 'date-time' }],
  quantity: ['io.k8s.apimachinery.pkg.api.resource.Quantity', { 'x-kubernetes-int-or-string': true }],
  intorstring: [
    'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
    { 'x-kubernetes-int-or-string': true, format: 'int-or-string' },
  ],
  rawjson: ['io.k8s.apimachinery.pkg.runtime.RawExtension', { type: 'object' }],
};

const SCALARS: Readonly<Record<string, Schema>> = {
  string: { type: 'string' },
  bytes: { type: 'string', format: 'byte' },
  bool: { type: 'boolean' },
  int32: { type: 'integer', format: 'int32' },
  int64: { type: 'integer', format: 'int64' },
};

/** A field's type: scalars and string lists inline, messages and special types by reference. */
function typeSchema(type: string, refs: Set<string>): Schema {
  const scalar = SCALARS[type];
  if (scalar) return scalar;
  if (type === 'stringlist') return { type: 'array', items: SCALARS.string };
  refs.add(type);
  return { allOf: [{ $ref: `#/components/schemas/${SPECIAL[type]?.[0] ?? componentName(type)}` }] };
}

function properties(message: string, refs: Set<string>): Schema {
  const out: Schema = {};
  for (const [, name, type, ...flags] of MESSAGES[message] ?? []) {
    if (flags.includes('inline')) {
      Object.assign(out, properties(type, refs));
    } else if (flags.includes('map')) {
      out[name] = { type: 'object', additionalProperties: typeSchema(type, refs) };
    } else if (flags.includes('repeated')) {
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
    const message = KIND_MESSAGES[`${group ? `${group}/${version}` : version}/${kind}`];
    if (!message) continue;
    pending.add(message);
    gvkOf.set(message, [{ group, version, kind }]);
  }
  for (const type of pending) {
    const special = SPECIAL[type];
    if (special) {
      schemas[special[0]] = special[1];
      continue;
    }
    const refs = new Set<string>();
    schemas[componentName(type)] = {
      type: 'object',
      properties: properties(type, refs),
      ...(gvkOf.has(type) ? { 'x-kubernetes-group-version-kind': gvkOf.get(type) } : {}),
    };
    for (const ref of refs) pending.add(ref);
  }
  return schemas;
}
