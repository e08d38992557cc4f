/** The fake's protobuf decoding on hand-built bytes: the wire reader, the `k8s\0` envelope, and Go's JSON rules. */
import { describe, expect, it } from 'vitest';
import { StatusError } from '../../../src/kube/status.js';
import { decodeObjectBody } from '../../support/fake-apiserver/content.js';
import { decodeKubernetesProtobuf } from '../../support/fake-apiserver/protobuf/decode.js';
import { ProtobufError, readFields, readPackedVarints } from '../../support/fake-apiserver/protobuf/wire.js';

// A minimal protobuf writer, so every byte under test is spelled out here.
const varint = (value: number | bigint): number[] => {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    out.push(Number(v & 0x7fn) | (v > 0x7fn ? 0x80 : 0));
    v >>= 7n;
  } while (v > 0n);
  return out;
};
const key = (number: number, wireType: number) => varint((number << 3) | wireType);
const int = (number: number, value: number | bigint) => [...key(number, 0), ...varint(value)];
const bytes = (number: number, content: Uint8Array | number[]) => [
  ...key(number, 2),
  ...varint(content.length),
  ...content,
];
const str = (number: number, text: string) => bytes(number, [...Buffer.from(text, 'utf8')]);
const msg = (number: number, ...fields: number[][]) => bytes(number, fields.flat());
const entry = (number: number, k: string, value: number[]) => msg(number, str(1, k), value);

const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const envelope = (apiVersion: string, kind: string, ...fields: number[][]) =>
  Buffer.from([0x6b, 0x38, 0x73, 0x00, ...msg(1, str(1, apiVersion), str(2, kind)), ...msg(2, ...fields)]);

function statusOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  throw new Error('expected a Status error');
}

describe('wire reader', () => {
  it('reads varints (multi-byte, 64-bit), fixed32, fixed64 and length-delimited records in order', () => {
    const fields = readFields(
      Uint8Array.from([
        ...int(1, 300),
        ...int(2, -1),
        ...key(3, 5),
        1,
        2,
        3,
        4,
        ...key(4, 1),
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        8,
        ...str(5, 'hé'),
      ]),
    );
    expect(fields.map((f) => [f.number, f.wireType])).toEqual([
      [1, 0],
      [2, 0],
      [3, 5],
      [4, 1],
      [5, 2],
    ]);
    expect(int(1, 300)).toEqual([0x08, 0xac, 0x02]);
    expect(fields[0]!.value).toBe(300n);
    expect(fields[1]!.value).toBe(0xffffffffffffffffn);
    expect([...(fields[2]!.value as Uint8Array)]).toEqual([1, 2, 3, 4]);
    expect((fields[3]!.value as Uint8Array).length).toBe(8);
    expect(Buffer.from(fields[4]!.value as Uint8Array).toString('utf8')).toBe('hé');
  });

  it('reads packed repeated varints', () => {
    expect(readPackedVarints(Uint8Array.from([...varint(1), ...varint(150), ...varint(3)]))).toEqual([
      1n,
      150n,
      3n,
    ]);
  });

  it('refuses truncated and malformed input with a reason', () => {
    expect(() => readFields(Uint8Array.from([0x08, 0xac]))).toThrow(/truncated varint/);
    expect(() => readFields(Uint8Array.from([...key(1, 2), 5, 1]))).toThrow(/runs past the end/);
    expect(() => readFields(Uint8Array.from(key(1, 3)))).toThrow(/unsupported wire type 3/);
    expect(() => readFields(Uint8Array.from([0x00, 0x01]))).toThrow(ProtobufError);
    expect(() => readFields(Uint8Array.from(Array(11).fill(0xff)))).toThrow(/longer than 10 bytes/);
  });
});

