// The common records of a JSON or MessagePack fetch page, rendered here instead of record by
// record in JS (src/http/log/fetch-page-wasm.ts calls this; the JS page writers,
// src/http/log/fetch-body.ts and msgpack-page.ts, stay the reference and write the same bytes).
//
// One call walks the records of one records section (Kafka RecordBatch v2, the uncompressed
// records of a batch, copied into scratch by the wrapper) from record `index` at `pos`, and
// appends each record at or after `from` to [out, outEnd). The common record is one without
// headers, with a key that is null or (JSON) not starting with a byte-order mark, a value that is
// null, opaque bytes or (JSON) JSON text the validator decides (json-text.ts), and an offset and
// timestamp that are safe integers. Anything else — headers, a key with a byte-order mark, a
// value left undecided, a varint longer than 4 bytes, any field out of bounds — stops the walk AT
// that record (FALLBACK): the wrapper renders it with the JS writer, whose record walk
// (src/http/log/fetch-records.ts) also throws the same error for a malformed one, and resumes
// here after it. So this file never judges a record malformed; it only says "not mine".
//
// Each record opens with the page's opener, written by the wrapper into OPENER (pageOpener()):
// a fetch page's `{"offset":` (MessagePack: a map of 5 and "offset"), a group poll's
// `{"topic":…,"partition":N,"offset":` (a map of 7 with those two entries first;
// src/http/groups/poll-page.ts), so one renderer serves both answers.
//
// The RESULT block after each call: u32 pos (the record the walk stopped at, or the end of the
// last one walked), i32 index (its index in the batch), i32 rendered (records appended), u32 out
// (end of the output), f64 afterLast (offset + 1 of the last record appended).

import { JSON_TEXT, NOT_JSON, jsonVerdict, wellFormedUtf8 } from "./json-text";

export const DONE: i32 = 0; // every record of the batch walked
export const FULL: i32 = 1; // `room` records appended and another one is due: the page is full
export const FALLBACK: i32 = 2; // the record at pos is for the JS writer
export const AGAIN: i32 = 3; // the output region is full: copy it out and call again

const RESULT: usize = memory.data(24, 8);
/** The record opener (see above); 8 bytes of slack for copy()'s 8-byte steps. */
const OPENER: usize = memory.data(1024 + 8, 8); // 1,024 bytes at most (the wrapper checks)

// "00" to "99", and base64 (RFC 4648 §4) as the two alphabet bytes of each 12-bit group.
const PAIRS: usize = memory.data(200);
const B64: usize = memory.data(8192, 2);
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
for (let i = 0; i < 100; i++) {
  store<u8>(PAIRS + 2 * i, <u8>(0x30 + i / 10));
  store<u8>(PAIRS + 2 * i + 1, <u8>(0x30 + (i % 10)));
}
for (let i = 0; i < 4096; i++) {
  store<u8>(B64 + 2 * i, <u8>ALPHABET.charCodeAt(i >>> 6));
  store<u8>(B64 + 2 * i + 1, <u8>ALPHABET.charCodeAt(i & 63));
}

// The fixed text of a record, as the JS writers hold it (fetch-body.ts, msgpack-page.ts).
const TEXT: usize = memory.data(512, 8);
let textAt: usize = 0;
function text(s: string): usize {
  const at = TEXT + textAt;
  for (let i = 0; i < s.length; i++) store<u8>(at + i, <u8>s.charCodeAt(i));
  textAt += (<usize>s.length + 7) & ~7;
  return at;
}
const TIMESTAMP = text(',"timestamp":');
const KEY_NULL = text(',"key":null,');
const KEY_QUOTE = text(',"key":"');
const KEY_B64 = text(',"key_b64":"');
const VALUE_NULL = text('"value":null,"headers":{}}');
const VALUE = text('"value":');
const VALUE_B64 = text('"value_b64":"');
const NO_HEADERS = text(',"headers":{}}');
const B64_NO_HEADERS = text('","headers":{}}');
const MP_TIMESTAMP = text("\xa9timestamp");
const MP_KEY = text("\xa3key");
const MP_VALUE = text("\xa5value");
/** fixstr "headers", then the empty map. */
const MP_HEADERS = text("\xa7headers\x80");

// Output room a record needs besides its key and value (JSON: twice both covers base64), as in
// the JS writers' RECORD_ROOM.
const JSON_ROOM: usize = 128;
const MSGPACK_ROOM: usize = 80;

/**
 * Copies n bytes; 8 at a time, so it may write up to 7 bytes past dst + n (every caller has that
 * room: the record's reserve) and read up to 7 past src + n (still inside memory: the section is
 * followed by the output region).
 */
