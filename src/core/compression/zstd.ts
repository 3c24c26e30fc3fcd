// Kafka codec 4: zstd (KIP-110), standard frames (RFC 8878), decompressed with fzstd's streaming
// decoder. fzstd allocates each frame's whole window up front (the size the frame header
// declares, up to 2 GiB), so the frames are walked here first (headers and block headers only,
// RFC 8878 §3.1.1) and refused when their windows add up past the limit; the decoder then
// hands out one block (≤ 128 KiB) at a time and the output is counted as it comes.
import { Decompress } from "fzstd";
import { BoundedOutput, corrupt, DecompressionError, limitError } from "./bounded-output.ts";

const MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE = 0x184d2a50;

const bad = (message: string) => new DecompressionError("corrupt_compression", `zstd ${message}`);

/** Checks every frame's declared window; returns nothing, throws on a bad or oversized header. */
function checkFrames(data: Uint8Array, limit: number): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let p = 0;
  let windows = 0;
  while (p < data.length) {
    if (p + 4 > data.length) throw bad(`frame at byte ${p} is truncated`);
    const magic = view.getUint32(p, true);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE) {
      if (p + 8 > data.length) throw bad(`skippable frame at byte ${p} is truncated`);
      p += 8 + view.getUint32(p + 4, true);
      continue;
    }
    if (magic !== MAGIC) throw bad(`frame at byte ${p} has magic 0x${magic.toString(16)}, expected 0xfd2fb528`);
    const fhd = data[p + 4] ?? 0;
    const singleSegment = (fhd >> 5) & 1;
    const dictBytes = [0, 1, 2, 4][fhd & 3]!;
    const fcsFlag = fhd >> 6;
    const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
    if (fhd & 8) throw bad(`frame at byte ${p}: reserved header bit set`);
    let q = p + 5;
    let window = 0;
    if (!singleSegment) {
      const wd = data[q++] ?? 0;
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    if (dictBytes > 0) {
      let dict = 0;
      for (let i = 0; i < dictBytes; i++) dict += (data[q + i] ?? 0) * 256 ** i;
      if (dict !== 0) throw bad(`frame at byte ${p} needs dictionary ${dict}; Kafka batches use none`);
    }
    q += dictBytes;
    let contentSize = 0;
    for (let i = 0; i < fcsBytes; i++) contentSize += (data[q + i] ?? 0) * 256 ** i;
    if (fcsBytes === 2) contentSize += 256;
    q += fcsBytes;
    if (singleSegment) window = contentSize;
    if (fcsBytes > 0 && contentSize > limit) throw limitError("zstd", limit);
    windows += window;
    if (windows > limit) throw limitError("zstd", limit);
    // Blocks: 3-byte little-endian header (last flag, type, size), then the block's bytes.
    for (;;) {
      if (q + 3 > data.length) throw bad(`block header at byte ${q} is truncated`);
      const header = data[q]! | (data[q + 1]! << 8) | (data[q + 2]! << 16);
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      if (type === 3) throw bad(`block at byte ${q} has the reserved type 3`);
      q += 3 + (type === 1 ? 1 : size);
      if (header & 1) break;
    }
    if ((fhd >> 2) & 1) q += 4; // content checksum
    if (q > data.length) throw bad(`frame at byte ${p} runs past the end`);
    p = q;
  }
}

export function unzstdBounded(data: Uint8Array, limit: number): Uint8Array {
  checkFrames(data, limit);
  const out = new BoundedOutput("zstd", limit);
  try {
    const stream = new Decompress((chunk) => out.push(chunk));
    stream.push(data, true);
  } catch (e) {
    throw corrupt("zstd", e);
  }
  return out.bytes();
}
