// Compaction over rows that hold compressed batches (docs/compression.md). The WASM scan and
// rewrite walk plain records, so a row with compressed batches is scanned inflated, and each
// batch is then rewritten on its own:
// - every record kept: the batch stays byte for byte as produced;
// - none kept: the batch goes, as in LogCore.rewriteSegment;
// - some kept: WASM rewrites the inflated batch (offsets, deltas and lastOffsetDelta unchanged,
//   recordCount, maxTimestamp and CRC updated), and its records are compressed again with the
//   batch's codec where the broker has a portable compressor (gzip, snappy); lz4 and zstd batches
//   keep their records uncompressed (codec bits 0), which every Kafka reader accepts.
// Rows without compressed batches take the WASM path unchanged.
import { KEY_HASH_SIZE, type LogCore, type RecordScan } from "../batch/log-core.ts";
import { frameBatches, inflateBatch, type BatchFrame } from "./batches.ts";
import { CODEC_MASK, compressRecords } from "./index.ts";

const HEADER = 61;

/**
 * LogCore.scanRecords over a row whose batches may be compressed (records in log order). Batch
 * by batch, so at most one batch is held decompressed (each was bounded when produced).
 */
export function scanSegment(core: LogCore, segment: Uint8Array): RecordScan {
  const frames = frameBatches(segment);
  if (frames === null || !frames.some((f) => f.codec !== 0)) return core.scanRecords(segment);
  const scans = frames.map((f) => core.scanRecords(plainBatch(core, segment, f)));
  const count = scans.reduce((n, s) => n + s.count, 0);
  const out: RecordScan = {
    count,
    offsets: new Float64Array(count),
    timestamps: new Float64Array(count),
    keyHashes: new Uint8Array(count * KEY_HASH_SIZE),
    flags: new Uint8Array(count),
  };
  let at = 0;
  for (const s of scans) {
    out.offsets.set(s.offsets, at);
    out.timestamps.set(s.timestamps, at);
    out.keyHashes.set(s.keyHashes, at * KEY_HASH_SIZE);
    out.flags.set(s.flags, at);
    at += s.count;
  }
  return out;
}

/** The batch of `f` as plain records: itself, or inflated (no bound: it was bounded on produce). */
function plainBatch(core: LogCore, segment: Uint8Array, f: BatchFrame): Uint8Array {
  const batch = segment.subarray(f.position, f.position + f.size);
  return f.codec === 0 ? batch : inflateBatch(batch, (b) => core.crc32c(b), Number.MAX_SAFE_INTEGER);
}

/** LogCore.rewriteSegment over a row whose batches may be compressed; `keep` as scanSegment counts records. */
export function rewriteSegment(core: LogCore, segment: Uint8Array, keep: Uint8Array): Uint8Array {
  const frames = frameBatches(segment);
  if (frames === null || !frames.some((f) => f.codec !== 0)) return core.rewriteSegment(segment, keep);
  const parts: Uint8Array[] = [];
  let k = 0;
  for (const f of frames) {
    const batch = segment.subarray(f.position, f.position + f.size);
    // recordCount was checked against the records when the batch was produced (or rewritten).
    const count = new DataView(batch.buffer, batch.byteOffset, batch.byteLength).getInt32(57);
    const mask = keep.subarray(k, k + count);
    k += count;
    let kept = 0;
    for (let i = 0; i < count; i++) if (mask[i]) kept++;
    if (kept === count) parts.push(batch);
    else if (kept > 0) parts.push(recompress(core, core.rewriteSegment(plainBatch(core, segment, f), mask), f.codec));
  }
  if (k !== keep.length) throw new RangeError(`compaction: keep mask has ${keep.length} entries, the segment holds ${k} records`);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

/** Puts a rewritten (uncompressed) batch's records back in `codec` when a compressor exists. */
function recompress(core: LogCore, batch: Uint8Array, codec: number): Uint8Array {
  const records = compressRecords(codec, batch.subarray(HEADER));
  if (records === null || codec === 0) return batch;
  const out = new Uint8Array(HEADER + records.length);
  out.set(batch.subarray(0, HEADER));
  out.set(records, HEADER);
  const view = new DataView(out.buffer);
  view.setInt32(8, HEADER - 12 + records.length);
  view.setInt16(21, (view.getInt16(21) & ~CODEC_MASK) | codec);
  view.setUint32(17, core.crc32c(out.subarray(21)) >>> 0);
  return out;
}
