// MessagePack fetch pages written as bytes (fetch-body.ts has the JSON form and the buffer):
// msgpackRecord's map per record — offset, timestamp, key, value, headers — with the field names
// encoded once, instead of @msgpack/msgpack walking one object per record.
import type { DecodedRecord, Header } from "../../core/batch/record-batch.ts";
import { Bytes, type PageMeta } from "./fetch-body.ts";
import { headersOf, type PageSink, type RecordAt } from "./fetch-records.ts";
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

/** A fetch page record's opener: a map of 5, "offset"; a group poll's has 7 entries, topic and partition first (groups/poll-page.ts). */
export const MSGPACK_OPENER = Uint8Array.of(0x85, ...NAMES.offset!);

export class MsgpackPageWriter implements PageSink {
  private out: Bytes;
  private count = 0;
  private countAt = -1;
  /** What each record starts with, up to its offset (the WASM renderer writes the same). */
  opener: Uint8Array = MSGPACK_OPENER;

  /**
   * `sizeHint`: the stored bytes of the page, to size the buffer once. `head`: the answer up to
   * its records array's first record, the array's header included (a group poll knows its
   * count); without it a fetch page's, whose array 32 length finish() patches in.
   */
  constructor(sizeHint = 0, head?: Uint8Array) {
    this.out = new Bytes(sizeHint * 1.5 + (head?.length ?? 0));
    const out = this.out;
    if (head !== undefined) {
      out.bytes(head);
      return;
    }
    out.byte(0x84);
    out.bytes(NAMES.records!);
    // array 32, its length patched in by finish()
    out.byte(0xdd);
    this.countAt = out.len;
    out.ascii("\0\0\0\0");
  }

  /** Records on the page so far. */
  get records(): number {
    return this.count;
  }

  /** `n` records rendered elsewhere as this writer writes them (fetch-page-wasm.ts), appended. */
  rendered(bytes: Uint8Array, n: number): void {
    this.out.bytes(bytes);
    this.count += n;
  }

  add(r: DecodedRecord): void {
    const key = r.key ?? NONE;
    const value = r.value ?? NONE;
    this.record(r.offset, r.timestamp, key, 0, r.key === null ? -1 : key.length, value, 0, r.value === null ? -1 : value.length);
    this.headers(r.headers);
  }

  addAt(r: RecordAt): void {
    const src = r.src;
    this.record(r.offset, r.timestamp, src, r.keyAt, r.keyLen, src, r.valueAt, r.valueLen);
    if (r.headerCount === 0) this.out.buf[this.out.len++] = 0x80;
    else this.headers(headersOf(r));
  }

  /**
   * The record's map up to the headers' name, with one reserve (room for an empty map after it);
   * a length of -1 is null.
   */
  private record(offset: number, timestamp: number, ks: Uint8Array, ka: number, kn: number, vs: Uint8Array, va: number, vn: number): void {
    const out = this.out;
    const opener = this.opener;
    out.reserve(RECORD_ROOM + opener.length + Math.max(kn, 0) + Math.max(vn, 0));
    const buf = out.buf;
    let at = out.len;
    this.count++;
    at = put(opener, buf, at);
    at = writeInt(buf, at, offset);
    at = put(NAMES.timestamp!, buf, at);
    at = writeInt(buf, at, timestamp);
    at = put(NAMES.key!, buf, at);
    at = writeBin(buf, at, ks, ka, kn);
    at = put(NAMES.value!, buf, at);
    at = writeBin(buf, at, vs, va, vn);
    at = put(NAMES.headers!, buf, at);
    out.len = at;
  }

  private headers(list: Header[]): void {
    const out = this.out;
    if (list.length === 0) return out.byte(0x80);
    const headers: Record<string, Uint8Array | null> = {};
    for (const [k, v] of list) setOwn(headers, k, v);
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
    out.reserve(5 + (b === null ? 0 : b.length));
    out.len = writeBin(out.buf, out.len, b ?? NONE, 0, b === null ? -1 : b.length);
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
    out.reserve(9);
    out.len = writeInt(out.buf, out.len, n);
  }

