// Fetch answers written as bytes, one record at a time, instead of building an object per record
// and serialising the whole page at the end. The JSON form is the one record-view.ts defines
// (jsonRecord) and says the same: a value whose bytes are JSON text is placed as those bytes
// (json-validator.ts), so JSON produced as JSON comes back without a parse and a re-serialisation;
// only values the validator leaves undecided (a leading BOM, nesting past its limit, an integer
// of more than 15 digits) take jsonRecord's decode-and-parse path (parseJsonValue), which also
// shows JSON with an integer a double cannot hold as value_b64. Opaque values are base64 written
// in place. MessagePack pages: msgpack-page.ts.
import type { DecodedRecord } from "../../core/batch/record-batch.ts";
import { base64, base64Length, writeBase64 } from "./base64.ts";
import { JSON_TEXT, NOT_JSON, jsonVerdict } from "./json-validator.ts";
import { parseJsonValue, setOwn, utf8OrUndefined } from "./record-view.ts";

const utf8 = new TextEncoder();

export interface PageMeta {
  next_offset: number;
  high_watermark: number;
  log_start_offset: number;
  /** read_committed reads only: the partition's last stable offset. */
  last_stable_offset?: number;
}

/** A growable byte buffer. */
export class Bytes {
  buf: Uint8Array;
  len = 0;

  constructor(size: number) {
    this.buf = new Uint8Array(Math.max(4096, size));
  }

  reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(c: number): void {
    this.reserve(1);
    this.buf[this.len++] = c;
  }

  bytes(b: Uint8Array): void {
    const n = b.length;
    this.reserve(n);
    // set() costs a call into the runtime; a short copy is cheaper as a loop.
    if (n > 24) this.buf.set(b, this.len);
    else for (let i = 0, at = this.len; i < n; i++) this.buf[at + i] = b[i]!;
    this.len += n;
  }

  /**
   * An integer (offsets, timestamps) in decimal, as JSON.stringify writes it. In 32-bit pieces of
   * eight digits: String(n) for a 13-digit timestamp runs the general double-to-text algorithm.
   */
  int(n: number): void {
    if (!Number.isSafeInteger(n)) return this.ascii(String(n));
    this.reserve(17);
    const buf = this.buf;
    let at = this.len;
    if (n < 0) {
      buf[at++] = 0x2d;
      n = -n;
    }
    if (n < 1e8) at = digits(buf, at, n);
    else {
      const hi = Math.floor(n / 1e8); // < 1e8 for a safe integer
      at = digits(buf, at, hi);
      let lo = n - hi * 1e8;
      for (let k = at + 7; k >= at; k--) {
        const q = (lo / 10) | 0;
        buf[k] = 0x30 + lo - q * 10;
        lo = q;
      }
      at += 8;
    }
    this.len = at;
  }

  /** ASCII text (fixed names, base64): one byte per character. */
  ascii(s: string): void {
    this.reserve(s.length);
    const { buf } = this;
    let at = this.len;
    for (let i = 0; i < s.length; i++) buf[at++] = s.charCodeAt(i);
    this.len = at;
  }

  text(s: string): void {
    this.reserve(s.length * 3);
    this.len += utf8.encodeInto(s, this.buf.subarray(this.len)).written;
  }

