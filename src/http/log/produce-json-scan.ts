// The fast path of a JSON produce body: each record's value is taken from the body's own bytes,
// as a view, and copied once, straight into the record batch — where the general path decodes
// the body, JSON.parses it, and JSON.stringifies and UTF-8-encodes every value again (issue #20:
// that was the largest frame of a JSON produce).
//
// The stored bytes must be exactly what the general path stores: the JSON text JSON.stringify
// gives for the parsed value. So a value's bytes are taken only when they already ARE that text,
// which the scan below proves over the bytes; anything it cannot prove sends the whole body down
// the general path (parseJsonBody + parseProduceBody), which then answers — or refuses — exactly
// as before. A value is its own canonical text (ECMA-262 JSON.stringify / SerializeJSONProperty)
// when it has
//   - no whitespace outside strings;
//   - strings without any backslash escape and without control characters (JSON.stringify writes
//     every other character, non-ASCII included, as it is; well-formed UTF-8, checked once over
//     the whole body, has no lone surrogates, the only ones it would escape);
//   - numbers spelled as Number::toString spells them (short integers are; any other is checked
//     by converting it): `1.0`, `1e3`, `-0`, a non-finite or an inexact integer fall back;
//   - objects without duplicate member names (JSON.parse keeps the last) and without
//     array-index names such as "1" (V8 lists those first when serialising);
//   - nesting within the body's depth limit.
// Everything but `value` (key, key_b64, value_b64, headers, timestamp, partition) is parsed from
// its own few bytes with JSON.parse and checked by the same parseRecord as the general path.
import { MAX_BODY_DEPTH } from "../../core/limits.ts";
import { NULL_SPAN } from "../../core/batch/record-batch.ts";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** Container depth a value may use: the body, `records` and the record already take three. */
const VALUE_DEPTH = MAX_BODY_DEPTH - 3;
const MAX_MEMBERS_CHECKED = 64;
const kinds = new Uint8Array(VALUE_DEPTH + 1);
/** Member names of the open objects, as [start, end) pairs, for the duplicate check. */
let names = new Int32Array(256);
const namesBase = new Int32Array(VALUE_DEPTH + 1);
const counts = new Int32Array(VALUE_DEPTH + 1);
let nonAscii = false;

/** A record with its value still as the bytes of its JSON text (null for a JSON null). */
export interface ScannedRecord {
  fields: Record<string, unknown>;
  /** Present when the record has `value`: its canonical text, or null for a tombstone. */
  value?: Uint8Array | null;
}

// Bytes a canonical string holds as they are (not a quote, backslash or control character):
// 1 for ASCII, 2 for a byte of a non-ASCII character (UTF-8, checked at the end).
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 0x100; c++) PLAIN[c] = c === 0x22 || c === 0x5c ? 0 : c < 0x80 ? 1 : 2;

/** The record fields, as the bytes of their names (escaped names take the general path). */
const FIELD_NAMES = ["value", "key", "key_b64", "value_b64", "headers", "timestamp", "partition"];
const FIELD_BYTES = FIELD_NAMES.map((n) => new TextEncoder().encode(n));

