// Kafka codec 1: gzip (RFC 1952), through fflate's streaming inflater. Java's GZIPInputStream
// reads concatenated members, and so does fflate's Gunzip.
import { Gunzip, gzipSync } from "fflate";
import { BoundedOutput, corrupt, DecompressionError } from "./bounded-output.ts";

/**
 * Input is fed in slices this large: deflate expands at most ~1032:1, so one push can overshoot
 * the limit by at most ~4 MiB before the output check refuses the rest. (Smaller slices cost
 * fflate several times the time per byte: bench/compression.ts.)
 */
const SLICE = 4096;
/** 10-byte header, an empty deflate block (2 bytes) and the 8-byte trailer. */
const MIN_MEMBER = 20;

export function gunzipBounded(data: Uint8Array, limit: number): Uint8Array {
  const out = new BoundedOutput("gzip", limit);
  let ended = false;
  let members = 1;
  try {
    const stream = new Gunzip((chunk, final) => {
      out.push(chunk);
      if (final) ended = true;
    });
    stream.onmember = (offset) => {
      if (offset > 0) members++;
    };
    for (let p = 0; p < data.length; p += SLICE) stream.push(data.subarray(p, p + SLICE), p + SLICE >= data.length);
  } catch (e) {
    throw corrupt("gzip", e);
  }
  // fflate waits for more input rather than failing when a stream stops early.
  if (!ended || data.length < MIN_MEMBER) throw new DecompressionError("corrupt_compression", "gzip records end before the gzip stream does");
  // fflate does not read the trailer (CRC-32, ISIZE). With one member (what Kafka producers
  // write) ISIZE must be the output length mod 2^32: a cut or altered trailer is refused.
  const isize = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(data.length - 4, true);
  if (members === 1 && isize !== out.length % 2 ** 32) {
    throw new DecompressionError("corrupt_compression", `gzip trailer says ${isize} bytes, the stream holds ${out.length}`);
  }
  return out.bytes();
}

export function gzip(data: Uint8Array): Uint8Array {
  return gzipSync(data);
}