  done(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

/** Writes `v` (0 ≤ v < 1e8) in decimal at `at`; returns the index after it. */
function digits(buf: Uint8Array, at: number, v: number): number {
  const n = v < 10 ? 1 : v < 100 ? 2 : v < 1e3 ? 3 : v < 1e4 ? 4 : v < 1e5 ? 5 : v < 1e6 ? 6 : v < 1e7 ? 7 : 8;
  for (let k = at + n - 1; k >= at; k--) {
    const q = (v / 10) | 0;
    buf[k] = 0x30 + v - q * 10;
    v = q;
  }
  return at + n;
}

/** True when `b` can sit between quotes as is: printable ASCII without `"` or `\`. */
function plainAscii(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

const OFFSET = utf8.encode('{"offset":');
const TIMESTAMP = utf8.encode(',"timestamp":');
const VALUE = utf8.encode('"value":');
const KEY = utf8.encode('"key":');
const KEY_NULL = utf8.encode('"key":null,');
const KEY_QUOTE = utf8.encode('"key":"');
const QUOTE_COMMA = utf8.encode('",');
const VALUE_NULL = utf8.encode('"value":null,');
const NO_HEADERS = utf8.encode('"headers":{}}');

export class JsonPageWriter {
  private out: Bytes;
  private count = 0;

  /** `sizeHint`: the stored bytes of the page, to size the buffer once. */
  constructor(sizeHint = 0) {
    this.out = new Bytes(sizeHint * 2);
    this.out.ascii('{"records":[');
  }

  add(r: DecodedRecord): void {
    const out = this.out;
    if (this.count++ > 0) out.byte(0x2c);
    out.bytes(OFFSET);
    out.int(r.offset);
    out.bytes(TIMESTAMP);
    out.int(r.timestamp);
    out.byte(0x2c);
    this.key(r.key);
    this.value(r.value);
    if (r.headers.length === 0) out.bytes(NO_HEADERS);
    else {
      // Few records carry headers; jsonRecord's object keeps its rules (last duplicate wins,
      // integer-like names first, __proto__ an own member) without restating them here.
      const headers: Record<string, string> = {};
      let headersB64: Record<string, string> | undefined;
      for (const [k, v] of r.headers) {
        if (v === null) continue;
        const text = utf8OrUndefined(v);
        if (text !== undefined) setOwn(headers, k, text);
        else setOwn((headersB64 ??= {}), k, base64(v));
      }
      out.ascii('"headers":');
      out.text(JSON.stringify(headers));
      if (headersB64) {
        out.ascii(',"headers_b64":');
        out.text(JSON.stringify(headersB64));
      }
      out.byte(0x7d);
    }
  }

  private key(key: Uint8Array | null): void {
    const out = this.out;
    if (key === null) return out.bytes(KEY_NULL);
    if (plainAscii(key)) {
      out.bytes(KEY_QUOTE);
      out.bytes(key);
      return out.bytes(QUOTE_COMMA);
    }
    const text = utf8OrUndefined(key);
    if (text !== undefined) {
      out.bytes(KEY);
      out.text(JSON.stringify(text));
      return out.byte(0x2c);
    }
    this.b64("key_b64", key);
    out.byte(0x2c);
  }

  private value(value: Uint8Array | null): void {
    const out = this.out;
    if (value === null) return out.bytes(VALUE_NULL);
    const verdict = jsonVerdict(value);
    if (verdict === JSON_TEXT) {
      out.bytes(VALUE);
      out.bytes(value);
      return out.byte(0x2c);
    }
    const json = verdict === NOT_JSON ? undefined : parseJsonValue(value);
    if (json) {
      out.bytes(VALUE);
      out.text(JSON.stringify(json.parsed));
      return out.byte(0x2c);
    }
    this.b64("value_b64", value);
    out.byte(0x2c);
  }

  private b64(name: string, bytes: Uint8Array): void {
    const out = this.out;
    out.ascii(`"${name}":"`);
    out.reserve(base64Length(bytes.length) + 1);
    out.len = writeBase64(bytes, out.buf, out.len);
    out.byte(0x22);
  }

  finish(meta: PageMeta): Uint8Array {
    this.out.ascii(
      `],"next_offset":${meta.next_offset},"high_watermark":${meta.high_watermark},"log_start_offset":${meta.log_start_offset}${
        meta.last_stable_offset === undefined ? "" : `,"last_stable_offset":${meta.last_stable_offset}`
      }}`,
    );
    return this.out.done();
  }
}
