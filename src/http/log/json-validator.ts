// Is this byte string one JSON text (RFC 8259 §2)? A validator over the bytes, so a stored value
// can be placed verbatim in a JSON answer instead of being decoded, parsed and serialised again.
// It decides exactly as JSON.parse does on the text a fatal UTF-8 decoder gives, except in the
// cases it leaves UNDECIDED (the caller then decodes and parses as before): nesting deeper than
// MAX_DEPTH; a leading byte-order mark (the decoder drops it, so the text JSON.parse sees is
// not these bytes); an integer literal of more than 15 digits, which the read view shows as
// bytes when a double cannot hold it (src/shared/json-numbers.ts). Non-ASCII bytes can only sit
// inside strings; whether they are well-formed UTF-8 (RFC 3629, as the fatal TextDecoder checks)
// is checked once at the end.
const MAX_DEPTH = 256;
const OBJECT = 1;
const ARRAY = 2;
const stack = new Uint8Array(MAX_DEPTH);
export const NOT_JSON = 0;
export const JSON_TEXT = 1;
export const UNDECIDED = 2;
export type JsonVerdict = typeof NOT_JSON | typeof JSON_TEXT | typeof UNDECIDED;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
let sawNonAscii = false;

// The text is b[start, end): a value inside a stored batch is checked where it lies, so every
// read past the text must see "no byte" (-1), never the next record's bytes.
let end = 0;

/** The byte at i, or -1 past the end of the text. */
function at(b: Uint8Array, i: number): number {
  return i < end ? b[i]! : -1;
}

function ws(b: Uint8Array, i: number): number {
  while (i < end) {
    const c = b[i]!;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
  return i;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

// 1 for the bytes a string holds as they are (§7: not a quote, backslash or control character;
// bytes ≥ 0x80 are checked as UTF-8 afterwards): the inner loop is one load and one test.
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 0x80; c++) PLAIN[c] = c === 0x22 || c === 0x5c ? 0 : 1;

// Long runs of plain bytes are skipped four at a time, over aligned 32-bit words of the buffer
// (byte order does not matter: a word is plain when none of its four bytes is a quote, a
// backslash, below 0x20 or at/above 0x80), with the "has a zero byte" test of Anderson's Bit
// Twiddling Hacks: (v - 0x01010101) & ~v & 0x80808080 is non-zero exactly when a byte of v is 0.
let wordsOf: ArrayBufferLike | undefined;
let words: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

/** The index of the first byte in b[i, n) that is not PLAIN, or n. */
function plainRun(b: Uint8Array, i: number, n: number): number {
  if (n - i >= 16) {
    const base = b.byteOffset;
    while (((base + i) & 3) !== 0) {
      if (PLAIN[b[i]!] !== 1) return i;
      i++;
    }
    if (b.buffer !== wordsOf) {
      wordsOf = b.buffer;
      words = new Uint32Array(b.buffer, 0, b.buffer.byteLength >>> 2);
    }
    let k = (base + i) >>> 2;
    const last = (base + n) >>> 2;
    for (; k < last; k++) {
      const x = words[k]!;
      const q = x ^ 0x22222222;
      const s = x ^ 0x5c5c5c5c;
      if ((((q - 0x01010101) & ~q) | ((s - 0x01010101) & ~s) | ((x - 0x20202020) & ~x) | x) & 0x80808080) break;
    }
    i = k * 4 - base;
  }
  while (i < n && PLAIN[b[i]!] === 1) i++;
  return i;
}

/** The index after the string starting at b[i] (a quote), or -1. §7. */
function string(b: Uint8Array, i: number): number {
  const n = end;
  for (i++; i < n; ) {
    i = plainRun(b, i, n);
    if (i === n) return -1;
    const c = b[i]!;
    if (c === 0x22) return i + 1;
    if (c === 0x5c) {
      const e = at(b, i + 1);
      if (e === 0x75) {
        if (!isHex(at(b, i + 2)) || !isHex(at(b, i + 3)) || !isHex(at(b, i + 4)) || !isHex(at(b, i + 5))) return -1;
        i += 6;
      } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) i += 2;
      else return -1;
    } else if (c < 0x20) return -1;
    else {
      if (c >= 0x80) sawNonAscii = true;
      i++;
    }
  }
  return -1;
}

