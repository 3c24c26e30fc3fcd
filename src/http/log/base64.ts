// Base64 (RFC 4648 §4, with padding) written straight into a byte buffer, for fetch answers
// that carry opaque values. A table encoder: three bytes become four alphabet bytes, two per
// lookup; no string is built per record. The string form uses the runtime's Uint8Array.prototype.toBase64
// (TC39 proposal-arraybuffer-base64) when it has one.
//
// A runtime's own encoder (toBase64 on Bun, Deno and newer V8; Buffer on Node, injected by the
// Node host through useNativeBase64, as portable code may not name Buffer) is C++: measured with
// bench/fetch-render.ts it beats the table 3–10× from about 1 KB on, but its string and the copy
// into the page cost more than the table saves below a few hundred bytes — the typical IoT value.
// So values from NATIVE_FROM bytes take the native encoder, smaller ones the table.
const ALPHABET = new TextEncoder().encode("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
const PAD = 0x3d;
// Each 12-bit group as its two alphabet bytes: one lookup per two output bytes.
const PAIRS = new Uint8Array(8192);
for (let i = 0; i < 4096; i++) {
  PAIRS[2 * i] = ALPHABET[i >>> 6]!;
  PAIRS[2 * i + 1] = ALPHABET[i & 63]!;
}
const latin1 = new TextDecoder("latin1");

export function base64Length(n: number): number {
  return Math.ceil(n / 3) * 4;
}

type Encoder = (bytes: Uint8Array) => string;
const NATIVE_FROM = 512;
const ascii = new TextEncoder();
let native: Encoder | undefined =
  typeof (Uint8Array.prototype as WithToBase64).toBase64 === "function" ? (b) => (b as Required<WithToBase64>).toBase64() : undefined;

/** A runtime's own base64 encoder, for runtimes without Uint8Array.prototype.toBase64 (Node's Buffer). */
export function useNativeBase64(encode: Encoder): void {
  if (native === undefined) native = encode;
}

/**
 * Writes the base64 of src[start, end) (all of `src` by default) into `dst` at `at` (room for
 * base64Length bytes); returns the index after it.
 */
export function writeBase64(src: Uint8Array, dst: Uint8Array, at: number, start = 0, end = src.length): number {
  if (native !== undefined && end - start >= NATIVE_FROM) {
    return at + ascii.encodeInto(native(src.subarray(start, end)), dst.subarray(at)).written;
  }
  return tableBase64(src, dst, at, start, end);
}

function tableBase64(src: Uint8Array, dst: Uint8Array, at: number, start = 0, end = src.length): number {
  const n = end;
  const whole = n - ((n - start) % 3);
  let i = start;
  for (; i < whole; i += 3) {
    const t = (src[i]! << 16) | (src[i + 1]! << 8) | src[i + 2]!;
    const hi = (t >>> 12) << 1;
    const lo = (t & 4095) << 1;
    dst[at] = PAIRS[hi]!;
    dst[at + 1] = PAIRS[hi + 1]!;
    dst[at + 2] = PAIRS[lo]!;
    dst[at + 3] = PAIRS[lo + 1]!;
    at += 4;
  }
  if (n - whole === 1) {
    const t = src[i]! << 16;
    dst[at] = ALPHABET[t >>> 18]!;
    dst[at + 1] = ALPHABET[(t >>> 12) & 63]!;
    dst[at + 2] = PAD;
    dst[at + 3] = PAD;
    at += 4;
  } else if (n - whole === 2) {
    const t = (src[i]! << 16) | (src[i + 1]! << 8);
    dst[at] = ALPHABET[t >>> 18]!;
    dst[at + 1] = ALPHABET[(t >>> 12) & 63]!;
    dst[at + 2] = ALPHABET[(t >>> 6) & 63]!;
    dst[at + 3] = PAD;
    at += 4;
  }
  return at;
}

type WithToBase64 = Uint8Array & { toBase64?: () => string };

export function base64(bytes: Uint8Array): string {
  if (native !== undefined) return native(bytes);
  const out = new Uint8Array(base64Length(bytes.length));
  tableBase64(bytes, out, 0);
  return latin1.decode(out);
}