// Bytes of a number or literal token (the field parsers' JSON.parse checks its grammar).
const TOKEN = new Uint8Array(256);
for (const c of "+-.0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TOKEN[c.charCodeAt(0)] = 1;

function ws(b: Uint8Array, i: number): number {
  // Compact bodies have no whitespace at all: the next byte is a token's (above 0x20).
  if (b[i]! > 0x20) return i;
  for (;;) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}

/**
 * The body as 32-bit words, when it starts on a 4-byte boundary (request bodies do: each is its
 * own ArrayBuffer), for plainString's word-at-a-time skip; set for the duration of one scan.
 */
let words: Int32Array | undefined;
let wordsOf: Uint8Array | undefined;

/**
 * Non-zero when a byte of the word is special in a string (a quote, a backslash, below 0x20 or
 * non-ASCII): SWAR tests for "some byte < 0x20", "some byte = c" and the high bits (exact as
 * existence tests).
 */
function special(x: number): number {
  const quote = x ^ 0x22222222;
  const backslash = x ^ 0x5c5c5c5c;
  return ((x - 0x20202020) | x | ((quote - 0x01010101) & ~quote) | ((backslash - 0x01010101) & ~backslash)) & 0x80808080;
}

/** After the string at b[i] (a quote) if it has no escapes or control characters, else -1. */
function plainString(b: Uint8Array, i: number): number {
  const n = b.length;
  i++;
  // Four bytes at a time while none of them is special (see `special`); the word holding a
  // special byte is then read byte by byte below.
  const w = wordsOf === b ? words : undefined;
  if (w !== undefined && n - i >= 16) {
    while ((i & 3) !== 0 && PLAIN[b[i]!] === 1) i++;
    if ((i & 3) === 0) {
      let q = i >> 2;
      const nw = w.length;
      // Two words per test while both are plain (one branch per 8 bytes), then the one left.
      for (; q + 1 < nw; q += 2) {
        const x = w[q]!;
        const y = w[q + 1]!;
        if ((special(x) | special(y)) !== 0) break;
      }
      if (q < nw && special(w[q]!) === 0) q++;
      i = q << 2;
    }
  }
  for (; i < n; i++) {
    const t = PLAIN[b[i]!]!;
    if (t === 1) continue;
    if (t === 2) {
      nonAscii = true;
      continue;
    }
    return b[i] === 0x22 ? i + 1 : -1;
  }
  return -1;
}

const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;

/** After the number at b[i] if Number::toString spells it so, else -1. */
function canonicalNumber(b: Uint8Array, i: number): number {
  const start = i;
  if (b[i] === 0x2d) i++;
  const intStart = i;
  if (b[i] === 0x30) i++;
  else if (isDigit(b[i])) while (isDigit(b[i])) i++;
  else return -1;
  let simple = i - intStart <= 15;
  if (b[i] === 0x2e) {
    simple = false;
    if (!isDigit(b[++i])) return -1;
    while (isDigit(b[i])) i++;
  }
  if (b[i] === 0x65 || b[i] === 0x45) {
    simple = false;
    i++;
    if (b[i] === 0x2b || b[i] === 0x2d) i++;
    if (!isDigit(b[i])) return -1;
    while (isDigit(b[i])) i++;
  }
  if (simple) return b[start] === 0x2d && b[intStart] === 0x30 ? -1 : i; // "-0" is written "0"
  const text = String.fromCharCode.apply(null, b.subarray(start, i) as unknown as number[]);
  return String(Number(text)) === text ? i : -1;
}

function literal(b: Uint8Array, i: number, word: string): number {
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) return -1;
  return i + word.length;
}

function sameBytes(b: Uint8Array, s1: number, e1: number, s2: number, e2: number): boolean {
  if (e1 - s1 !== e2 - s2) return false;
  for (let k = 0; k < e1 - s1; k++) if (b[s1 + k] !== b[s2 + k]) return false;
  return true;
}

/**
 * The member name at b[i] for the object at `depth`: its end, or -1 if it is escaped, an array
 * index (all digits) or a repeat of an earlier name of the same object.
 */
function memberName(b: Uint8Array, i: number, depth: number, count: number): number {
  const end = plainString(b, i);
  if (end < 0) return -1;
  let digits = true;
  for (let k = i + 1; k < end - 1 && digits; k++) digits = isDigit(b[k]);
  if (digits && end - i > 2) return -1;
  if (count >= MAX_MEMBERS_CHECKED) return -1;
  const base = namesBase[depth]!;
  for (let m = 0; m < count; m++) if (sameBytes(b, names[base + 2 * m]!, names[base + 2 * m + 1]!, i, end)) return -1;
  const at = base + 2 * count;
  if (at + 2 > names.length) {
    const grown = new Int32Array(names.length * 2);
    grown.set(names);
    names = grown;
  }
  names[at] = i;
  names[at + 1] = end;
  return end;
}

