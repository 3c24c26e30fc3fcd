// Fetch answers written as bytes, one record at a time, instead of building an object per record
// and serialising the whole page at the end. The JSON form is the one record-view.ts defines
// (jsonRecord) and says the same: a value whose bytes are JSON text is placed as those bytes
// (json-validator.ts), so JSON produced as JSON comes back without a parse and a re-serialisation;
// only values the validator leaves undecided (a leading BOM, nesting past its limit, an integer
// of more than 15 digits) take jsonRecord's decode-and-parse path (parseJsonValue), which also
// shows JSON with an integer a double cannot hold as value_b64. Opaque values are base64 written
// in place. MessagePack pages: msgpack-page.ts.
import type { DecodedRecord, Header } from "../../core/batch/record-batch.ts";
import { base64, base64Length, writeBase64 } from "./base64.ts";
import { JSON_TEXT, NOT_JSON, jsonVerdict } from "./json-validator.ts";
import { headersOf, type PageSink, type RecordAt } from "./fetch-records.ts";
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

/**
 * Writes `n` in decimal at `at` (room for 24 bytes), as JSON.stringify writes it; returns the index
 * after it. In 32-bit pieces of eight digits: String(n) for a 13-digit timestamp runs the general
 * double-to-text algorithm.
 */
export function writeInt(buf: Uint8Array, at: number, n: number): number {
  if (!Number.isSafeInteger(n)) {
    const s = String(n);
    for (let i = 0; i < s.length; i++) buf[at++] = s.charCodeAt(i);
    return at;
  }
  if (n < 0) {
    buf[at++] = 0x2d;
    n = -n;
  }
  if (n < 1e8) return digits(buf, at, n);
  const hi = Math.floor(n / 1e8); // < 1e8 for a safe integer
  at = digits(buf, at, hi);
  let lo = (n - hi * 1e8) | 0;
  for (let k = at + 6; k >= at; k -= 2) {
    const q = (lo / 100) | 0;
    const d = (lo - q * 100) << 1;
    buf[k] = DIGIT_PAIRS[d]!;
    buf[k + 1] = DIGIT_PAIRS[d + 1]!;
    lo = q;
  }
  return at + 8;
}

// "00" to "99": two digits per division.
const DIGIT_PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  DIGIT_PAIRS[2 * i] = 0x30 + ((i / 10) | 0);
  DIGIT_PAIRS[2 * i + 1] = 0x30 + (i % 10);
}

/** Writes `v` (0 ≤ v < 1e8) in decimal at `at`; returns the index after it. */
function digits(buf: Uint8Array, at: number, v: number): number {
  v |= 0;
  const n = v < 10 ? 1 : v < 100 ? 2 : v < 1e3 ? 3 : v < 1e4 ? 4 : v < 1e5 ? 5 : v < 1e6 ? 6 : v < 1e7 ? 7 : 8;
  let k = at + n;
  while (v >= 100) {
    const q = (v / 100) | 0;
    const d = (v - q * 100) << 1;
    buf[k - 2] = DIGIT_PAIRS[d]!;
    buf[k - 1] = DIGIT_PAIRS[d + 1]!;
    k -= 2;
    v = q;
  }
  if (v >= 10) {
    buf[k - 2] = DIGIT_PAIRS[v << 1]!;
    buf[k - 1] = DIGIT_PAIRS[(v << 1) + 1]!;
  } else buf[k - 1] = 0x30 + v;
  return at + n;
}

