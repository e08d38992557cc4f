/**
 * Decodes a Kubernetes protobuf object into the JSON kube-apiserver would write for it: the envelope's apiVersion
 * and kind, then the message's fields as Go's JSON encoder writes the decoded struct — unset pointers, empty
 * collections and zero `omitempty` scalars omitted, other unset fields as their Go zero value (`""`, `0`, `false`,
 * `null`, an empty struct's own zero fields), so `creationTimestamp: null` and `status: {}` appear as they do in
 * `kubectl create --dry-run=client -o json`.
 */
import { openEnvelope } from './envelope.js';
import { KIND_MESSAGES, MESSAGES, type FieldFlag, type FieldSchema } from './schemas.js';
import {
  ProtobufError,
  readFields,
  readPackedVarints,
  utf8String,
  WireType,
  type WireField,
} from './wire.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The envelope names a kind this fake has no schema for (415, as kube-apiserver answers for types without protobuf). */
export class UnsupportedKindError extends Error {
  override readonly name = 'UnsupportedKindError';
  constructor(
    readonly apiVersion: string,
    readonly kind: string,
  ) {
    super(
      `the fake API server has no protobuf schema for ${apiVersion || '(no apiVersion)'}, Kind=${kind || '(no kind)'}`,
    );
  }
}

export function decodeKubernetesProtobuf(body: Uint8Array): JsonObject {
  const envelope = openEnvelope(body);
  if (envelope.contentEncoding !== '') {
    throw new ProtobufError(`unsupported contentEncoding "${envelope.contentEncoding}" in the envelope`);
  }
  const message = KIND_MESSAGES[`${envelope.apiVersion}/${envelope.kind}`];
  if (!message) throw new UnsupportedKindError(envelope.apiVersion, envelope.kind);
  return { apiVersion: envelope.apiVersion, kind: envelope.kind, ...decodeMessage(message, envelope.raw) };
}

const EMPTY = new Uint8Array();
const VARINT_TYPES = new Set(['int32', 'int64', 'bool']);

function schemaOf(message: string): readonly FieldSchema[] {
  const schema = MESSAGES[message];
  if (!schema) throw new Error(`protobuf schema table has no message ${message}`);
  return schema;
}

/** One message as the JSON object Go would write for it. */
function decodeMessage(message: string, bytes: Uint8Array): JsonObject {
  const schema = schemaOf(message);
  const byNumber = new Map(schema.map((field) => [field[0], field]));
  const values = new Map<number, Json>();
  for (const wire of readFields(bytes)) {
    const field = byNumber.get(wire.number);
    if (!field) continue; // an unknown field is skipped, as Go's Unmarshal does
    const [number, , type, ...flags] = field;
    const where = `${message} field ${number}`;
    if (flags.includes('map')) {
      const [key, value] = mapEntry(type, wire, where);
      const map = (values.get(number) ?? {}) as JsonObject;
      map[key] = value;
      values.set(number, map);
    } else if (flags.includes('repeated')) {
      const list = (values.get(number) ?? []) as Json[];
      list.push(...repeatedElements(type, wire, where));
      values.set(number, list);
    } else {
      values.set(number, valueOf(type, wire, where));
    }
  }
  const object: JsonObject = {};
  for (const [number, json, type, ...flags] of schema) {
    const value = values.has(number) ? (values.get(number) ?? null) : unsetValue(type, flags);
    if (flags.includes('inline')) Object.assign(object, value);
    else if (value !== undefined && !(flags.includes('omitempty') && isEmpty(value, type, flags)))
      object[json] = value;
  }
  return object;
}

/** What Go's struct holds for a field absent from the wire; undefined when its JSON is left out even without omitempty. */
function unsetValue(type: string, flags: readonly FieldFlag[]): Json | undefined {
  if (flags.includes('pointer') || flags.includes('repeated') || flags.includes('map')) {
    return flags.includes('omitempty') ? undefined : null;
  }
  return zeroValue(type);
}

function zeroValue(type: string): Json {
  switch (type) {
    case 'string':
      return '';
    case 'int32':
    case 'int64':
      return 0;
    case 'bool':
      return false;
    case 'bytes':
    case 'time':
    case 'microtime':
    case 'rawjson':
    case 'stringlist':
      return null;
    case 'quantity':
      return '0';
    case 'intorstring':
      return 0;
    default:
      return decodeMessage(type, EMPTY);
  }
}

/** Go's omitempty: false, 0, "", and empty slices and maps; never a struct (even an empty one) or a set pointer. */
function isEmpty(value: Json, type: string, flags: readonly FieldFlag[]): boolean {
  if (flags.includes('pointer')) return false;
  if (Array.isArray(value)) return value.length === 0;
  if (flags.includes('map')) return Object.keys(value ?? {}).length === 0;
  if (!['string', 'int32', 'int64', 'bool', 'bytes'].includes(type)) return false;
  return value === '' || value === 0 || value === false || value === null;
}

