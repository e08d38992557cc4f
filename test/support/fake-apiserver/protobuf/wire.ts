/**
 * The protobuf wire format, read generically: a message is a sequence of (field number, wire type, value) records.
 * Knows nothing of schemas; `decode.ts` gives the values their meaning.
 */

/** A body that is not valid protobuf; the caller turns it into a 400 Status. */
export class ProtobufError extends Error {
  override readonly name = 'ProtobufError';
}

export const WireType = { varint: 0, fixed64: 1, lengthDelimited: 2, fixed32: 5 } as const;

export type WireField =
  | { number: number; wireType: typeof WireType.varint; value: bigint }
  | { number: number; wireType: typeof WireType.fixed64 | typeof WireType.fixed32; value: Uint8Array }
  | { number: number; wireType: typeof WireType.lengthDelimited; value: Uint8Array };

/** A cursor over one message's bytes. */
class Reader {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  /** A base-128 varint of at most 10 bytes, as an unsigned 64-bit value. */
  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.done) throw new ProtobufError(`truncated varint at byte ${this.offset}`);
      const byte = this.bytes[this.offset++] ?? 0;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    throw new ProtobufError(`varint longer than 10 bytes at byte ${this.offset}`);
  }

  take(length: number): Uint8Array {
    if (length > this.bytes.length - this.offset) {
      throw new ProtobufError(
        `field of ${length} bytes at byte ${this.offset} runs past the end of the message (${this.bytes.length} bytes)`,
      );
    }
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }
}

/** Every field record of a message, in wire order (repeated fields appear once per element). */
export function readFields(bytes: Uint8Array): WireField[] {
  const reader = new Reader(bytes);
  const fields: WireField[] = [];
  while (!reader.done) {
    const key = reader.varint();
    const number = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (number === 0) throw new ProtobufError('field number 0 is not valid');
    switch (wireType) {
      case WireType.varint:
        fields.push({ number, wireType, value: reader.varint() });
        break;
      case WireType.fixed64:
        fields.push({ number, wireType, value: reader.take(8) });
        break;
      case WireType.lengthDelimited:
        fields.push({ number, wireType, value: reader.take(Number(reader.varint())) });
        break;
      case WireType.fixed32:
        fields.push({ number, wireType, value: reader.take(4) });
        break;
      default:
        throw new ProtobufError(
          `field ${number} has unsupported wire type ${wireType} (groups are not used by Kubernetes)`,
        );
    }
  }
  return fields;
}

/** The elements of a packed repeated varint field (proto3's default encoding, accepted for proto2 fields too). */
export function readPackedVarints(bytes: Uint8Array): bigint[] {
  const reader = new Reader(bytes);
  const values: bigint[] = [];
  while (!reader.done) values.push(reader.varint());
  return values;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function utf8String(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ProtobufError('string field is not valid UTF-8');
  }
}