/** True when b[start, end) can sit between quotes as is: printable ASCII without `"` or `\`. */
function plainAscii(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

/** Copies a short constant into `buf` at `at` (room reserved); returns the index after it. */
function put(c: Uint8Array, buf: Uint8Array, at: number): number {
  for (let i = 0; i < c.length; i++) buf[at + i] = c[i]!;
  return at + c.length;
}

/** Copies src[start, start + n) into `buf` at `at` (room reserved); returns the index after it. */
function copy(src: Uint8Array, start: number, n: number, buf: Uint8Array, at: number): number {
  // set() costs a call into the runtime (and a subarray); a short copy is cheaper as a loop.
  if (n > 24) buf.set(src.subarray(start, start + n), at);
  else for (let i = 0; i < n; i++) buf[at + i] = src[start + i]!;
  return at + n;
}

/** A fetch page record's opener; a group poll's names its topic and partition first (groups/poll-page.ts). */
export const JSON_OPENER = utf8.encode('{"offset":');
const PAGE_HEAD = utf8.encode('{"records":[');
const TIMESTAMP = utf8.encode(',"timestamp":');
const VALUE = utf8.encode('"value":');
const KEY = utf8.encode('"key":');
const KEY_NULL = utf8.encode('"key":null,');
const KEY_QUOTE = utf8.encode('"key":"');
const QUOTE_COMMA = utf8.encode('",');
const VALUE_NULL = utf8.encode('"value":null,');
const NO_HEADERS = utf8.encode('"headers":{}}');
const KEY_B64 = utf8.encode('"key_b64":"');
const VALUE_B64 = utf8.encode('"value_b64":"');
// Room for everything a record writes unchecked besides its key and value: the names, two
// integers of up to 24 characters, separators.
const RECORD_ROOM = 128;

/**
 * A JSON fetch page. addAt (the fetch route, over fetch-records.ts) and add (a decoded record)
 * write the same bytes; the common record — no headers, a null or ASCII key, a value that is
 * JSON text or opaque — is written with one reserve and no allocation.
 */
export class JsonPageWriter implements PageSink {
  private out: Bytes;
  private count = 0;
  /** What each record starts with, up to its offset's digits (the WASM renderer writes the same). */
  opener: Uint8Array = JSON_OPENER;

  /**
   * `sizeHint`: the stored bytes of the page, to size the buffer once. `head`: the answer up to
   * its records array's first record (a fetch page's `{"records":[` unless given).
   */
  constructor(sizeHint = 0, head: Uint8Array = PAGE_HEAD) {
    this.out = new Bytes(sizeHint * 2 + head.length);
    this.out.bytes(head);
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
    if (r.headerCount === 0) {
      const out = this.out;
      out.len = put(NO_HEADERS, out.buf, out.len);
    } else this.headers(headersOf(r));
  }

  /** Everything up to the headers; a length of -1 is null. Leaves room for NO_HEADERS. */
  private record(offset: number, timestamp: number, ks: Uint8Array, ka: number, kn: number, vs: Uint8Array, va: number, vn: number): void {
    const out = this.out;
    // base64 is 4/3 of its input, a JSON value its own length: twice both is enough.
    const opener = this.opener;
    out.reserve(RECORD_ROOM + opener.length + 2 * (Math.max(kn, 0) + Math.max(vn, 0)));
    const buf = out.buf;
    let at = out.len;
    if (this.count++ > 0) buf[at++] = 0x2c;
    at = put(opener, buf, at);
    at = writeInt(buf, at, offset);
    at = put(TIMESTAMP, buf, at);
    at = writeInt(buf, at, timestamp);
    buf[at++] = 0x2c;
    if (kn < 0) at = put(KEY_NULL, buf, at);
    else if (plainAscii(ks, ka, ka + kn)) {
      at = put(KEY_QUOTE, buf, at);
      at = copy(ks, ka, kn, buf, at);
      at = put(QUOTE_COMMA, buf, at);
    } else {
      out.len = at;
      this.keyText(ks.subarray(ka, ka + kn));
      out.reserve(RECORD_ROOM + 2 * Math.max(vn, 0));
      at = out.len;
    }
    // `buf`, unless keyText grew the buffer.
    const vbuf = out.buf;
    if (vn < 0) at = put(VALUE_NULL, vbuf, at);
    else {
      const verdict = jsonVerdict(vs, va, va + vn);
      if (verdict === JSON_TEXT) {
        at = put(VALUE, vbuf, at);
        at = copy(vs, va, vn, vbuf, at);
        vbuf[at++] = 0x2c;
      } else {
        const json = verdict === NOT_JSON ? undefined : parseJsonValue(vs.subarray(va, va + vn));
        if (json) {
          out.len = at;
          out.bytes(VALUE);
          out.text(JSON.stringify(json.parsed));
          out.byte(0x2c);
          at = out.len;
        } else {
          at = put(VALUE_B64, vbuf, at);
          at = writeBase64(vs, vbuf, at, va, va + vn);
          vbuf[at++] = 0x22;
          vbuf[at++] = 0x2c;
        }
      }
    }
    out.len = at;
    out.reserve(NO_HEADERS.length);
  }

  /** A key that is not plain ASCII: a JSON string when UTF-8, else key_b64. */
  private keyText(key: Uint8Array): void {
    const out = this.out;
    const text = utf8OrUndefined(key);
    if (text !== undefined) {
      out.bytes(KEY);
      out.text(JSON.stringify(text));
      return out.byte(0x2c);
    }
    out.bytes(KEY_B64);
    out.reserve(base64Length(key.length) + 2);
    out.len = writeBase64(key, out.buf, out.len);
    out.byte(0x22);
    out.byte(0x2c);
  }

  private headers(headers: Header[]): void {
    const out = this.out;
    if (headers.length === 0) return out.bytes(NO_HEADERS);
    // Few records carry headers; jsonRecord's object keeps its rules (last duplicate wins,
    // integer-like names first, __proto__ an own member) without restating them here.
    const shown: Record<string, string> = {};
    let headersB64: Record<string, string> | undefined;
    for (const [k, v] of headers) {
      if (v === null) continue;
      const text = utf8OrUndefined(v);
      if (text !== undefined) setOwn(shown, k, text);
      else setOwn((headersB64 ??= {}), k, base64(v));
    }
    out.ascii('"headers":');
    out.text(JSON.stringify(shown));
    if (headersB64) {
      out.ascii(',"headers_b64":');
      out.text(JSON.stringify(headersB64));
    }
    out.byte(0x7d);
  }

  /** The answer: everything written, then `tail` (what follows the records, from the array's `]`). */
  end(tail: Uint8Array): Uint8Array {
    this.out.bytes(tail);
    return this.out.done();
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

const NONE = new Uint8Array(0);
