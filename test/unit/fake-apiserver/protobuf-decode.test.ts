/** The fake's protobuf decoder on hand-built bytes: wire format, Kubernetes' JSON forms, and refusals. */
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  decodeProtobufObject,
  messageTypeOf,
  type WireSchemas,
} from '../../support/fake-apiserver/protobuf/decode.js';

/** A minimal protobuf writer, to build bodies byte by byte. */
const varint = (n: number | bigint): Buffer => {
  const out: number[] = [];
  let v = BigInt.asUintN(64, BigInt(n));
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v ? byte | 0x80 : byte);
  } while (v);
  return Buffer.from(out);
};
const num = (field: number, n: number | bigint) => Buffer.concat([varint(field << 3), varint(n)]);
const bytes = (field: number, payload: Buffer | string) => {
  const b = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.concat([varint((field << 3) | 2), varint(b.length), b]);
};
const msg = (...fields: Buffer[]) => Buffer.concat(fields);

const TEST_SCHEMAS: WireSchemas = {
  messages: {
    Outer: {
      1: ['name', 'one', 'string'],
      2: ['count', 'one', 'int32'],
      3: ['inner', 'one', 'Inner'],
      4: ['tags', 'repeated', 'string'],
      5: ['ports', 'repeated', 'int32'],
      6: ['labels', 'map', 'string', 'string'],
      7: ['blobs', 'map', 'string', 'bytes'],
      8: ['flag', 'one', 'bool'],
      9: ['embedded', 'one', 'Inner'],
      10: ['negative', 'one', 'int64'],
    },
    Inner: { 1: ['value', 'one', 'string'] },
  },
  inline: new Set(['Outer.embedded']),
};

describe('protobuf wire decoding', () => {
  it('reads scalars, nested messages, repeated fields (packed or not), maps and bytes', () => {
    const body = msg(
      bytes(1, 'web'),
      num(2, 3),
      bytes(3, msg(bytes(1, 'nested'))),
      bytes(4, 'a'),
      bytes(4, 'b'),
      bytes(5, Buffer.concat([varint(80), varint(443)])), // packed
      num(5, 8080), // and unpacked, in the same list
      bytes(6, msg(bytes(1, 'app'), bytes(2, 'web'))),
      bytes(7, msg(bytes(1, 'key'), bytes(2, Buffer.from([0, 255])))),
      num(10, -5n),
    );
    expect(decodeMessage(body, 'Outer', TEST_SCHEMAS)).toEqual({
      name: 'web',
      count: 3,
      inner: { value: 'nested' },
      tags: ['a', 'b'],
      ports: [80, 443, 8080],
      labels: { app: 'web' },
      blobs: { key: Buffer.from([0, 255]).toString('base64') },
      negative: -5,
    });
  });

  it('skips unknown fields, drops zero scalars JSON would omit, keeps empty messages, and inlines embedded structs', () => {
    const body = msg(
      bytes(99, 'future field'),
      bytes(1, ''),
      num(2, 0),
      num(8, 0),
      bytes(3, Buffer.alloc(0)),
      bytes(9, msg(bytes(1, 'up'))),
    );
    expect(decodeMessage(body, 'Outer', TEST_SCHEMAS)).toEqual({ inner: {}, value: 'up' });
  });

  it('keeps a zero where it means something (a pointer field: replicas: 0, privileged: false)', () => {
    expect(decodeMessage(num(1, 0), 'apps.v1.DeploymentSpec')).toEqual({ replicas: 0 });
    expect(decodeMessage(num(2, 0), 'core.v1.SecurityContext')).toEqual({ privileged: false });
  });

  it('writes Kubernetes special types in their JSON forms', () => {
    // Volume.volumeSource is inline: hostPath appears on the volume itself, where policy looks for it.
    const volume = msg(bytes(1, 'root'), bytes(2, msg(bytes(1, msg(bytes(1, '/'))))));
    expect(decodeMessage(volume, 'core.v1.Volume')).toEqual({ name: 'root', hostPath: { path: '/' } });
    const quantity = msg(bytes(1, '500m'));
    expect(decodeMessage(quantity, 'api.resource.Quantity')).toBe('500m');
    expect(decodeMessage(msg(num(1, 1), bytes(3, '50%')), 'util.intstr.IntOrString')).toBe('50%');
    expect(decodeMessage(msg(num(2, 3)), 'util.intstr.IntOrString')).toBe(3);
    expect(decodeMessage(msg(num(1, 1_764_950_400)), 'apis.meta.v1.Time')).toBe('2025-12-05T16:00:00Z');
    expect(decodeMessage(Buffer.alloc(0), 'apis.meta.v1.Time')).toBeNull();
  });

  it('refuses truncated and malformed bytes', () => {
    expect(() => decodeMessage(Buffer.from([0x0a, 0x05, 0x61]), 'Outer', TEST_SCHEMAS)).toThrow(
      /truncated field/,
    );
    expect(() => decodeMessage(Buffer.from([0x10, 0xff]), 'Outer', TEST_SCHEMAS)).toThrow(/truncated varint/);
    expect(() => decodeMessage(num(1, 7), 'Outer', TEST_SCHEMAS)).toThrow(/wire type 0, expected 2/);
    expect(() => decodeMessage(Buffer.from([0x0b]), 'Outer', TEST_SCHEMAS)).toThrow(/wire type 3/);
  });
});

describe('the k8s protobuf envelope', () => {
  const envelope = (apiVersion: string, kind: string, raw: Buffer) =>
    Buffer.concat([
      Buffer.from('k8s\u0000', 'latin1'),
      msg(bytes(1, msg(bytes(1, apiVersion), bytes(2, kind))), bytes(2, raw)),
    ]);

  it('maps apiVersion and kind to the message type', () => {
    expect(messageTypeOf('v1', 'ConfigMap')).toBe('core.v1.ConfigMap');
    expect(messageTypeOf('rbac.authorization.k8s.io/v1', 'Role')).toBe('rbac.v1.Role');
    expect(messageTypeOf('apps/v1', 'Deployment')).toBe('apps.v1.Deployment');
  });

  it('decodes an object with its type', () => {
    const configMap = msg(
      bytes(1, msg(bytes(1, 'cm'), bytes(3, 'default'))),
      bytes(2, msg(bytes(1, 'k'), bytes(2, 'v'))),
    );
    expect(decodeProtobufObject(envelope('v1', 'ConfigMap', configMap))).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cm', namespace: 'default' },
      data: { k: 'v' },
    });
  });

  it('answers 400 for bytes that are not a k8s protobuf object, 415 for a kind it has no schema for', () => {
    expect(() => decodeProtobufObject(Buffer.from('{"kind":"ConfigMap"}'))).toThrow(/k8s\\0 magic/);
    expect(() => decodeProtobufObject(Buffer.from('k8s\u0000\u000a\u00ff', 'latin1'))).toThrow(
      expect.objectContaining({ code: 400, message: expect.stringMatching(/truncated/) }),
    );
    expect(() => decodeProtobufObject(envelope('apps/v1', 'ControllerRevision', Buffer.alloc(0)))).toThrow(
      expect.objectContaining({ code: 415, message: expect.stringContaining('apps/v1 ControllerRevision') }),
    );
  });
});
