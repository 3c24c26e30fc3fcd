// Compressed batches seen whole: finds them in a run of RecordBatch v2 bytes and builds the
// "inflated" equivalent of a run (each compressed batch's records decompressed, codec bits
// cleared, batchLength and CRC-32C recomputed), which the WASM core validates, scans and
// rewrites exactly as it does batches produced uncompressed. The stored bytes never change.
import { CODEC_MASK, decompressRecords, DecompressionError, MAX_DECOMPRESSED_BYTES } from "./index.ts";

const HEADER = 61;
const LOG_OVERHEAD = 12;
const OFF_BATCH_LENGTH = 8;
const OFF_MAGIC = 16;
const OFF_CRC = 17;
const OFF_ATTRIBUTES = 21;

/** One batch of a run: where it is and its codec (attributes bits 0-2). */
export interface BatchFrame {
  position: number;
  size: number;
  codec: number;
}

/**
 * Frames the batches of `bytes` from their headers. Returns null as soon as something does not
 * frame (truncated header, magic ≠ 2, batchLength out of range): the WASM core then reports it.
 */
export function frameBatches(bytes: Uint8Array): BatchFrame[] | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: BatchFrame[] = [];
  let p = 0;
  while (p < bytes.length) {
    if (p + HEADER > bytes.length || view.getInt8(p + OFF_MAGIC) !== 2) return null;
    const length = view.getInt32(p + OFF_BATCH_LENGTH);
    if (length < HEADER - LOG_OVERHEAD || length > bytes.length - p - LOG_OVERHEAD) return null;
    frames.push({ position: p, size: LOG_OVERHEAD + length, codec: view.getInt16(p + OFF_ATTRIBUTES) & CODEC_MASK });
    p += LOG_OVERHEAD + length;
  }
  return frames;
}

/** Index of the batch starting at `position`, counting the (framed) batches before it. */
export function batchIndexAt(bytes: Uint8Array, position: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 0;
  let i = 0;
  while (p < position && p + HEADER <= bytes.length) {
    p += LOG_OVERHEAD + view.getInt32(p + OFF_BATCH_LENGTH);
    i++;
  }
  return i;
}

/** True when some batch of the run is compressed (false too when the run does not frame). */
export function hasCompressedBatch(bytes: Uint8Array): boolean {
  const frames = frameBatches(bytes);
  return frames !== null && frames.some((f) => f.codec !== 0);
}

/** A batch that failed to decompress: which one, and why (DecompressionError.reason). */
export class InflateError extends Error {
  readonly batch: number;
  readonly position: number;
  readonly failure: DecompressionError;
  constructor(batch: number, position: number, failure: DecompressionError) {
    super(`batch ${batch} at byte ${position}: ${failure.message}`);
    this.name = "InflateError";
    this.batch = batch;
    this.position = position;
    this.failure = failure;
  }
}

/**
 * The uncompressed equivalent of one compressed batch: the same header with the codec bits
 * cleared, batchLength for the decompressed records and, when `crc32c` is given, a recomputed
 * CRC (the WASM validator checks it; readers that only decode records need none).
 */
export function inflateBatch(batch: Uint8Array, crc32c: ((b: Uint8Array) => number) | null, limit = MAX_DECOMPRESSED_BYTES): Uint8Array {
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  const attributes = view.getInt16(OFF_ATTRIBUTES);
  const records = decompressRecords(attributes & CODEC_MASK, batch.subarray(HEADER), limit);
  const out = new Uint8Array(HEADER + records.length);
  out.set(batch.subarray(0, HEADER));
  out.set(records, HEADER);
  const ov = new DataView(out.buffer);
  ov.setInt32(OFF_BATCH_LENGTH, HEADER - LOG_OVERHEAD + records.length);
  ov.setInt16(OFF_ATTRIBUTES, attributes & ~CODEC_MASK);
  if (crc32c) ov.setUint32(OFF_CRC, crc32c(out.subarray(OFF_ATTRIBUTES)) >>> 0);
  return out;
}

/**
 * Inflates every compressed batch of a framed run (uncompressed batches are copied as they are).
 * `limit` bounds the decompressed records of the whole run. Throws InflateError.
 */
export function inflateBatches(bytes: Uint8Array, frames: BatchFrame[], crc32c: ((b: Uint8Array) => number) | null, limit = MAX_DECOMPRESSED_BYTES): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  let budget = limit;
  frames.forEach((f, i) => {
    const batch = bytes.subarray(f.position, f.position + f.size);
    let part = batch;
    if (f.codec !== 0) {
      try {
        part = inflateBatch(batch, crc32c, budget);
      } catch (e) {
        if (e instanceof DecompressionError) throw new InflateError(i, f.position, e);
        throw e;
      }
      budget -= part.length - HEADER;
    }
    parts.push(part);
    total += part.length;
  });
  const out = new Uint8Array(total);
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}
