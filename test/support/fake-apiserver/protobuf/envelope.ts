/**
 * Kubernetes' protobuf envelope: the magic `k8s\0`, then a `runtime.Unknown` {1 typeMeta {1 apiVersion, 2 kind},
 * 2 raw (the object's own message), 3 contentEncoding, 4 contentType}.
 */
import { ProtobufError, readFields, utf8String, WireType, type WireField } from './wire.js';

const ENVELOPE_MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

export interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

function stringField(fields: readonly WireField[], number: number): string {
  const field = fields.findLast((f) => f.number === number);
  if (!field) return '';
  if (field.wireType !== WireType.lengthDelimited)
    throw new ProtobufError(`envelope field ${number} is not a string`);
  return utf8String(field.value);
}

export function openEnvelope(body: Uint8Array): Envelope {
  if (body.length < ENVELOPE_MAGIC.length || ENVELOPE_MAGIC.some((byte, i) => body[i] !== byte)) {
    throw new ProtobufError('body does not start with the Kubernetes protobuf prefix "k8s\\x00"');
  }
  const unknown = readFields(body.subarray(ENVELOPE_MAGIC.length));
  const typeMeta = unknown.findLast((f) => f.number === 1);
  if (typeMeta && typeMeta.wireType !== WireType.lengthDelimited)
    throw new ProtobufError('envelope typeMeta is not a message');
  const typeFields = typeMeta ? readFields(typeMeta.value) : [];
  const raw = unknown.findLast((f) => f.number === 2);
  if (raw && raw.wireType !== WireType.lengthDelimited) throw new ProtobufError('envelope raw is not bytes');
  return {
    apiVersion: stringField(typeFields, 1),
    kind: stringField(typeFields, 2),
    raw: raw?.value ?? new Uint8Array(),
    contentEncoding: stringField(unknown, 3),
    contentType: stringField(unknown, 4),
  };
}
