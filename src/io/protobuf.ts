/**
 * A protocol-buffers writer (the wire format only: varints, 32-bit floats, length-delimited fields), enough to
 * serialise a message whose schema the caller spells out field by field. ONNX export is its one user; the schema
 * lives there, next to the fields it fills.
 */

/** Wire types of the protobuf encoding. */
const VARINT = 0;
const FIXED32 = 5;
const LENGTH_DELIMITED = 2;

const TEXT = new TextEncoder();

export class ProtoWriter {
  private bytes = new Uint8Array(256);
  private length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /** An unsigned varint; negative numbers as 64-bit two's complement (10 bytes), as int32 and int64 are. */
  private varint(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`protobuf: ${value} is not a safe integer`);
    this.reserve(10);
    if (value >= 0 && value < 2 ** 31) {
      let v = value;
      while (v > 0x7f) {
        this.bytes[this.length++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      this.bytes[this.length++] = v;
      return;
    }
    let v = BigInt.asUintN(64, BigInt(value));
    while (v > 0x7fn) {
      this.bytes[this.length++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.bytes[this.length++] = Number(v);
  }

  private tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  /** An int32, int64 or enum field. */
  int(field: number, value: number): this {
    this.tag(field, VARINT);
    this.varint(value);
    return this;
  }

  /** A repeated int64 field, packed (as protobufjs and the ONNX tools write it; parsers read both forms). */
  ints(field: number, values: readonly number[]): this {
    if (values.length === 0) return this;
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    return this.bytesField(field, inner.finish());
  }

  float(field: number, value: number): this {
    this.tag(field, FIXED32);
    this.reserve(4);
    new DataView(this.bytes.buffer, this.bytes.byteOffset + this.length, 4).setFloat32(0, value, true);
    this.length += 4;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytesField(field, TEXT.encode(value));
  }

  bytesField(field: number, value: Uint8Array): this {
    this.tag(field, LENGTH_DELIMITED);
    this.varint(value.length);
    this.reserve(value.length);
    this.bytes.set(value, this.length);
    this.length += value.length;
    return this;
  }

  /** A nested message, written by `fill` into its own writer. */
  message(field: number, fill: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    fill(inner);
    return this.bytesField(field, inner.finish());
  }

  /** The bytes written (a view, valid until the next write). */
  finish(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}
