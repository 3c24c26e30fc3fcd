// The JSON answer of a produce request that appended one run of consecutive offsets to one
// partition (every record of a body of bare values, produce-body.ts BareValues), written straight
// as bytes: `{"offsets":[{"partition":P,"offset":B},{"partition":P,"offset":B+1},…]}`, with
// `,"duplicate":true` before the last brace for a retried request — byte for byte the text
// JSON.stringify gives for the same object (no whitespace, members in this order, integers in
// decimal), as produce.ts's offsetsJson writes any other answer.
//
// Why bytes: for a 1,000-record request that text is 33 KB, which concatenated is a string of
// 2,000 pieces that the host then flattens, measures (Content-Length) and encodes to UTF-8 again,
// a tenth of a JSON produce's own work on Node (issue #20). Here ten consecutive entries (one
// decade, last digits 0 to 9) are written one by one once; each next decade of the same digit
// count is a copy of the previous one with the leading digits replaced. The bytes go into one
// reused buffer and leave as one flat string, the only allocation per answer (hosts measure and
// write a flat one-byte string cheaply).

const PREFIX = '{"offsets":[';
const ascii8 = new TextDecoder();
let scratch = new Uint8Array(64 * 1024);
const DUPLICATE = ',"duplicate":true';
const ascii = (s: string, out: Uint8Array, p: number): number => {
  for (let k = 0; k < s.length; k++) out[p++] = s.charCodeAt(k);
  return p;
};

/** Decimal digits of a non-negative safe integer (below 1e21 String writes plain decimal). */
const digitCount = (n: number): number => String(n).length;

/** Writes the `len` decimal digits of `n` at p; returns the position after them. */
function writeDigits(out: Uint8Array, p: number, n: number, len: number): number {
  for (let k = len - 1; k >= 0; k--) {
    out[p + k] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  return p + len;
}

/**
 * `{"offsets":[…]}` for offsets base to base + count - 1 of `partition` (non-negative safe
 * integers).
 */
export function offsetRunJson(partition: number, base: number, count: number, duplicate: boolean): string {
  const head = `{"partition":${partition},"offset":`;
  const h = head.length;
  // Exact size: every entry's head and closing brace, the commas between, and the digits.
  let digits = 0;
  for (let o = base, end = base + count; o < end; ) {
    const len = digitCount(o);
    const next = Math.min(end, 10 ** len);
    digits += (next - o) * len;
    o = next;
  }
  const size = PREFIX.length + count * (h + 1) + Math.max(0, count - 1) + digits + 1 + (duplicate ? DUPLICATE.length : 0) + 1;
  if (scratch.length < size) scratch = new Uint8Array(size);
  const out = scratch;
  let p = ascii(PREFIX, out, 0);
  // The last decade written entry by entry (entries with last digits 0..9, each after a comma).
  let block = -1;
  let blockBytes = 0;
  let blockDigits = 0;
  let started = -1;
  let len = digitCount(base);
  let limit = 10 ** len;
  for (let i = 0, o = base; i < count; ) {
    if (o >= limit) {
      len++;
      limit *= 10;
    }
    const decade = i > 0 && o % 10 === 0;
    if (decade && block >= 0 && blockDigits === len && count - i >= 10) {
      out.copyWithin(p, block, block + blockBytes);
      // Each entry is "," head digits "}": its digits begin 1 + h bytes in; all but the last change.
      const entry = blockBytes / 10;
      const first = p + 1 + h;
      writeDigits(out, first, Math.floor(o / 10), len - 1);
      for (let k = 1; k < 10; k++) {
        const at = first + k * entry;
        for (let d = 0; d < len - 1; d++) out[at + d] = out[first + d]!;
      }
      block = p;
      p += blockBytes;
      o += 10;
      i += 10;
      continue;
    }
    if (decade) started = p;
    if (i > 0) out[p++] = 0x2c;
    p = ascii(head, out, p);
    p = writeDigits(out, p, o, len);
    out[p++] = 0x7d;
    if (o % 10 === 9 && started >= 0) {
      block = started;
      blockBytes = p - started;
      blockDigits = len;
      started = -1;
    }
    o++;
    i++;
  }
  out[p++] = 0x5d;
  if (duplicate) p = ascii(DUPLICATE, out, p);
  out[p++] = 0x7d;
  if (p !== size) throw new Error(`offsetRunJson: wrote ${p} bytes, sized ${size}`); // unreachable
  return ascii8.decode(out.subarray(0, size));
}