describe('decoding Kubernetes objects', () => {
  it('ConfigMap: metadata, string and bytes maps, pointer bool; unknown fields skipped', () => {
    const body = envelope(
      'v1',
      'ConfigMap',
      msg(1, str(1, 'settings'), str(3, 'default'), entry(11, 'app', str(2, 'web')), str(99, 'future field')),
      entry(2, 'mode', str(2, 'fast')),
      entry(2, 'empty', []),
      entry(3, 'blob', bytes(2, [0x00, 0xff, 0x80])),
      int(4, 0),
      int(77, 5),
    );
    expect(decodeObjectBody(body.toString('latin1'), PROTOBUF)).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'default', labels: { app: 'web' }, creationTimestamp: null },
      data: { mode: 'fast', empty: '' },
      binaryData: { blob: Buffer.from([0x00, 0xff, 0x80]).toString('base64') },
      immutable: false, // a set pointer is written even when false
    });
  });

  it('Deployment: nested messages, repeated messages, quantities, times, and Go zero values for unset fields', () => {
    const container = msg(
      2,
      str(1, 'app'),
      str(2, 'nginx'),
      msg(6, int(3, 8080), str(4, 'TCP')),
      msg(8, entry(1, 'cpu', msg(2, str(1, '500m'))), entry(2, 'memory', msg(2, str(1, '64Mi')))),
    );
    const body = envelope(
      'apps/v1',
      'Deployment',
      msg(1, str(1, 'web'), msg(8, int(1, 1767225600)), str(6, '')),
      msg(2, int(1, 3), msg(2, entry(1, 'app', str(2, 'web'))), msg(3, msg(1), msg(2, container))),
    );
    expect(decodeKubernetesProtobuf(body)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { creationTimestamp: null },
          spec: {
            containers: [
              {
                name: 'app',
                image: 'nginx',
                ports: [{ containerPort: 8080, protocol: 'TCP' }],
                resources: { limits: { cpu: '500m' }, requests: { memory: '64Mi' } },
              },
            ],
          },
        },
        strategy: {},
      },
      status: {},
    });
  });

  it('Service: IntOrString as int or string, a zero omitempty int (nodePort) left out', () => {
    const port = (name: string, target: number[]) =>
      msg(1, str(1, name), int(3, 80), bytes(4, target), int(5, 0));
    const body = envelope(
      'v1',
      'Service',
      msg(1, str(1, 'api')),
      msg(2, port('a', int(2, 8080)), port('b', [...int(1, 1), ...str(3, 'http')])),
    );
    expect(decodeKubernetesProtobuf(body).spec).toEqual({
      ports: [
        { name: 'a', port: 80, targetPort: 8080 },
        { name: 'b', port: 80, targetPort: 'http' },
      ],
    });
  });

  it('repeated int32: packed and unpacked encodings decode alike; negative values keep their sign', () => {
    const job = (values: number[][]) =>
      envelope(
        'batch/v1',
        'Job',
        msg(1, str(1, 'j')),
        msg(2, msg(11, msg(1, str(1, 'FailJob'), msg(2, str(2, 'In'), ...values)))),
      );
    const packed = job([bytes(3, [...varint(1), ...varint(42), ...varint(-2)])]);
    const unpacked = job([int(3, 1), int(3, 42), int(3, -2)]);
    const rules = (body: Buffer) =>
      (
        (decodeKubernetesProtobuf(body).spec as Record<string, unknown>).podFailurePolicy as Record<
          string,
          unknown
        >
      ).rules;
    expect(rules(packed)).toEqual([
      { action: 'FailJob', onExitCodes: { operator: 'In', values: [1, 42, -2] } },
    ]);
    expect(rules(unpacked)).toEqual(rules(packed));
  });

  it("MicroTime keeps microseconds (an Event's eventTime)", () => {
    const body = envelope('v1', 'Event', msg(1, str(1, 'e')), msg(10, int(1, 1767225600), int(2, 123456789)));
    expect(decodeKubernetesProtobuf(body).eventTime).toBe('2026-01-01T00:00:00.123456Z');
  });

  it("inline Go structs flatten into their parent (a Volume's VolumeSource)", () => {
    const body = envelope(
      'v1',
      'Pod',
      msg(1, str(1, 'p')),
      msg(2, msg(1, str(1, 'scratch'), msg(2, msg(2, str(1, 'Memory'))))),
    );
    expect((decodeKubernetesProtobuf(body).spec as Record<string, unknown>).volumes).toEqual([
      { name: 'scratch', emptyDir: { medium: 'Memory' } },
    ]);
  });
});

describe('bodies the fake cannot decode', () => {
  it('a kind without a schema is a 415 that names it', () => {
    const err = statusOf(() =>
      decodeObjectBody(
        envelope('example.com/v1', 'Widget', msg(1, str(1, 'w'))).toString('latin1'),
        PROTOBUF,
      ),
    );
    expect(err.code).toBe(415);
    expect(err.message).toContain('example.com/v1, Kind=Widget');
  });

  it('no k8s prefix, truncation and wrong wire types are 400s that say what is wrong', () => {
    const noPrefix = statusOf(() => decodeObjectBody('{"kind":"ConfigMap"}', PROTOBUF));
    expect([noPrefix.code, noPrefix.message]).toEqual([400, expect.stringContaining('k8s\\x00')]);
    const truncated = envelope('v1', 'ConfigMap', msg(1, str(1, 'x'))).subarray(0, -2);
    expect(statusOf(() => decodeObjectBody(truncated.toString('latin1'), PROTOBUF)).code).toBe(400);
    const wrongType = statusOf(() =>
      decodeObjectBody(envelope('v1', 'ConfigMap', int(1, 5)).toString('latin1'), PROTOBUF),
    );
    expect([wrongType.code, wrongType.message]).toEqual([
      400,
      expect.stringContaining('core/v1.ConfigMap field 1'),
    ]);
  });
});
