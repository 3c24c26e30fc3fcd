// Is [start, end) one JSON text (RFC 8259 §2)? The fetch page's validator, src/http/log/
// json-validator.ts (jsonVerdict), ported rule for rule so a value placed verbatim in a JSON page
// is placed for the same reason on both paths, with the same UNDECIDED cases (a leading
// byte-order mark, nesting deeper than MAX_DEPTH, an integer of more than 15 digits): the caller
// leaves those to the JS writer. Non-ASCII bytes can only sit inside strings; whether they are
// well-formed UTF-8 (RFC 3629 §4, what the JS side's fatal TextDecoder accepts) is checked once
// at the end, as there. Every read past the text sees "no byte" (-1): a value is checked where
// it lies in its batch.

export const NOT_JSON: i32 = 0;
export const JSON_TEXT: i32 = 1;
export const UNDECIDED: i32 = 2;

const MAX_DEPTH: i32 = 256;
const OBJECT: u8 = 1;
const ARRAY: u8 = 2;
const STACK: usize = memory.data(256);

let end: usize = 0;
let sawNonAscii = false;
let sawLongInteger = false;

/** The byte at i, or -1 past the end of the text. */
@inline function at(i: usize): i32 {
  return i < end ? <i32>load<u8>(i) : -1;
}

function ws(i: usize): usize {
  while (i < end) {
    const c = load<u8>(i);
    if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) return i;
    i++;
  }
  return i;
}

@inline function isHex(c: i32): bool {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

/**
 * The first byte in [i, end) that a string cannot hold as it is (§7: a quote, a backslash, a
 * control character), or end; bytes ≥ 0x80 are noted for the UTF-8 check at the end. Eight bytes
 * at a time with the "has a byte less than n" test of Anderson's Bit Twiddling Hacks:
 * (v - n * 0x01..01) & ~v & 0x80..80 is non-zero exactly when a byte of v is below n (n ≤ 128),
 * applied to v < 0x20 and to v ^ '"' and v ^ '\' below 1.
 */
function plainRun(i: usize): usize {
  const n = end;
  const ones: u64 = 0x0101010101010101;
  const highs: u64 = 0x8080808080808080;
  while (i + 8 <= n) {
    const x = load<u64>(i);
    const q = x ^ 0x2222222222222222;
    const s = x ^ 0x5c5c5c5c5c5c5c5c;
    if ((((q - ones) & ~q) | ((s - ones) & ~s) | ((x - 0x2020202020202020) & ~x)) & highs) break;
    if (x & highs) sawNonAscii = true;
    i += 8;
  }
  while (i < n) {
    const c = load<u8>(i);
    if (c < 0x20 || c == 0x22 || c == 0x5c) return i;
    if (c >= 0x80) sawNonAscii = true;
    i++;
  }
  return i;
}

/** The index after the string starting at i (a quote), or -1. §7. */
function str(i: usize): isize {
  const n = end;
  for (i++; i < n; ) {
    i = plainRun(i);
    if (i == n) return -1;
    const c = load<u8>(i);
    if (c == 0x22) return <isize>(i + 1);
    if (c == 0x5c) {
      const e = at(i + 1);
      if (e == 0x75) {
        if (!isHex(at(i + 2)) || !isHex(at(i + 3)) || !isHex(at(i + 4)) || !isHex(at(i + 5))) return -1;
        i += 6;
      } else if (e == 0x22 || e == 0x5c || e == 0x2f || e == 0x62 || e == 0x66 || e == 0x6e || e == 0x72 || e == 0x74) i += 2;
      else return -1;
    } else if (c < 0x20) return -1;
    else {
      sawNonAscii = true;
      i++;
    }
  }
  return -1;
}

function digits(i: usize): isize {
  const start = i;
  while (i < end && load<u8>(i) >= 0x30 && load<u8>(i) <= 0x39) i++;
  return i == start ? -1 : <isize>i;
}

/** The index after the number starting at i, or -1. §6. */
function num(i: usize): isize {
  if (at(i) == 0x2d) i++;
  const intStart = i;
  if (at(i) == 0x30) i++;
  else {
    const d = digits(i);
    if (d < 0) return -1;
    i = <usize>d;
  }
  if (i - intStart > 15 && at(i) != 0x2e && (at(i) | 0x20) != 0x65) sawLongInteger = true;
  if (at(i) == 0x2e) {
    const d = digits(i + 1);
    if (d < 0) return -1;
    i = <usize>d;
  }
  if ((at(i) | 0x20) == 0x65) {
    i++;
    if (at(i) == 0x2b || at(i) == 0x2d) i++;
    const d = digits(i);
    if (d < 0) return -1;
    i = <usize>d;
  }
  return <isize>i;
}

/** `word` (4 or 5 ASCII bytes, packed little-endian in `w`) at i: the index after it, or -1. */
function literal(i: usize, w: u64, len: usize): isize {
  for (let k: usize = 0; k < len; k++) if (at(i + k) != <i32>((w >> (k * 8)) & 0xff)) return -1;
  return <isize>(i + len);
}

/** After an object's "{" or ",": the member name and its ":"; the index of the value, or -1. */
function memberName(i: usize): isize {
  if (at(i) != 0x22) return -1;
  const s = str(i);
  if (s < 0) return -1;
  i = ws(<usize>s);
  return at(i) == 0x3a ? <isize>ws(i + 1) : -1;
}

@inline function continuation(i: usize): bool {
  return (load<u8>(i) & 0xc0) == 0x80;
}

/**
 * RFC 3629 §4's UTF8-octets over [i, n): no overlong form, no surrogate (U+D800..U+DFFF), nothing
 * past U+10FFFF, no truncated sequence. ASCII is skipped eight bytes at a time.
 */
export function wellFormedUtf8(i: usize, n: usize): bool {
  while (i < n) {
    if (i + 8 <= n && (load<u64>(i) & 0x8080808080808080) == 0) {
      i += 8;
      continue;
    }
    const c = <u32>load<u8>(i);
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c < 0xc2 || c > 0xf4) return false;
    if (c < 0xe0) {
      if (i + 1 >= n || !continuation(i + 1)) return false;
      i += 2;
      continue;
    }
    // The second byte's range narrows after E0 (overlong), ED (surrogates), F0 (overlong), F4 (past U+10FFFF).
    const lo: u32 = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
    const hi: u32 = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
    if (i + 1 >= n) return false;
    const c1 = <u32>load<u8>(i + 1);
    if (c1 < lo || c1 > hi) return false;
    if (c < 0xf0) {
      if (i + 2 >= n || !continuation(i + 2)) return false;
      i += 3;
      continue;
    }
    if (i + 3 >= n || !continuation(i + 2) || !continuation(i + 3)) return false;
    i += 4;
  }
  return true;
}