function digits(b: Uint8Array, i: number): number {
  const start = i;
  while (i < end && b[i]! >= 0x30 && b[i]! <= 0x39) i++;
  return i === start ? -1 : i;
}

let sawLongInteger = false;

/** The index after the number starting at b[i], or -1. §6. */
function number(b: Uint8Array, i: number): number {
  if (at(b, i) === 0x2d) i++;
  const intStart = i;
  if (at(b, i) === 0x30) i++;
  else if ((i = digits(b, i)) < 0) return -1;
  // Up to 15 digits a double always holds; a longer integer (no fraction, no exponent) is
  // left to the slow path, which knows whether it is exact.
  if (i - intStart > 15 && at(b, i) !== 0x2e && (at(b, i) | 0x20) !== 0x65) sawLongInteger = true;
  if (at(b, i) === 0x2e && (i = digits(b, i + 1)) < 0) return -1;
  if ((at(b, i) | 0x20) === 0x65) {
    i++;
    if (at(b, i) === 0x2b || at(b, i) === 0x2d) i++;
    if ((i = digits(b, i)) < 0) return -1;
  }
  return i;
}

function literal(b: Uint8Array, i: number, word: string): number {
  for (let k = 0; k < word.length; k++) if (at(b, i + k) !== word.charCodeAt(k)) return -1;
  return i + word.length;
}

/** After an object's "{" or ",": the member name and its ":"; the index of the value, or -1. */
function memberName(b: Uint8Array, i: number): number {
  if (at(b, i) !== 0x22 || (i = string(b, i)) < 0) return -1;
  i = ws(b, i);
  return at(b, i) === 0x3a ? ws(b, i + 1) : -1;
}

/** The verdict on b[start, end) (the whole of `b` by default). */
export function jsonVerdict(b: Uint8Array, start = 0, stop = b.length): JsonVerdict {
  end = stop;
  const n = stop;
  if (at(b, start) === 0xef && at(b, start + 1) === 0xbb && at(b, start + 2) === 0xbf) return UNDECIDED;
  let depth = 0;
  let i = ws(b, start);
  sawNonAscii = false;
  sawLongInteger = false;
  for (;;) {
    // A value starts at b[i].
    const c = at(b, i);
    if (c === 0x7b || c === 0x5b) {
      i = ws(b, i + 1);
      if (at(b, i) === (c === 0x7b ? 0x7d : 0x5d)) i++;
      else {
        if (depth === MAX_DEPTH) return UNDECIDED;
        stack[depth++] = c === 0x7b ? OBJECT : ARRAY;
        if (c === 0x7b && (i = memberName(b, i)) < 0) return NOT_JSON;
        continue;
      }
    } else if (c === 0x22) i = string(b, i);
    else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) i = number(b, i);
    else if (c === 0x74) i = literal(b, i, "true");
    else if (c === 0x66) i = literal(b, i, "false");
    else if (c === 0x6e) i = literal(b, i, "null");
    else return NOT_JSON;
    if (i < 0) return NOT_JSON;
    // After a value: close containers until a "," asks for the next value, or the text ends.
    for (;;) {
      i = ws(b, i);
      if (depth === 0) {
        if (i !== n || (sawNonAscii && !wellFormedUtf8(b.subarray(start, stop)))) return NOT_JSON;
        return sawLongInteger ? UNDECIDED : JSON_TEXT;
      }
      const inObject = stack[depth - 1] === OBJECT;
      const d = at(b, i);
      if (d === 0x2c) {
        i = ws(b, i + 1);
        if (inObject && (i = memberName(b, i)) < 0) return NOT_JSON;
        break;
      }
      if (d !== (inObject ? 0x7d : 0x5d)) return NOT_JSON;
      depth--;
      i++;
    }
  }
}

function wellFormedUtf8(b: Uint8Array): boolean {
  try {
    strictUtf8.decode(b);
    return true;
  } catch {
    return false;
  }
}
