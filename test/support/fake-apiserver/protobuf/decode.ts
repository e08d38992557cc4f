/**
 * Decodes Kubernetes protobuf bodies (`application/vnd.kubernetes.protobuf`) into the JSON kube-apiserver would
 * hold for the same object, from the wire schemas in `schemas.ts`. The envelope is the 4 bytes `k8s\0` and a
 * `runtime.Unknown` carrying the type (apiVersion, kind) and the object's own encoding.
 */
import { badRequest, unsupportedMediaType } from '../errors.js';
import { INLINE_FIELDS, KUBERNETES_MESSAGES } from './schemas.js';

/** [JSON name, cardinality, type, map value type]; a type is a scalar name or a message name of the table. */
export type FieldSchema =
  | readonly [name: string, cardinality: 'one' | 'repeated', type: string]
  | readonly [name: string, cardinality: 'map', keyType: string, valueType: string];
export type MessageSchemas = Readonly<Record<string, Readonly<Record<number, FieldSchema>>>>;

export const PROTOBUF_MAGIC = Buffer.from('k8s\u0000', 'latin1');

/** Bytes that are not a protobuf message of the expected shape. */
export class MalformedProtobufError extends Error {
  override name = 'MalformedProtobufError';
}

/** One field as read off the wire: its number, wire type and payload. */
type WireField =
  | { number: number; wire: 0; value: bigint }
  | { number: number; wire: 1; value: Buffer }
  | { number: number; wire: 2; value: Buffer }
  | { number: number; wire: 5; value: Buffer };

/** A cursor over a message's bytes. */
class WireReader {
  private at = 0;
  constructor(private readonly bytes: Buffer) {}

  get done(): boolean {
    return this.at >= this.bytes.length;
  }

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.done) throw new MalformedProtobufError('truncated varint');
      const byte = this.bytes[this.at++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
    throw new MalformedProtobufError('varint longer than 10 bytes');
  }

  take(length: number): Buffer {
    if (this.at + length > this.bytes.length) throw new MalformedProtobufError('truncated field');
    const value = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    return value;
  }
}

/** Splits a message into its fields, in wire order. */
export function readFields(bytes: Buffer): WireField[] {
  const reader = new WireReader(bytes);
  const fields: WireField[] = [];
  while (!reader.done) {
    const key = Number(reader.varint());
    const number = key >>> 3;
    const wire = key & 7;
    if (number === 0) throw new MalformedProtobufError('field number 0');
    if (wire === 0) fields.push({ number, wire, value: reader.varint() });
    else if (wire === 1) fields.push({ number, wire, value: reader.take(8) });
    else if (wire === 2) fields.push({ number, wire, value: reader.take(Number(reader.varint())) });
    else if (wire === 5) fields.push({ number, wire, value: reader.take(4) });
    else throw new MalformedProtobufError(`unsupported wire type ${wire}`);
  }
  return fields;
}

/**
 * Scalars present on the wire with their zero value that JSON keeps. Go's protobuf encoding writes every non-pointer
 * field, zero or not, while its JSON omits zero `omitempty` fields; so zeros are dropped except for these pointer
 * (or non-omitempty) fields, where a zero means something: `replicas: 0`, `automountServiceAccountToken: false`.
 */
const MEANINGFUL_ZEROS = new Set([
  'apps.v1.DeploymentSpec.replicas',
  'apps.v1.ReplicaSetSpec.replicas',
  'apps.v1.StatefulSetSpec.replicas',
  'apps.v1.DeploymentSpec.revisionHistoryLimit',
  'batch.v1.JobSpec.parallelism',
  'batch.v1.JobSpec.completions',
  'batch.v1.JobSpec.backoffLimit',
  'batch.v1.JobSpec.ttlSecondsAfterFinished',
  'batch.v1.JobSpec.suspend',
  'batch.v1.CronJobSpec.suspend',
  'batch.v1.CronJobSpec.successfulJobsHistoryLimit',
  'batch.v1.CronJobSpec.failedJobsHistoryLimit',
  'core.v1.PodSpec.automountServiceAccountToken',
  'core.v1.PodSpec.terminationGracePeriodSeconds',
  'core.v1.PodSpec.enableServiceLinks',
  'core.v1.PodSpec.hostUsers',
  'core.v1.ServiceAccount.automountServiceAccountToken',
  'core.v1.ConfigMap.immutable',
  'core.v1.Secret.immutable',
  'core.v1.SecurityContext.privileged',
  'core.v1.SecurityContext.runAsUser',
  'core.v1.SecurityContext.runAsGroup',
  'core.v1.SecurityContext.runAsNonRoot',
  'core.v1.SecurityContext.readOnlyRootFilesystem',
  'core.v1.SecurityContext.allowPrivilegeEscalation',
  'core.v1.PodSecurityContext.runAsUser',
  'core.v1.PodSecurityContext.runAsGroup',
  'core.v1.PodSecurityContext.runAsNonRoot',
  'core.v1.PodSecurityContext.fsGroup',
  'core.v1.ServicePort.port',
  'core.v1.ContainerPort.containerPort',
  'scheduling.v1.PriorityClass.value',
  'authentication.v1.TokenRequestSpec.expirationSeconds',
]);

