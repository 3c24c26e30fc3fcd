// Encoding of Kafka's primitive types into a growing buffer; the mirror of reader.ts. `finish()`
// returns a view of the bytes written (no copy).

const encoder = new TextEncoder();

export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  offset = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  // Returns where to write; callers must read `this.buf` / `this.view` only after calling it,
  // because it may replace them.
  private ensure(n: number): number {
    const need = this.offset + n;
    if (need > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < need) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, this.offset));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    const at = this.offset;
    this.offset = need;
    return at;
  }

  int8(v: number): this { const at = this.ensure(1); this.view.setInt8(at, v); return this; }
  bool(v: boolean): this { const at = this.ensure(1); this.view.setUint8(at, v ? 1 : 0); return this; }
  int16(v: number): this { const at = this.ensure(2); this.view.setInt16(at, v); return this; }
  uint16(v: number): this { const at = this.ensure(2); this.view.setUint16(at, v); return this; }
  int32(v: number): this { const at = this.ensure(4); this.view.setInt32(at, v); return this; }
  uint32(v: number): this { const at = this.ensure(4); this.view.setUint32(at, v); return this; }
  int64(v: bigint | number): this { const at = this.ensure(8); this.view.setBigInt64(at, BigInt(v)); return this; }
  float64(v: number): this { const at = this.ensure(8); this.view.setFloat64(at, v); return this; }

  uvarint(v: number): this {
    let n = v >>> 0;
    while (n >= 0x80) {
      const at = this.ensure(1);
      this.buf[at] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    const end = this.ensure(1);
    this.buf[end] = n;
    return this;
  }

  varint(v: number): this {
    return this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  varlong(v: bigint): this {
    let n = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    while (n >= 0x80n) {
      const at = this.ensure(1);
      this.buf[at] = Number(n & 0x7fn) | 0x80;
      n >>= 7n;
    }
    const end = this.ensure(1);
    this.buf[end] = Number(n);
    return this;
  }

  raw(bytes: Uint8Array): this {
    const at = this.ensure(bytes.length);
    this.buf.set(bytes, at);
    return this;
  }

  uuid(bytes: Uint8Array | null): this {
    return this.raw(bytes && bytes.length === 16 ? bytes : new Uint8Array(16));
  }

  nullableString(s: string | null): this {
    if (s === null) return this.int16(-1);
    const b = encoder.encode(s);
    return this.int16(b.length).raw(b);
  }

  compactNullableString(s: string | null): this {
    if (s === null) return this.uvarint(0);
    const b = encoder.encode(s);
    return this.uvarint(b.length + 1).raw(b);
  }

  nullableBytes(b: Uint8Array | null): this {
    return b === null ? this.int32(-1) : this.int32(b.length).raw(b);
  }

  compactNullableBytes(b: Uint8Array | null): this {
    return b === null ? this.uvarint(0) : this.uvarint(b.length + 1).raw(b);
  }

  arrayLength(n: number | null, compact: boolean): this {
    if (compact) return this.uvarint(n === null ? 0 : n + 1);
    return this.int32(n === null ? -1 : n);
  }

  /** Tagged fields as (tag, encoded bytes) pairs; the caller passes them in increasing tag order. */
  taggedFields(fields: Array<[number, Uint8Array]>): this {
    this.uvarint(fields.length);
    for (const [tag, bytes] of fields) this.uvarint(tag).uvarint(bytes.length).raw(bytes);
    return this;
  }

  /** Overwrites an int32 already written (a frame's length prefix). */
  patchInt32(at: number, v: number): void {
    this.view.setInt32(at, v);
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.offset);
  }
}