@inline function copy(dst: usize, src: usize, n: usize): usize {
  if (n > 64) memory.copy(dst, src, n);
  else for (let i: usize = 0; i < n; i += 8) store<u64>(dst + i, load<u64>(src + i));
  return dst + n;
}

// The walk's cursor and its "not mine" flag.
let p: usize = 0;
let ok = true;

/** A zigzag varint of at most 4 bytes inside [p, limit) (every delta and length a page holds), else ok = false. */
@inline function varint(limit: usize): i32 {
  let q = p;
  if (q >= limit) {
    ok = false;
    return 0;
  }
  let b = <u32>load<u8>(q);
  let z = b & 0x7f;
  let shift: u32 = 7;
  while (b >= 0x80) {
    q++;
    if (q >= limit || shift > 21) {
      ok = false;
      return 0;
    }
    b = <u32>load<u8>(q);
    z |= (b & 0x7f) << shift;
    shift += 7;
  }
  p = q + 1;
  return <i32>(z >>> 1) ^ -<i32>(z & 1);
}

/** n (0 ≤ n < 1e8) in decimal at o; returns the end. */
function digits(o: usize, n: u32): usize {
  const len: usize = n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : n < 1000000 ? 6 : n < 10000000 ? 7 : 8;
  let k = o + len;
  while (n >= 100) {
    const q = n / 100;
    store<u16>(k - 2, load<u16>(PAIRS + ((n - q * 100) << 1)));
    k -= 2;
    n = q;
  }
  if (n >= 10) store<u16>(k - 2, load<u16>(PAIRS + (n << 1)));
  else store<u8>(k - 1, <u8>(0x30 + n));
  return o + len;
}

/** A safe integer in decimal, as JSON.stringify writes it. */
function decimal(o: usize, v: f64): usize {
  if (v < 0) {
    store<u8>(o++, 0x2d);
    v = -v;
  }
  const n = <u64>v;
  if (n < 100000000) return digits(o, <u32>n);
  const hi = <u32>(n / 100000000); // < 1e8 for a safe integer
  o = digits(o, hi);
  let lo = <u32>(n - <u64>hi * 100000000);
  for (let k: isize = 6; k >= 0; k -= 2) {
    const q = lo / 100;
    store<u16>(o + k, load<u16>(PAIRS + ((lo - q * 100) << 1)));
    lo = q;
  }
  return o + 8;
}

@inline function be16(o: usize, n: u32): void {
  store<u16>(o, <u16>(((n >> 8) & 0xff) | ((n & 0xff) << 8)));
}

@inline function be32(o: usize, n: u32): void {
  store<u32>(o, bswap<u32>(n));
}

/** A safe integer in its smallest MessagePack form (msgpack spec, "int format family"). */
function mpInt(o: usize, v: f64): usize {
  const n = <i64>v;
  if (n >= 0) {
    if (n < 0x80) {
      store<u8>(o, <u8>n);
      return o + 1;
    }
    if (n < 0x100) {
      store<u8>(o, 0xcc);
      store<u8>(o + 1, <u8>n);
      return o + 2;
    }
    if (n < 0x10000) {
      store<u8>(o, 0xcd);
      be16(o + 1, <u32>n);
      return o + 3;
    }
    if (n < 0x100000000) {
      store<u8>(o, 0xce);
      be32(o + 1, <u32>n);
      return o + 5;
    }
    store<u8>(o, 0xcf);
    store<u64>(o + 1, bswap<u64>(<u64>n));
    return o + 9;
  }
  if (n >= -0x20) {
    store<u8>(o, <u8>n);
    return o + 1;
  }
  if (n >= -0x80) {
    store<u8>(o, 0xd0);
    store<u8>(o + 1, <u8>n);
    return o + 2;
  }
  if (n >= -0x8000) {
    store<u8>(o, 0xd1);
    be16(o + 1, <u32>n);
    return o + 3;
  }
  if (n >= -0x80000000) {
    store<u8>(o, 0xd2);
    be32(o + 1, <u32>n);
    return o + 5;
  }
  store<u8>(o, 0xd3);
  store<u64>(o + 1, bswap<u64>(<u64>n));
  return o + 9;
}

/** [src, src + n) as bin 8/16/32 (n ≥ 0). */
function mpBin(o: usize, src: usize, n: usize): usize {
  if (n < 0x100) {
    store<u8>(o, 0xc4);
    store<u8>(o + 1, <u8>n);
    o += 2;
  } else if (n < 0x10000) {
    store<u8>(o, 0xc5);
    be16(o + 1, <u32>n);
    o += 3;
  } else {
    store<u8>(o, 0xc6);
    be32(o + 1, <u32>n);
    o += 5;
  }
  return copy(o, src, n);
}