const isZero = (value: unknown) => value === '' || value === 0 || value === false;

function scalar(type: string, field: WireField): unknown {
  switch (type) {
    case 'string':
      return expectWire(field, 2).toString('utf8');
    case 'bytes':
      return expectWire(field, 2).toString('base64');
    case 'bool':
      return expectWire(field, 0) !== 0n;
    case 'int32':
      return Number(BigInt.asIntN(32, expectWire(field, 0)));
    case 'int64':
      return Number(BigInt.asIntN(64, expectWire(field, 0)));
    case 'uint32':
    case 'uint64':
      return Number(expectWire(field, 0));
    case 'double':
      return expectWire(field, 1).readDoubleLE(0);
    case 'float':
      return expectWire(field, 5).readFloatLE(0);
    default:
      throw new MalformedProtobufError(`no decoding for scalar type ${type}`);
  }
}

function expectWire(field: WireField, wire: 0): bigint;
function expectWire(field: WireField, wire: 1 | 2 | 5): Buffer;
function expectWire(field: WireField, wire: WireField['wire']): bigint | Buffer {
  if (field.wire !== wire) {
    throw new MalformedProtobufError(`field ${field.number} has wire type ${field.wire}, expected ${wire}`);
  }
  return field.value;
}

/** Packed repeated scalars (proto2 `[packed = true]` is not used by Kubernetes, but decoders must accept both). */
function repeatedScalars(type: string, field: WireField): unknown[] {
  if (field.wire !== 2 || type === 'string' || type === 'bytes') return [scalar(type, field)];
  const wire = type === 'double' ? 1 : type === 'float' ? 5 : 0;
  return readPacked(field.value, wire).map((f) => scalar(type, f));
}

function readPacked(bytes: Buffer, wire: 0 | 1 | 5): WireField[] {
  const reader = new WireReader(bytes);
  const fields: WireField[] = [];
  while (!reader.done) {
    if (wire === 0) fields.push({ number: 1, wire, value: reader.varint() });
    else fields.push({ number: 1, wire, value: reader.take(wire === 1 ? 8 : 4) });
  }
  return fields;
}

/** Kubernetes types whose JSON form is not their message form. */
const SPECIAL: Readonly<Record<string, (fields: Record<string, unknown>) => unknown>> = {
  'apis.meta.v1.Time': (f) => rfc3339(f.seconds, f.nanos, false),
  'apis.meta.v1.MicroTime': (f) => rfc3339(f.seconds, f.nanos, true),
  'apis.meta.v1.Duration': (f) => goDuration(Number(f.duration ?? 0)),
  'api.resource.Quantity': (f) => f.string ?? '0',
  'util.intstr.IntOrString': (f) => (f.type === 1 ? (f.strVal ?? '') : (f.intVal ?? 0)),
  'runtime.RawExtension': (f) => embeddedJson(f.raw),
  'apis.meta.v1.FieldsV1': (f) => embeddedJson(f.Raw),
};

function rfc3339(seconds: unknown, nanos: unknown, micro: boolean): string | null {
  if (seconds === undefined && nanos === undefined) return null; // Go's zero time is JSON null
  const ms = Number(seconds ?? 0) * 1000;
  const iso = new Date(ms).toISOString().slice(0, 19);
  if (!micro) return `${iso}Z`;
  return `${iso}.${String(Math.floor(Number(nanos ?? 0) / 1000)).padStart(6, '0')}Z`;
}

function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  const h = Math.floor(ns / 3.6e12);
  const m = Math.floor((ns % 3.6e12) / 6e10);
  const s = (ns % 6e10) / 1e9;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}

function embeddedJson(raw: unknown): unknown {
  if (typeof raw !== 'string' || raw === '') return null;
  try {
    return JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
  } catch {
    throw new MalformedProtobufError('embedded object is not JSON');
  }
}

/** The wire schemas and which message fields Go embeds inline in JSON. */
export interface WireSchemas {
  messages: MessageSchemas;
  inline: ReadonlySet<string>;
}