  /** The answer: everything written, then `tail` (the entries after the records). */
  end(tail: Uint8Array): Uint8Array {
    this.out.bytes(tail);
    return this.out.done();
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

const NONE = new Uint8Array(0);
// Room for a record's map besides its key and value bytes: names, two integers of up to 9
// bytes, two bin headers of up to 5, and the empty headers map.
const RECORD_ROOM = 80;

/** Copies a short constant into `buf` at `at` (room reserved); returns the index after it. */
function put(c: Uint8Array, buf: Uint8Array, at: number): number {
  for (let i = 0; i < c.length; i++) buf[at + i] = c[i]!;
  return at + c.length;
}

function u32(buf: Uint8Array, at: number, n: number): number {
  buf[at] = n >>> 24;
  buf[at + 1] = (n >>> 16) & 0xff;
  buf[at + 2] = (n >>> 8) & 0xff;
  buf[at + 3] = n & 0xff;
  return at + 4;
}

/** src[start, start + n) as bin 8/16/32, or nil when n is -1; room for n + 5 bytes reserved. */
function writeBin(buf: Uint8Array, at: number, src: Uint8Array, start: number, n: number): number {
  if (n < 0) {
    buf[at] = 0xc0;
    return at + 1;
  }
  if (n < 0x100) {
    buf[at++] = 0xc4;
    buf[at++] = n;
  } else if (n < 0x10000) {
    buf[at++] = 0xc5;
    buf[at++] = n >>> 8;
    buf[at++] = n & 0xff;
  } else {
    buf[at++] = 0xc6;
    at = u32(buf, at, n);
  }
  // set() costs a call into the runtime (and a subarray); a short copy is cheaper as a loop.
  if (n > 24) buf.set(src.subarray(start, start + n), at);
  else for (let i = 0; i < n; i++) buf[at + i] = src[start + i]!;
  return at + n;
}

/**
 * `n` in its smallest MessagePack integer form; room for 9 bytes reserved. A number past 2^53 (an
 * offset or timestamp the reader has rounded) is a float 64, as @msgpack/msgpack writes it (the
 * object path the poll and fetch answers replaced), the same number to any decoder.
 */
function writeInt(buf: Uint8Array, at: number, n: number): number {
  if (!Number.isSafeInteger(n)) {
    buf[at] = 0xcb;
    new DataView(buf.buffer, buf.byteOffset + at + 1, 8).setFloat64(0, n);
    return at + 9;
  }
  if (n >= 0) {
    if (n < 0x80) {
      buf[at] = n;
      return at + 1;
    }
    if (n < 0x100) {
      buf[at] = 0xcc;
      buf[at + 1] = n;
      return at + 2;
    }
    if (n < 0x10000) {
      buf[at] = 0xcd;
      buf[at + 1] = n >>> 8;
      buf[at + 2] = n & 0xff;
      return at + 3;
    }
    if (n < 0x100000000) {
      buf[at] = 0xce;
      return u32(buf, at + 1, n);
    }
    buf[at] = 0xcf;
    return u32(buf, u32(buf, at + 1, Math.floor(n / 0x100000000)), n >>> 0);
  }
  if (n >= -0x20) {
    buf[at] = n & 0xff;
    return at + 1;
  }
  if (n >= -0x80) {
    buf[at] = 0xd0;
    buf[at + 1] = n & 0xff;
    return at + 2;
  }
  if (n >= -0x8000) {
    buf[at] = 0xd1;
    buf[at + 1] = (n >> 8) & 0xff;
    buf[at + 2] = n & 0xff;
    return at + 3;
  }
  if (n >= -0x80000000) {
    buf[at] = 0xd2;
    return u32(buf, at + 1, n >>> 0);
  }
  buf[at] = 0xd3;
  new DataView(buf.buffer, buf.byteOffset + at + 1, 8).setBigInt64(0, BigInt(n));
  return at + 9;
}