/** Base64 with padding (RFC 4648 §4) of [src, src + n) at o. */
function base64(o: usize, src: usize, n: usize): usize {
  const whole = src + n - (n % 3);
  let i = src;
  for (; i < whole; i += 3) {
    const t = (<u32>load<u8>(i) << 16) | (<u32>load<u8>(i + 1) << 8) | <u32>load<u8>(i + 2);
    store<u16>(o, load<u16>(B64 + ((t >> 12) << 1)));
    store<u16>(o + 2, load<u16>(B64 + ((t & 4095) << 1)));
    o += 4;
  }
  const left = n % 3;
  if (left != 0) {
    const t = (<u32>load<u8>(i) << 16) | (left == 2 ? <u32>load<u8>(i + 1) << 8 : 0);
    store<u16>(o, load<u16>(B64 + ((t >> 12) << 1)));
    store<u8>(o + 2, left == 2 ? load<u8>(B64 + (((t >> 6) & 63) << 1) + 1) : 0x3d);
    store<u8>(o + 3, 0x3d);
    o += 4;
  }
  return o;
}

/**
 * UTF-8 text [a, a + n) between quotes as JSON.stringify writes it (ECMA-262 QuoteJSONString):
 * `"` and `\` escaped, \b \t \n \f \r for those controls, \u00xx (lowercase hex) for the
 * other controls below 0x20, every other byte as it is (well-formed UTF-8 has no lone surrogate).
 */
function quoted(o: usize, a: usize, n: usize): usize {
  for (let i = a; i < a + n; i++) {
    const c = <u32>load<u8>(i);
    if (c >= 0x20 && c != 0x22 && c != 0x5c) {
      store<u8>(o++, <u8>c);
      continue;
    }
    store<u8>(o++, 0x5c);
    const short: u32 = c == 0x22 ? 0x22 : c == 0x5c ? 0x5c : c == 0x08 ? 0x62 : c == 0x09 ? 0x74 : c == 0x0a ? 0x6e : c == 0x0c ? 0x66 : c == 0x0d ? 0x72 : 0;
    if (short != 0) store<u8>(o++, <u8>short);
    else {
      store<u32>(o, 0x30303075); // u00
      store<u8>(o + 3, <u8>(0x30 + (c >> 4)));
      const low = c & 15;
      store<u8>(o + 4, <u8>(low < 10 ? 0x30 + low : 0x57 + low));
      o += 5;
    }
  }
  return o;
}

/** True when [a, a + n) can sit between quotes as is: printable ASCII without `"` or `\`. */
function plainAscii(a: usize, n: usize): bool {
  for (let i = a; i < a + n; i++) {
    const c = load<u8>(i);
    if (c < 0x20 || c > 0x7e || c == 0x22 || c == 0x5c) return false;
  }
  return true;
}

const MAX_SAFE: f64 = 9007199254740991;

@inline function safe(v: f64): bool {
  return Math.abs(v) <= MAX_SAFE && Math.trunc(v) == v;
}

function finish(status: i32, pos: usize, index: i32, rendered: i32, out: usize, afterLast: f64): i32 {
  store<u32>(RESULT, <u32>pos);
  store<i32>(RESULT, index, 4);
  store<i32>(RESULT, rendered, 8);
  store<u32>(RESULT, <u32>out, 12);
  store<f64>(RESULT, afterLast, 16);
  return status;
}

export function pageResult(): usize {
  return RESULT;
}

export function pageOpener(): usize {
  return OPENER;
}

/**
 * Walks records index .. count - 1 of the section ending at `end`, from `pos`; JSON when `json`,
 * else MessagePack. `written`: records already on the page (JSON: a comma before the next one).
 * `openLen`: the length of the opener at OPENER (at most 1,024).
 */