/** The end of the canonical JSON value at b[i], or -1 (not canonical, or not JSON at all). */
export function canonicalValueEnd(b: Uint8Array, i: number): number {
  let depth = 0;
  for (;;) {
    const c = b[i];
    if (c === 0x7b || c === 0x5b) {
      if (b[i + 1] === (c === 0x7b ? 0x7d : 0x5d)) i += 2;
      else {
        if (depth === VALUE_DEPTH) return -1;
        kinds[depth] = c;
        namesBase[depth] = depth === 0 ? 0 : namesBase[depth - 1]! + 2 * counts[depth - 1]!;
        counts[depth] = 0;
        depth++;
        i++;
        if (c === 0x7b) {
          if ((i = memberName(b, i, depth - 1, 0)) < 0 || b[i] !== 0x3a) return -1;
          counts[depth - 1] = 1;
          i++;
        }
        continue;
      }
    } else if (c === 0x22) i = plainString(b, i);
    else if (c === 0x2d || isDigit(c)) i = canonicalNumber(b, i);
    else if (c === 0x74) i = literal(b, i, "true");
    else if (c === 0x66) i = literal(b, i, "false");
    else if (c === 0x6e) i = literal(b, i, "null");
    else return -1;
    if (i < 0) return -1;
    // After a value: close containers until a "," asks for the next value, or the value ends.
    for (;;) {
      if (depth === 0) return i;
      const open = kinds[depth - 1];
      const d = b[i];
      if (d === 0x2c) {
        i++;
        if (open === 0x7b) {
          if ((i = memberName(b, i, depth - 1, counts[depth - 1]!)) < 0 || b[i] !== 0x3a) return -1;
          counts[depth - 1]++;
          i++;
        }
        break;
      }
      if (d !== (open === 0x7b ? 0x7d : 0x5d)) return -1;
      depth--;
      i++;
    }
  }
}

/** The end of any JSON value at b[i] (for the fields parsed with JSON.parse), or -1. */
function anyValueEnd(b: Uint8Array, i: number): number {
  let depth = 0;
  for (;;) {
    i = ws(b, i);
    const c = b[i];
    if (c === 0x22) {
      for (i++; ; i++) {
        const d = b[i];
        if (d === undefined) return -1;
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
        else if (d >= 0x80) nonAscii = true;
      }
      i++;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > VALUE_DEPTH) return -1;
      i++;
      continue;
    } else if (c === 0x7d || c === 0x5d) {
      if (depth === 0) return -1;
      depth--;
      i++;
    } else if (c === 0x2c || c === 0x3a) {
      if (depth === 0) return -1;
      i++;
      continue;
    } else {
      const start = i;
      while (i < b.length && TOKEN[b[i]!] === 1) i++;
      if (i === start) return -1;
    }
    if (depth === 0) return i;
  }
}

/** Whether b[i] starts the member name `"value"`, byte by byte. */
function isValueName(b: Uint8Array, i: number): boolean {
  return (
    b[i] === 0x22 &&
    b[i + 1] === 0x76 &&
    b[i + 2] === 0x61 &&
    b[i + 3] === 0x6c &&
    b[i + 4] === 0x75 &&
    b[i + 5] === 0x65 &&
    b[i + 6] === 0x22
  );
}

/** Which of FIELD_NAMES the bytes b[start, end) are, or -1. */
function fieldOf(b: Uint8Array, start: number, end: number): number {
  const len = end - start;
  for (let f = 0; f < FIELD_BYTES.length; f++) {
    const name = FIELD_BYTES[f]!;
    if (name.length !== len) continue;
    let k = 0;
    while (k < len && b[start + k] === name[k]) k++;
    if (k === len) return f;
  }
  return -1;
}

function fieldValue(b: Uint8Array, start: number, end: number): unknown {
  return JSON.parse(strictUtf8.decode(b.subarray(start, end)));
}

/**
 * A scanned JSON produce body, in columns: no object per record unless a record has fields other
 * than `value` (produce-body.ts then encodes a body of bare values straight into the batch).
 */
export interface ProduceScan {
  count: number;
  /**
   * Per record i, spans[2i] and spans[2i + 1]: the [start, end) of its value's canonical text in
   * the body; start NULL_VALUE for a JSON null (a tombstone), NO_VALUE when it has no `value`.
   */
  spans: Int32Array;
  /** Per record its other fields, parsed; undefined when no record has any. */
  fields: Array<Record<string, unknown> | undefined> | undefined;
}

/** A JSON null value: encodeSpans writes a null (tombstone) for it. */
export const NULL_VALUE = NULL_SPAN;
export const NO_VALUE = -2;

/**
 * The records of a JSON produce body, values as views of `b`, or undefined when the body takes
 * the general path (anything unusual, invalid or not canonical: see the file comment).
 */