/** jsonVerdict over [start, stop). */
export function jsonVerdict(start: usize, stop: usize): i32 {
  end = stop;
  if (at(start) == 0xef && at(start + 1) == 0xbb && at(start + 2) == 0xbf) return UNDECIDED;
  let depth: i32 = 0;
  let i = ws(start);
  sawNonAscii = false;
  sawLongInteger = false;
  for (;;) {
    // A value starts at i.
    const c = at(i);
    let next: isize;
    if (c == 0x7b || c == 0x5b) {
      i = ws(i + 1);
      if (at(i) == (c == 0x7b ? 0x7d : 0x5d)) next = <isize>(i + 1);
      else {
        if (depth == MAX_DEPTH) return UNDECIDED;
        store<u8>(STACK + <usize>depth, c == 0x7b ? OBJECT : ARRAY);
        depth++;
        if (c == 0x7b) {
          const m = memberName(i);
          if (m < 0) return NOT_JSON;
          i = <usize>m;
        }
        continue;
      }
    } else if (c == 0x22) next = str(i);
    else if (c == 0x2d || (c >= 0x30 && c <= 0x39)) next = num(i);
    else if (c == 0x74) next = literal(i, 0x65757274, 4); // "true"
    else if (c == 0x66) next = literal(i, 0x65736c6166, 5); // "false"
    else if (c == 0x6e) next = literal(i, 0x6c6c756e, 4); // "null"
    else return NOT_JSON;
    if (next < 0) return NOT_JSON;
    i = <usize>next;
    // After a value: close containers until a "," asks for the next value, or the text ends.
    for (;;) {
      i = ws(i);
      if (depth == 0) {
        if (i != stop || (sawNonAscii && !wellFormedUtf8(start, stop))) return NOT_JSON;
        return sawLongInteger ? UNDECIDED : JSON_TEXT;
      }
      const inObject = load<u8>(STACK + <usize>(depth - 1)) == OBJECT;
      const d = at(i);
      if (d == 0x2c) {
        i = ws(i + 1);
        if (inObject) {
          const m = memberName(i);
          if (m < 0) return NOT_JSON;
          i = <usize>m;
        }
        break;
      }
      if (d != (inObject ? 0x7d : 0x5d)) return NOT_JSON;
      depth--;
      i++;
    }
  }
  return NOT_JSON; // not reached: the loop above only returns
}