export function renderRecords(
  json: bool, pos: usize, end: usize, index: i32, count: i32, baseOffset: f64, firstTimestamp: f64,
  maxTimestamp: f64, logAppendTime: bool, from: f64, room: i32, written: i32, out: usize, outEnd: usize, openLen: usize,
): i32 {
  const outStart = out;
  let rendered: i32 = 0;
  let afterLast: f64 = NaN;
  p = pos;
  ok = true;
  for (; index < count; index++) {
    const at = p;
    // The record (RecordBatch v2): length, attributes, timestampDelta, offsetDelta, key, value, headers.
    const length = varint(end);
    const body = p;
    if (!ok || length < 0 || <usize>length > end - body) return finish(FALLBACK, at, index, rendered, out, afterLast);
    const recordEnd = body + <usize>length;
    p++;
    const timestampDelta = varint(recordEnd);
    const offsetDelta = varint(recordEnd);
    const keyLen = varint(recordEnd);
    const keyAt = p;
    if (ok && keyLen > 0) {
      if (<usize>keyLen > recordEnd - p) ok = false;
      else p += <usize>keyLen;
    }
    const valueLen = varint(recordEnd);
    const valueAt = p;
    if (ok && valueLen > 0) {
      if (<usize>valueLen > recordEnd - p) ok = false;
      else p += <usize>valueLen;
    }
    const headerCount = varint(recordEnd);
    if (!ok || keyLen < -1 || valueLen < -1 || headerCount != 0 || p != recordEnd) return finish(FALLBACK, at, index, rendered, out, afterLast);

    const offset = baseOffset + <f64>offsetDelta;
    if (offset < from) continue;
    if (rendered >= room) return finish(FULL, at, index, rendered, out, afterLast);
    const timestamp = logAppendTime ? maxTimestamp : firstTimestamp + <f64>timestampDelta;
    if (!safe(offset) || !safe(timestamp)) return finish(FALLBACK, at, index, rendered, out, afterLast);
    const kn: usize = keyLen < 0 ? 0 : <usize>keyLen;
    const vn: usize = valueLen < 0 ? 0 : <usize>valueLen;
    // A JSON key takes up to six bytes per byte (\u00XX), base64 4/3 and 4 more (in JSON_ROOM).
    const need = (json ? JSON_ROOM + 6 * kn + 2 * vn : MSGPACK_ROOM + kn + vn) + openLen;
    if (need > outEnd - out) return finish(out == outStart ? FALLBACK : AGAIN, at, index, rendered, out, afterLast);

    let o = out;
    if (json) {
      if (written + rendered > 0) store<u8>(o++, 0x2c);
      o = copy(o, OPENER, openLen);
      o = decimal(o, offset);
      o = copy(o, TIMESTAMP, 13);
      o = decimal(o, timestamp);
      if (keyLen < 0) o = copy(o, KEY_NULL, 12);
      else {
        // The JS writer decodes a key with a TextDecoder that drops a leading byte-order mark.
        if (kn >= 3 && load<u8>(keyAt) == 0xef && load<u8>(keyAt + 1) == 0xbb && load<u8>(keyAt + 2) == 0xbf) {
          return finish(FALLBACK, at, index, rendered, out, afterLast);
        }
        if (plainAscii(keyAt, kn)) {
          o = copy(o, KEY_QUOTE, 8);
          o = copy(o, keyAt, kn);
        } else if (wellFormedUtf8(keyAt, keyAt + kn)) {
          o = copy(o, KEY_QUOTE, 8);
          o = quoted(o, keyAt, kn);
        } else {
          o = copy(o, KEY_B64, 12);
          o = base64(o, keyAt, kn);
        }
        store<u16>(o, 0x2c22); // ",
        o += 2;
      }
      if (valueLen < 0) o = copy(o, VALUE_NULL, 26);
      else {
        const verdict = jsonVerdict(valueAt, valueAt + vn);
        if (verdict == JSON_TEXT) {
          o = copy(o, VALUE, 8);
          o = copy(o, valueAt, vn);
          o = copy(o, NO_HEADERS, 14);
        } else if (verdict == NOT_JSON) {
          o = copy(o, VALUE_B64, 13);
          o = base64(o, valueAt, vn);
          o = copy(o, B64_NO_HEADERS, 15);
        } else return finish(FALLBACK, at, index, rendered, out, afterLast);
      }
    } else {
      o = copy(o, OPENER, openLen);
      o = mpInt(o, offset);
      o = copy(o, MP_TIMESTAMP, 10);
      o = mpInt(o, timestamp);
      o = copy(o, MP_KEY, 4);
      if (keyLen < 0) store<u8>(o++, 0xc0);
      else o = mpBin(o, keyAt, kn);
      o = copy(o, MP_VALUE, 6);
      if (valueLen < 0) store<u8>(o++, 0xc0);
      else o = mpBin(o, valueAt, vn);
      o = copy(o, MP_HEADERS, 9);
    }
    out = o;
    rendered++;
    afterLast = offset + 1;
  }
  return finish(DONE, p, index, rendered, out, afterLast);
}
