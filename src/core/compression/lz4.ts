// Kafka codec 3: lz4, in the LZ4 frame format (lz4_Frame_format.md v1.6.x; KIP-57 fixed Kafka's
// header checksum for magic ≥ 1, and RecordBatch v2 is magic 2, so only standard frames occur).
//
//   Frame  = magic 0x184D2204 (LE) | FLG | BD | [content size u64] | [dict id u32] | HC
//            | Block* | end mark u32 0 | [content checksum u32]
//   FLG    = version (bits 7-6, = 01) | block independence | block checksum | content size
//            | content checksum | reserved | dict id
//   BD     = block max size (bits 6-4: 4 = 64 KiB, 5 = 256 KiB, 6 = 1 MiB, 7 = 4 MiB)
//   Block  = size u32 (LE; high bit = stored uncompressed) | data | [block checksum u32]
//
// The block decoder is written here rather than taken from lz4js: that package (unmaintained
// since 2017) does no bounds checks on untrusted input and allocates 5 MiB when imported. Every
// length below is checked against the input, the block's maximum size and the output limit.
// Checksums are not verified: the RecordBatch CRC-32C already covers these bytes.
import { BoundedOutput, corrupt, DecompressionError, limitError } from "./bounded-output.ts";

const MAGIC = 0x184d2204;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE = 0x184d2a50;
const BLOCK_MAX = [0, 0, 0, 0, 65_536, 262_144, 1_048_576, 4_194_304];
const MIN_MATCH = 4;

const bad = (message: string) => new DecompressionError("corrupt_compression", `lz4 ${message}`);

/** A frame's output, grown on demand (doubling) so a small frame never allocates a whole 4 MiB block. */
interface Output {
  buf: Uint8Array;
}

function ensure(out: Output, d: number, n: number): Uint8Array {
  if (d + n > out.buf.length) {
    const grown = new Uint8Array(Math.max(out.buf.length * 2, d + n, 1024));
    grown.set(out.buf.subarray(0, d));
    out.buf = grown;
  }
  return out.buf;
}

/**
 * Decodes one LZ4 block (lz4_Block_format.md) from src[start, end) into out at `at`, at most `max`
 * bytes; matches may reach back into earlier blocks' output (linked blocks). Returns the new
 * output position.
 */
function decodeBlock(src: Uint8Array, start: number, end: number, out: Output, at: number, max: number): number {
  let s = start;
  let d = at;
  const dEnd = at + max;
  let dst = out.buf;
  while (s < end) {
    const token = src[s++]!;
    let literals = token >> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (s >= end) throw bad("literal length runs past the block");
        b = src[s++]!;
        literals += b;
      } while (b === 255);
    }
    if (literals > end - s || literals > dEnd - d) throw bad(`literal run of ${literals} bytes runs past the block`);
    dst = ensure(out, d, literals);
    if (literals < 32) for (let i = 0; i < literals; i++) dst[d + i] = src[s + i]!;
    else dst.set(src.subarray(s, s + literals), d);
    s += literals;
    d += literals;
    if (s === end) break; // the last sequence holds literals only
    if (s + 2 > end) throw bad("match offset runs past the block");
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (offset === 0 || offset > d) throw bad(`match offset ${offset} points before the output`);
    let length = token & 15;
    if (length === 15) {
      let b: number;
      do {
        if (s >= end) throw bad("match length runs past the block");
        b = src[s++]!;
        length += b;
      } while (b === 255);
    }
    length += MIN_MATCH;
    if (length > dEnd - d) throw bad(`match of ${length} bytes runs past the block's maximum size`);
    dst = ensure(out, d, length);
    // Short or overlapping matches byte by byte (an overlapping copy repeats the pattern).
    if (offset >= length && length >= 32) {
      dst.copyWithin(d, d - offset, d - offset + length);
      d += length;
    } else {
      for (let i = 0; i < length; i++, d++) dst[d] = dst[d - offset]!;
    }
  }
  return d;
}

export function unlz4Bounded(data: Uint8Array, limit: number): Uint8Array {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const frames = new BoundedOutput("lz4", limit);
  let p = 0;
  try {
    while (p < data.length) {
      if (p + 4 > data.length) throw bad(`frame at byte ${p} is truncated`);
      const magic = view.getUint32(p, true);
      if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE) {
        if (p + 8 > data.length) throw bad(`skippable frame at byte ${p} is truncated`);
        p += 8 + view.getUint32(p + 4, true);
        continue;
      }
      if (magic !== MAGIC) throw bad(`frame at byte ${p} has magic 0x${magic.toString(16)}, expected 0x184d2204`);
      if (p + 7 > data.length) throw bad(`frame header at byte ${p} is truncated`);
      const flg = data[p + 4]!;
      const bd = data[p + 5]!;
      if (flg >> 6 !== 1) throw bad(`frame at byte ${p} has version ${flg >> 6}, expected 1`);
      if (flg & 1) throw bad(`frame at byte ${p} needs a dictionary; Kafka batches use none`);
      const blockMax = BLOCK_MAX[(bd >> 4) & 7]!;
      if (blockMax === 0) throw bad(`frame at byte ${p} has an invalid block maximum size`);
      const blockChecksum = (flg >> 4) & 1;
      let q = p + 6;
      if ((flg >> 3) & 1) {
        const declared = view.getUint32(q, true) + view.getUint32(q + 4, true) * 2 ** 32;
        frames.reserve(declared); // refuse a declared size past the limit before decoding anything
        q += 8;
      }
      q += 1; // header checksum
      // Output of this frame grows as it is written, checked against the limit after each block
      // (so it passes the limit by at most one block).
      const out: Output = { buf: new Uint8Array(0) };
      let d = 0;
      for (;;) {
        if (q + 4 > data.length) throw bad(`block header at byte ${q} is truncated`);
        const word = view.getUint32(q, true);
        q += 4;
        if (word === 0) break;
        const stored = word >>> 31 === 1;
        const size = word & 0x7fffffff;
        if (size > blockMax) throw bad(`block of ${size} bytes at byte ${q - 4} exceeds the frame's block maximum ${blockMax}`);
        if (size > data.length - q) throw bad(`block of ${size} bytes at byte ${q - 4} runs past the end`);
        if (stored) {
          ensure(out, d, size).set(data.subarray(q, q + size), d);
          d += size;
        } else {
          d = decodeBlock(data, q, q + size, out, d, blockMax);
        }
        if (frames.length + d > limit) throw limitError("lz4", limit);
        q += size + 4 * blockChecksum;
      }
      if ((flg >> 2) & 1) q += 4; // content checksum
      if (q > data.length) throw bad(`frame at byte ${p} runs past the end`);
      frames.push(out.buf.subarray(0, d));
      p = q;
    }
  } catch (e) {
    throw corrupt("lz4", e);
  }
  return frames.bytes();
}
