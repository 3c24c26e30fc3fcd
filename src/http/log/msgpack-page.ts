// MessagePack fetch pages written as bytes (fetch-body.ts has the JSON form and the buffer):
// msgpackRecord's map per record — offset, timestamp, key, value, headers — with the field names
// encoded once, instead of @msgpack/msgpack walking one object per record.
import type { DecodedRecord } from "../../core/batch/record-batch.ts";
import { Bytes, type PageMeta } from "./fetch-body.ts";
import { setOwn } from "./record-view.ts";

const utf8 = new TextEncoder();

// MessagePack (the msgpack spec, "formats"): the smallest encoding of each integer, as
// @msgpack/msgpack writes it, so a page reads the same through any decoder.
const NAMES = Object.fromEntries(
  [
    "records",
    "next_offset",
    "high_watermark",
    "log_start_offset",
    "last_stable_offset",
    "offset",
    "timestamp",
    "key",
    "value",
    "headers",
  ].map((n) => [n, Uint8Array.of(0xa0 | n.length, ...utf8.encode(n))]),
) as Record<string, Uint8Array>;

export class MsgpackPageWriter {
  private out: Bytes;
  private count = 0;
  private countAt: number;

  /** `sizeHint`: the stored bytes of the page, to size the buffer once. */
  constructor(sizeHint = 0) {
    this.out = new Bytes(sizeHint * 1.5);
    const out = this.out;
    out.byte(0x84);
    out.bytes(NAMES.records!);
    // array 32, its length patched in by finish()
    out.byte(0xdd);
    this.countAt = out.len;
    out.ascii("\0\0\0\0");
  }

  add(r: DecodedRecord): void {
    const out = this.out;
    this.count++;
    out.byte(0x85);
    out.bytes(NAMES.offset!);
    this.int(r.offset);
    out.bytes(NAMES.timestamp!);
    this.int(r.timestamp);
    out.bytes(NAMES.key!);
    this.bin(r.key);
    out.bytes(NAMES.value!);
    this.bin(r.value);
    out.bytes(NAMES.headers!);
    if (r.headers.length === 0) return out.byte(0x80);
    const headers: Record<string, Uint8Array | null> = {};
    for (const [k, v] of r.headers) setOwn(headers, k, v);
    const names = Object.keys(headers);
    this.mapHeader(names.length);
    for (const name of names) {
      this.str(name);
      this.bin(headers[name] ?? null);
    }
  }

  private mapHeader(n: number): void {
    const out = this.out;
    if (n < 16) out.byte(0x80 | n);
    else if (n < 0x10000) {
      out.byte(0xde);
      out.byte(n >>> 8);
      out.byte(n & 0xff);
    } else {
      out.byte(0xdf);
      this.u32(n);
    }
  }

  private str(s: string): void {
    const bytes = utf8.encode(s);
    const out = this.out;
    const n = bytes.length;
    if (n < 32) out.byte(0xa0 | n);
    else if (n < 0x100) {
      out.byte(0xd9);
      out.byte(n);
    } else if (n < 0x10000) {
      out.byte(0xda);
      out.byte(n >>> 8);
      out.byte(n & 0xff);
    } else {
      out.byte(0xdb);
      this.u32(n);
    }
    out.bytes(bytes);
  }

  private bin(b: Uint8Array | null): void {
    const out = this.out;
    if (b === null) return out.byte(0xc0);
    const n = b.length;
    if (n < 0x100) {
      out.byte(0xc4);
      out.byte(n);
    } else if (n < 0x10000) {
      out.byte(0xc5);
      out.byte(n >>> 8);
      out.byte(n & 0xff);
    } else {
      out.byte(0xc6);
      this.u32(n);
    }
    out.bytes(b);
  }

  private u32(n: number): void {
    const out = this.out;
    out.reserve(4);
    out.buf[out.len++] = n >>> 24;
    out.buf[out.len++] = (n >>> 16) & 0xff;
    out.buf[out.len++] = (n >>> 8) & 0xff;
    out.buf[out.len++] = n & 0xff;
  }

  private int(n: number): void {
    const out = this.out;
    if (n >= 0) {
      if (n < 0x80) return out.byte(n);
      if (n < 0x100) {
        out.byte(0xcc);
        return out.byte(n);
      }
      if (n < 0x10000) {
        out.byte(0xcd);
        out.byte(n >>> 8);
        return out.byte(n & 0xff);
      }
      if (n < 0x100000000) {
        out.byte(0xce);
        return this.u32(n);
      }
      out.byte(0xcf);
      this.u32(Math.floor(n / 0x100000000));
      return this.u32(n >>> 0);
    }
    if (n >= -0x20) return out.byte(n & 0xff);
    if (n >= -0x80) {
      out.byte(0xd0);
      return out.byte(n & 0xff);
    }
    if (n >= -0x8000) {
      out.byte(0xd1);
      out.byte((n >> 8) & 0xff);
      return out.byte(n & 0xff);
    }
    if (n >= -0x80000000) {
      out.byte(0xd2);
      return this.u32(n >>> 0);
    }
    out.byte(0xd3);
    out.reserve(8);
    new DataView(out.buf.buffer, out.buf.byteOffset + out.len, 8).setBigInt64(0, BigInt(n));
    out.len += 8;
  }

  finish(meta: PageMeta): Uint8Array {
    const out = this.out;
    new DataView(out.buf.buffer).setUint32(this.countAt, this.count);
    for (const name of ["next_offset", "high_watermark", "log_start_offset"] as const) {
      out.bytes(NAMES[name]!);
      this.int(meta[name]);
    }
    if (meta.last_stable_offset !== undefined) {
      out.buf[0] = 0x85; // the page's map has a fifth entry (read_committed)
      out.bytes(NAMES.last_stable_offset!);
      this.int(meta.last_stable_offset);
    }
    return out.done();
  }
}