export function scanProduceBody(b: Uint8Array): ScannedRecord[] | undefined {
  const scanned = scanProduce(b);
  if (!scanned) return undefined;
  const out: ScannedRecord[] = new Array(scanned.count);
  for (let r = 0; r < scanned.count; r++) {
    const start = scanned.spans[2 * r]!;
    const record: ScannedRecord = { fields: scanned.fields?.[r] ?? {} };
    if (start !== NO_VALUE) record.value = start === NULL_VALUE ? null : b.subarray(start, scanned.spans[2 * r + 1]!);
    out[r] = record;
  }
  return out;
}

/** scanProduceBody's columns (ProduceScan), or undefined for the general path. */
export function scanProduce(b: Uint8Array): ProduceScan | undefined {
  wordsOf = b;
  words = (b.byteOffset & 3) === 0 ? new Int32Array(b.buffer, b.byteOffset, b.length >> 2) : undefined;
  try {
    return scan(b);
  } catch {
    return undefined; // a field JSON.parse refused, or invalid UTF-8: the general path says which
  } finally {
    wordsOf = words = undefined;
  }
}

function scan(b: Uint8Array): ProduceScan | undefined {
  nonAscii = false;
  let i = ws(b, 0);
  if (b[i] !== 0x7b) return undefined;
  i = ws(b, i + 1);
  if (literal(b, i, '"records"') < 0) return undefined;
  i = ws(b, i + 9);
  if (b[i] !== 0x3a) return undefined;
  i = ws(b, i + 1);
  if (b[i] !== 0x5b) return undefined;
  i = ws(b, i + 1);
  if (b[i] === 0x5d) return undefined; // no records: the general path refuses it
  // A record takes at least 11 bytes ({"value":1} and a comma): a first guess at the count.
  let spans = new Int32Array(Math.min(2048, 2 * Math.ceil(b.length / 11)));
  let fields: Array<Record<string, unknown> | undefined> | undefined;
  let count = 0;
  for (;;) {
    if (b[i] !== 0x7b) return undefined;
    if (2 * count + 2 > spans.length) {
      const grown = new Int32Array(spans.length * 2);
      grown.set(spans);
      spans = grown;
    }
    let start = NO_VALUE;
    let end = NO_VALUE;
    // Only the seven field names are ever assigned (anything else takes the general path).
    let own: Record<string, unknown> | undefined;
    let seen = 0;
    i = ws(b, i + 1);
    if (b[i] !== 0x7d) {
      for (;;) {
        // `"value"`, nearly every record's only field, is matched outright; any other name is
        // read and looked up.
        let nameEnd = i + 7;
        let field = 0;
        if (!isValueName(b, i)) {
          nameEnd = plainString(b, i);
          if (nameEnd < 0) return undefined;
          field = fieldOf(b, i + 1, nameEnd - 1);
        }
        if (field < 0 || (seen & (1 << field)) !== 0) return undefined; // unknown or repeated: the general path
        seen |= 1 << field;
        i = ws(b, nameEnd);
        if (b[i] !== 0x3a) return undefined;
        i = ws(b, i + 1);
        if (field === 0) {
          // A string is canonicalValueEnd's first case, taken directly.
          end = b[i] === 0x22 ? plainString(b, i) : canonicalValueEnd(b, i);
          if (end < 0) return undefined;
          start = end - i === 4 && b[i] === 0x6e ? NULL_VALUE : i;
          i = end;
        } else {
          const fieldEnd = anyValueEnd(b, i);
          if (fieldEnd < 0) return undefined;
          own ??= {};
          own[FIELD_NAMES[field]!] = fieldValue(b, i, fieldEnd);
          i = fieldEnd;
        }
        i = ws(b, i);
        if (b[i] === 0x2c) {
          i = ws(b, i + 1);
          continue;
        }
        if (b[i] !== 0x7d) return undefined;
        break;
      }
    }
    spans[2 * count] = start;
    spans[2 * count + 1] = end;
    if (own || start === NO_VALUE) {
      fields ??= new Array(count).fill(undefined);
      fields.push(own ?? {});
    } else fields?.push(undefined);
    count++;
    i = ws(b, i + 1);
    if (b[i] === 0x2c) {
      i = ws(b, i + 1);
      continue;
    }
    if (b[i] !== 0x5d) return undefined;
    break;
  }
  i = ws(b, ws(b, i + 1));
  if (b[i] !== 0x7d || ws(b, i + 1) !== b.length) return undefined;
  if (nonAscii) strictUtf8.decode(b); // throws on invalid UTF-8: the general path refuses the body
  return { count, spans: spans.subarray(0, 2 * count), fields };
}