function varintOf(wire: WireField, where: string): bigint {
  if (wire.wireType !== WireType.varint)
    throw new ProtobufError(`${where}: expected a varint, got wire type ${wire.wireType}`);
  return wire.value;
}

function bytesOf(wire: WireField, where: string): Uint8Array {
  if (wire.wireType !== WireType.lengthDelimited) {
    throw new ProtobufError(`${where}: expected a length-delimited value, got wire type ${wire.wireType}`);
  }
  return wire.value;
}

function scalarFromVarint(type: string, value: bigint): Json {
  if (type === 'bool') return value !== 0n;
  return Number(type === 'int32' ? BigInt.asIntN(32, value) : BigInt.asIntN(64, value));
}

function valueOf(type: string, wire: WireField, where: string): Json {
  if (VARINT_TYPES.has(type)) return scalarFromVarint(type, varintOf(wire, where));
  const bytes = bytesOf(wire, where);
  switch (type) {
    case 'string':
      return utf8String(bytes);
    case 'bytes':
      return Buffer.from(bytes).toString('base64');
    case 'time':
      return timeOf(bytes, false);
    case 'microtime':
      return timeOf(bytes, true);
    case 'quantity':
      return quantityOf(bytes);
    case 'intorstring':
      return intOrStringOf(bytes);
    case 'rawjson':
      return rawJsonOf(bytes, where);
    case 'stringlist':
      return readFields(bytes)
        .filter((f) => f.number === 1)
        .map((f) => utf8String(bytesOf(f, where)));
    default:
      return decodeMessage(type, bytes);
  }
}

function repeatedElements(type: string, wire: WireField, where: string): Json[] {
  if (VARINT_TYPES.has(type) && wire.wireType === WireType.lengthDelimited) {
    return readPackedVarints(wire.value).map((value) => scalarFromVarint(type, value));
  }
  return [valueOf(type, wire, where)];
}

/** A map entry is a message {1 key, 2 value}; a missing value is the value type's empty form, as in Go. */
function mapEntry(type: string, wire: WireField, where: string): [string, Json] {
  const entry = readFields(bytesOf(wire, where));
  const key = entry.findLast((f) => f.number === 1);
  const value = entry.findLast((f) => f.number === 2);
  const emptyValue: WireField = VARINT_TYPES.has(type)
    ? { number: 2, wireType: WireType.varint, value: 0n }
    : { number: 2, wireType: WireType.lengthDelimited, value: EMPTY };
  return [
    key ? utf8String(bytesOf(key, `${where} map key`)) : '',
    valueOf(type, value ?? emptyValue, `${where} map value`),
  ];
}

function varintField(fields: readonly WireField[], number: number, where: string): bigint {
  const field = fields.findLast((f) => f.number === number);
  return field ? varintOf(field, where) : 0n;
}

function stringField(fields: readonly WireField[], number: number, where: string): string {
  const field = fields.findLast((f) => f.number === number);
  return field ? utf8String(bytesOf(field, where)) : '';
}

/**
 * metav1.Time and MicroTime {1 seconds, 2 nanos}: an empty message is the zero time (JSON null); else RFC 3339 in UTC,
 * in whole seconds (Time) or microseconds (MicroTime).
 */
function timeOf(bytes: Uint8Array, micro: boolean): Json {
  if (bytes.length === 0) return null;
  const fields = readFields(bytes);
  const seconds = Number(BigInt.asIntN(64, varintField(fields, 1, 'Time.seconds')));
  const whole = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (!micro) return `${whole}Z`;
  const nanos = Number(BigInt.asIntN(32, varintField(fields, 2, 'MicroTime.nanos')));
  return `${whole}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

/** resource.Quantity {1 string}: written in the form it was sent (kubectl sends the canonical form). */
function quantityOf(bytes: Uint8Array): Json {
  return stringField(readFields(bytes), 1, 'Quantity.string') || '0';
}

/** intstr.IntOrString {1 type (0 int, 1 string), 2 intVal, 3 strVal}. */
function intOrStringOf(bytes: Uint8Array): Json {
  const fields = readFields(bytes);
  return varintField(fields, 1, 'IntOrString.type') === 1n
    ? stringField(fields, 3, 'IntOrString.strVal')
    : Number(BigInt.asIntN(32, varintField(fields, 2, 'IntOrString.intVal')));
}

/** runtime.RawExtension / FieldsV1 {1 raw}: the raw bytes are JSON, written as they are. */
function rawJsonOf(bytes: Uint8Array, where: string): Json {
  const raw = readFields(bytes).findLast((f) => f.number === 1);
  if (!raw) return null;
  const text = utf8String(bytesOf(raw, where));
  try {
    return JSON.parse(text) as Json;
  } catch {
    throw new ProtobufError(`${where}: embedded raw object is not JSON`);
  }
}
