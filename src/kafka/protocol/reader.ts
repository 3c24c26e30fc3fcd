// Decoding of Kafka's primitive types (https://kafka.apache.org/protocol#protocol_types) from a
// Uint8Array. Big-endian fixed-width integers; zig-zag varint/varlong (record fields); unsigned
// varints for the compact lengths of flexible versions (KIP-482), where a compact length is
// stored as N + 1 and 0 means null. Every read is bounds-checked: running past the end throws
// ProtocolError, which the connection answers (or closes) without storing anything.

export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export class Reader {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  offset: number;

  constructor(bytes: Uint8Array, offset = 0) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = offset;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  private need(n: number): number {
    if (n < 0 || this.offset + n > this.bytes.length) {
      throw new ProtocolError(`truncated: need ${n} bytes at offset ${this.offset}, have ${this.remaining}`);
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }

  int8(): number { return this.view.getInt8(this.need(1)); }
  bool(): boolean { return this.view.getUint8(this.need(1)) !== 0; }
  int16(): number { return this.view.getInt16(this.need(2)); }
  uint16(): number { return this.view.getUint16(this.need(2)); }
  int32(): number { return this.view.getInt32(this.need(4)); }
  uint32(): number { return this.view.getUint32(this.need(4)); }
  int64(): bigint { return this.view.getBigInt64(this.need(8)); }
  float64(): number { return this.view.getFloat64(this.need(8)); }

  /** An int64 as a number; values beyond 2^53 lose precision (offsets and ids never get there). */
  int64n(): number { return Number(this.int64()); }

  uvarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.bytes[this.need(1)]!;
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (value > 0xffffffff) throw new ProtocolError("unsigned varint exceeds 32 bits");
        return value;
      }
    }
    throw new ProtocolError("unsigned varint longer than 5 bytes");
  }

  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  varlong(): bigint {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = this.bytes[this.need(1)]!;
      value |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return (value >> 1n) ^ -(value & 1n);
    }
    throw new ProtocolError("varlong longer than 10 bytes");
  }

  uuid(): Uint8Array { return this.raw(16); }

  raw(n: number): Uint8Array {
    const at = this.need(n);
    return this.bytes.subarray(at, at + n);
  }

  private text(n: number): string {
    try {
      return decoder.decode(this.raw(n));
    } catch (err) {
      if (err instanceof ProtocolError) throw err;
      throw new ProtocolError("string is not valid UTF-8");
    }
  }

  /** STRING / NULLABLE_STRING: int16 length (-1 = null). */
  nullableString(): string | null {
    const n = this.int16();
    return n < 0 ? null : this.text(n);
  }

  /** COMPACT_STRING / COMPACT_NULLABLE_STRING: uvarint length + 1 (0 = null). */
  compactNullableString(): string | null {
    const n = this.uvarint();
    return n === 0 ? null : this.text(n - 1);
  }

  /** BYTES / NULLABLE_BYTES: int32 length (-1 = null). */
  nullableBytes(): Uint8Array | null {
    const n = this.int32();
    return n < 0 ? null : this.raw(n);
  }

  compactNullableBytes(): Uint8Array | null {
    const n = this.uvarint();
    return n === 0 ? null : this.raw(n - 1);
  }

  /** ARRAY length: int32 (-1 = null). COMPACT_ARRAY: uvarint N + 1 (0 = null). */
  arrayLength(compact: boolean): number {
    const n = compact ? this.uvarint() - 1 : this.int32();
    // Each element takes at least one byte, so a count beyond the bytes left is malformed; the
    // check keeps a 4-byte frame from asking for a 2-billion-element allocation.
    if (n > this.remaining) throw new ProtocolError(`array of ${n} elements in ${this.remaining} bytes`);
    return n;
  }

  /**
   * TAGGED_FIELDS (KIP-482): uvarint count, then (uvarint tag, uvarint size, bytes) each, in
   * increasing tag order. Returns the raw field bytes by tag for the caller to decode.
   */
  taggedFields(): Map<number, Uint8Array> {
    const count = this.uvarint();
    const fields = new Map<number, Uint8Array>();
    let last = -1;
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint();
      if (tag <= last) throw new ProtocolError(`tagged fields out of order (${tag} after ${last})`);
      last = tag;
      fields.set(tag, this.raw(this.uvarint()));
    }
    return fields;
  }
}