const KUBERNETES: WireSchemas = { messages: KUBERNETES_MESSAGES, inline: INLINE_FIELDS };

/** One message as the JSON object (or special form) kube-apiserver would serve. */
export function decodeMessage(bytes: Buffer, type: string, schemas: WireSchemas = KUBERNETES): unknown {
  const schema = schemas.messages[type];
  if (!schema) throw new MalformedProtobufError(`no wire schema for ${type}`);
  const special = SPECIAL[type];
  const out: Record<string, unknown> = {};
  const value = (valueType: string, field: WireField): unknown =>
    schemas.messages[valueType]
      ? decodeMessage(expectWire(field, 2), valueType, schemas)
      : scalar(valueType, field);
  for (const field of readFields(bytes)) {
    const spec = schema[field.number];
    if (!spec) continue; // unknown fields are skipped, as protobuf requires
    const [name, cardinality, valueType] = spec;
    if (cardinality === 'map') {
      const entry = decodeMapEntry(expectWire(field, 2), spec[2], spec[3], schemas);
      const map = (out[name] ??= {}) as Record<string, unknown>;
      map[String(entry.key)] = entry.value;
    } else if (cardinality === 'repeated') {
      const list = (out[name] ??= []) as unknown[];
      if (schemas.messages[valueType]) list.push(value(valueType, field));
      else list.push(...repeatedScalars(valueType, field));
    } else if (schemas.messages[valueType]) {
      if (schemas.inline.has(`${type}.${name}`)) Object.assign(out, value(valueType, field));
      else out[name] = value(valueType, field);
    } else {
      const decoded = scalar(valueType, field);
      // Special forms see every field as sent; ordinary objects drop zeros JSON would omit.
      if (special || !isZero(decoded) || MEANINGFUL_ZEROS.has(`${type}.${name}`)) out[name] = decoded;
      else delete out[name];
    }
  }
  return special ? special(out) : out;
}

/** A map entry: key 1, value 2; absent parts are their zero values. */
function decodeMapEntry(
  bytes: Buffer,
  keyType: string,
  valueType: string,
  schemas: WireSchemas,
): { key: unknown; value: unknown } {
  const isMessage = schemas.messages[valueType] !== undefined;
  let key: unknown = zeroOf(keyType);
  let value: unknown = isMessage ? decodeMessage(Buffer.alloc(0), valueType, schemas) : zeroOf(valueType);
  for (const field of readFields(bytes)) {
    if (field.number === 1) key = scalar(keyType, field);
    else if (field.number === 2)
      value = isMessage ? decodeMessage(expectWire(field, 2), valueType, schemas) : scalar(valueType, field);
  }
  return { key, value };
}

const zeroOf = (type: string): unknown =>
  type === 'string' || type === 'bytes' ? '' : type === 'bool' ? false : 0;

/** `apps/v1` + `Deployment` → `apps.v1.Deployment`: the proto package is the group's first label (core for ''). */
export function messageTypeOf(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return `${group ? group!.split('.')[0] : 'core'}.${version}.${kind}`;
}

/** A protobuf request body as the JSON object it encodes, with its apiVersion and kind; a 415/400 Status otherwise. */
export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  if (!body.subarray(0, 4).equals(PROTOBUF_MAGIC)) {
    throw badRequest('error decoding request body: protobuf body does not start with the k8s\\0 magic');
  }
  let envelope: { typeMeta?: { apiVersion?: string; kind?: string }; raw?: string; contentEncoding?: string };
  try {
    envelope = decodeMessage(body.subarray(4), 'runtime.Unknown') as typeof envelope;
  } catch (err) {
    throw badRequest(`error decoding request body: ${(err as Error).message}`);
  }
  const { apiVersion = '', kind = '' } = envelope.typeMeta ?? {};
  if (envelope.contentEncoding) {
    throw badRequest(`error decoding request body: unsupported content encoding ${envelope.contentEncoding}`);
  }
  const type = messageTypeOf(apiVersion, kind);
  if (!KUBERNETES.messages[type]) {
    throw unsupportedMediaType(`application/vnd.kubernetes.protobuf (${apiVersion} ${kind})`, [
      'application/json',
      'application/yaml',
      'application/vnd.kubernetes.protobuf for the kinds in protobuf/schemas.ts',
    ]);
  }
  try {
    const object = decodeMessage(Buffer.from(envelope.raw ?? '', 'base64'), type) as Record<string, unknown>;
    return { apiVersion, kind, ...object };
  } catch (err) {
    throw badRequest(`error decoding request body: ${(err as Error).message}`);
  }
}
