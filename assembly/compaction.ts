// Log compaction primitives (Kafka's cleanup.policy=compact: keep at least the latest record of
// every key; offsets never change). https://kafka.apache.org/documentation/#compaction
//
// Kafka's LogCleaner works in two passes over the dirty part of the log: it first builds an
// offset map from key to the latest offset holding it (SkimpyOffsetMap, which keeps a 16-byte
// digest of each key rather than the key), then copies each segment keeping only the records the
// map (and the tombstone horizon) allows (MemoryRecords.filterTo). The policy (which records to
// keep, tombstone retention, the active-segment rule) lives in TypeScript; this file provides the
// two byte-level halves:
//
//   scanRecords    one pass over a segment writing, per record in log order, its absolute
//                  offset, timestamp, 128-bit key hash (murmur3.ts) and null-key/null-value flags.
//   rewriteSegment copies a segment keeping the records a mask selects, re-sealing each batch the
//                  way filterTo does for magic 2: the batch keeps its baseOffset and its
//                  lastOffsetDelta (MemoryRecordsBuilder.overrideLastOffset keeps the original
//                  last offset, so the batch still spans its original range and the next offset
//                  a reader computes from it is unchanged), records keep their offsetDelta and
//                  timestampDelta byte for byte, and only recordCount, batchLength, maxTimestamp
//                  and the CRC change. A batch whose records are all kept is written unchanged
//                  (filterTo's "write the original batch" path); one left empty is dropped.
//
// Compacted batches are legal RecordBatch v2 with gaps: offset deltas strictly increase but may
// skip values, and the first record's offset may be above baseOffset. So the record walk here
// checks deltas for order and range (0..lastOffsetDelta) instead of the produce path's exact
// 0..n-1 (validateBatches in batch.ts stays strict: it judges producer input, not stored logs).
//
// Both passes verify each batch's CRC before reading it: rewriteSegment re-seals batches, and
// re-sealing bytes that were corrupted at rest would turn them into "valid" garbage.

import {
  fail, E_RECORD_COUNT_MISMATCH, E_INVALID_OFFSET_DELTA, E_INVALID_TIMESTAMP,
  E_UNSUPPORTED_COMPRESSION, E_MALFORMED_RECORD, R_COMPRESSION,
  R_NEGATIVE_COUNT, R_FIRST_TS_NEGATIVE, R_RECORD_TS_INVALID, R_OFFSET_DELTA_ORDER,
  R_OFFSET_DELTA_PAST_LAST, R_TRAILING_BYTES, R_TOO_FEW_RECORDS, R_BAD_VARINT, R_NEGATIVE_LENGTH,
  R_PAST_RECORD_END, R_RECORD_LENGTH, R_RECORD_LENGTH_MISMATCH, R_RECORD_CAPACITY,
  R_COUNT_EXCEEDS_BYTES, F_RECORD_LENGTH, F_ATTRIBUTES, F_TIMESTAMP_DELTA, F_OFFSET_DELTA, F_KEY,
  F_VALUE, F_HEADER_COUNT, F_HEADER_KEY, F_HEADER_VALUE,
} from "./errors";
import {
  frameBatch, checkCrc, skipBytes, skipHeaders, be32, be64, HEADER_SIZE, LOG_OVERHEAD, OFF_BATCH_LENGTH, OFF_CRC,
  OFF_ATTRIBUTES, OFF_LAST_OFFSET_DELTA, OFF_FIRST_TS, OFF_MAX_TS, OFF_RECORD_COUNT,
  COMPRESSION_MASK,
} from "./batch";
import { crc32c } from "./crc32c";
import { readVarint, readVarlong, varOk, varPos } from "./varint";
import { murmur3x64128 } from "./murmur3";

/** Attributes bit 3: timestampType = LogAppendTime; every record's timestamp is then maxTimestamp. */
const LOG_APPEND_TIME: i32 = 0x08;

/**
 * Smallest possible record: length, attributes, timestampDelta, offsetDelta, keyLength,
 * valueLength and headerCount, one byte each. Bounds how many records a batch can really hold,
 * so a corrupt recordCount cannot make the wrapper reserve gigabytes for scan output.
 */
const MIN_RECORD_SIZE: i64 = 7;

/** Per-record output of scanRecords: f64 offset + f64 timestamp + 16-byte hash + 1 flag byte. */
export const SCAN_BYTES_PER_RECORD: usize = 33;

const FLAG_NULL_KEY: u8 = 1;
const FLAG_NULL_VALUE: u8 = 2;

// The batch opened by openBatch and the record read by readRecord. Module globals, as in
// varint.ts: returning them as an object would allocate once per record.
let bCount: i32 = 0;
let bFirstTs: i64 = 0;
let bLastDelta: i32 = 0;
let bLogAppendTime: bool = false;
let rEnd: usize = 0;
let rTs: i64 = 0;
let rDelta: i32 = 0;
let rKey: usize = 0;
let rKeyLen: i32 = 0;
let rValueNull: bool = false;

/**
 * Frames the batch at p, checks its CRC and that its records can be walked (no compression: the
 * wrapper inflates compressed batches first), and loads its header into the b*
 * globals. Returns the batch size or -1 with STATUS set.
 */
function openBatch(base: usize, p: usize, end: usize, batch: i32): i32 {
  const size = frameBatch(base, p, end, batch);
  if (size < 0) return -1;
  if (checkCrc(base, p, <usize>size, batch) < 0) return -1;
  const pos = p - base;
  const attributes = <i32>bswap<u16>(load<u16>(p + OFF_ATTRIBUTES));
  if ((attributes & COMPRESSION_MASK) != 0) {
    return fail(E_UNSUPPORTED_COMPRESSION, R_COMPRESSION, batch, pos, -1, pos + OFF_ATTRIBUTES, 0, attributes, 0);
  }
  // Transactional batches and control batches (markers) are walked like any other: their
  // records are well-formed, and which of them stay is decided by the policy in TypeScript
  // (src/core/log/compaction.ts: aborted data goes, markers stay until safe to drop, KIP-98).
  bCount = be32(p, OFF_RECORD_COUNT);
  if (bCount < 0) return fail(E_RECORD_COUNT_MISMATCH, R_NEGATIVE_COUNT, batch, pos, -1, pos + OFF_RECORD_COUNT, 0, bCount, 0);
  bFirstTs = be64(p, OFF_FIRST_TS);
  // An empty batch (recordCount 0, as Kafka's cleaner may leave) has firstTimestamp -1; it has
  // no records whose timestamps could go wrong.
  if (bCount > 0 && bFirstTs < 0) return fail(E_INVALID_TIMESTAMP, R_FIRST_TS_NEGATIVE, batch, pos, -1, pos + OFF_FIRST_TS, 0, bFirstTs, 0);
  bLastDelta = be32(p, OFF_LAST_OFFSET_DELTA);
  bLogAppendTime = (attributes & LOG_APPEND_TIME) != 0;
  return size;
}

/**
 * Reads the record at r inside its batch [.., end) into the r* globals with the same structural
 * checks as validateBatches (every field bounded by the record's declared length), except that
 * the offset delta only has to exceed `prevDelta` and stay within lastOffsetDelta. Returns 0, or
 * -1 with STATUS set.
 */
function readRecord(base: usize, r: usize, end: usize, batch: i32, pos: usize, n: i32, prevDelta: i32): i32 {
  const at = r - base;
  const length = readVarint(r, end);
  if (!varOk) return fail(E_MALFORMED_RECORD, R_BAD_VARINT, batch, pos, n, at, F_RECORD_LENGTH, 0, 0);
  let q = varPos;
  if (length < 0 || <usize>length > end - q) {
    return fail(E_MALFORMED_RECORD, R_RECORD_LENGTH, batch, pos, n, at, F_RECORD_LENGTH, length, <i64>(end - q));
  }
  const e = q + <usize>length;
  if (q >= e) return fail(E_MALFORMED_RECORD, R_PAST_RECORD_END, batch, pos, n, q - base, F_ATTRIBUTES, 1, 0);
  q++; // record attributes: unused by Kafka

  const tsDelta = readVarlong(q, e);
  if (!varOk) return fail(E_MALFORMED_RECORD, R_BAD_VARINT, batch, pos, n, q - base, F_TIMESTAMP_DELTA, 0, 0);
  if ((tsDelta > 0 && bFirstTs > i64.MAX_VALUE - tsDelta) || bFirstTs + tsDelta < 0) {
    return fail(E_INVALID_TIMESTAMP, R_RECORD_TS_INVALID, batch, pos, n, q - base, F_TIMESTAMP_DELTA, tsDelta, bFirstTs);
  }
  rTs = bFirstTs + tsDelta;
  q = varPos;

  const delta = readVarint(q, e);
  if (!varOk) return fail(E_MALFORMED_RECORD, R_BAD_VARINT, batch, pos, n, q - base, F_OFFSET_DELTA, 0, 0);
  if (delta <= prevDelta) return fail(E_INVALID_OFFSET_DELTA, R_OFFSET_DELTA_ORDER, batch, pos, n, q - base, F_OFFSET_DELTA, delta, prevDelta);
  if (delta > bLastDelta) return fail(E_INVALID_OFFSET_DELTA, R_OFFSET_DELTA_PAST_LAST, batch, pos, n, q - base, F_OFFSET_DELTA, delta, bLastDelta);
  rDelta = delta;
  q = varPos;

  // Key and value lengths are read once here for the caller and once more by skipBytes, which
  // owns the bounds checks; re-decoding a one-byte varint is cheaper than duplicating them.
  const keyLen = readVarint(q, e);
  rKey = varPos;
  q = skipBytes(base, q, e, batch, pos, n, F_KEY, true);
  if (q == 0) return -1;
  rKeyLen = keyLen;
  const valueLen = readVarint(q, e);
  q = skipBytes(base, q, e, batch, pos, n, F_VALUE, true);
  if (q == 0) return -1;
  rValueNull = valueLen == -1;

  q = skipHeaders(base, q, e, batch, pos, n);
  if (q == 0) return -1;
  if (q != e) {
    return fail(E_MALFORMED_RECORD, R_RECORD_LENGTH_MISMATCH, batch, pos, n, at, F_RECORD_LENGTH, length, <i64>(q - (e - <usize>length)));
  }
  rEnd = e;
  return 0;
}

/**
 * Sum of the recordCount fields of the batches in [p, p+len), so the wrapper can size the scan
 * output exactly. Framing only (the scan itself checks that each batch holds what it declares).
 * Returns the count or -1 with STATUS set.
 */
export function countRecords(p: usize, len: usize): i32 {
  const base = p;
  const end = p + len;
  let total: i64 = 0;
  let batch = 0;
  while (p < end) {
    const size = frameBatch(base, p, end, batch);
    if (size < 0) return -1;
    const pos = p - base;
    const count = be32(p, OFF_RECORD_COUNT);
    if (count < 0) return fail(E_RECORD_COUNT_MISMATCH, R_NEGATIVE_COUNT, batch, pos, -1, pos + OFF_RECORD_COUNT, 0, count, 0);
    const recordBytes = <i64>size - <i64>HEADER_SIZE;
    if (<i64>count * MIN_RECORD_SIZE > recordBytes) {
      return fail(E_RECORD_COUNT_MISMATCH, R_COUNT_EXCEEDS_BYTES, batch, pos, -1, pos + OFF_RECORD_COUNT, 0, count, recordBytes);
    }
    total += count;
    p += <usize>size;
    batch++;
  }
  return <i32>total; // < len / 7, so it fits
}

/**
 * Walks every record of [p, p+len) and writes, for record k (log order) of `capacity` (which must
 * equal countRecords of the same bytes), four columns so the wrapper can copy each out at once:
 *   out + 8k                f64  absolute offset (baseOffset + offsetDelta)
 *   out + 8*capacity + 8k   f64  timestamp: firstTimestamp + timestampDelta (CreateTime), or
 *                                maxTimestamp for a LogAppendTime batch, as Kafka defines it
 *   out + 16*capacity + 16k 16 B murmur3_x64_128(key, seed); all zero for a null key
 *   out + 32*capacity + k   u8   bit 0 null key, bit 1 null value (a tombstone)
 * `out` must be 8-byte aligned. Returns the record count or -1 with STATUS set.
 */
export function scanRecords(p: usize, len: usize, out: usize, capacity: i32, seed: u32): i32 {
  const base = p;
  const end = p + len;
  const cap = <usize>capacity;
  const tsOut = out + (cap << 3);
  const hashOut = out + (cap << 4);
  const flagsOut = out + (cap << 5);
  let k: i32 = 0;
  let batch = 0;
  while (p < end) {
    const size = openBatch(base, p, end, batch);
    if (size < 0) return -1;
    const pos = p - base;
    const bEnd = p + <usize>size;
    const baseOffset = be64(p, 0);
    const appendTime = be64(p, OFF_MAX_TS);
    let r = p + HEADER_SIZE;
    let n: i32 = 0;
    let prev: i32 = -1;
    while (r < bEnd) {
      if (n == bCount) return fail(E_RECORD_COUNT_MISMATCH, R_TRAILING_BYTES, batch, pos, n, r - base, 0, bCount, <i64>(bEnd - r));
      if (k == capacity) return fail(E_RECORD_COUNT_MISMATCH, R_RECORD_CAPACITY, batch, pos, n, r - base, 0, capacity, -1);
      if (readRecord(base, r, bEnd, batch, pos, n, prev) < 0) return -1;
      const i = <usize>k;
      store<f64>(out + (i << 3), <f64>(baseOffset + <i64>rDelta));
      store<f64>(tsOut + (i << 3), <f64>(bLogAppendTime ? appendTime : rTs));
      const h = hashOut + (i << 4);
      if (rKeyLen < 0) {
        store<u64>(h, 0);
        store<u64>(h, 0, 8);
      } else {
        murmur3x64128(rKey, <usize>rKeyLen, seed, h);
      }
      store<u8>(flagsOut + i, (rKeyLen < 0 ? FLAG_NULL_KEY : 0) | (rValueNull ? FLAG_NULL_VALUE : 0));
      prev = rDelta;
      r = rEnd;
      n++;
      k++;
    }
    if (n != bCount) return fail(E_RECORD_COUNT_MISMATCH, R_TOO_FEW_RECORDS, batch, pos, n, bEnd - base, 0, bCount, n);
    p = bEnd;
    batch++;
  }
  if (k != capacity) return fail(E_RECORD_COUNT_MISMATCH, R_RECORD_CAPACITY, batch, end - base, -1, end - base, 0, capacity, k);
  return k;
}

/**
 * Copies [p, p+len) to `out` (at least len bytes, not overlapping the input) keeping record k
 * when keep[k] != 0, k counting records in log order over the whole segment; keepLen must equal
 * the record count. Each batch is re-emitted as described at the top of this file. Returns the
 * bytes written (0 when nothing is kept) or -1 with STATUS set. Output never outgrows the input:
 * only records are removed and header fields are rewritten in place.
 */
export function rewriteSegment(p: usize, len: usize, keep: usize, keepLen: i32, out: usize): i32 {
  const base = p;
  const end = p + len;
  let w = out;
  let k: i32 = 0;
  let batch = 0;
  while (p < end) {
    const size = openBatch(base, p, end, batch);
    if (size < 0) return -1;
    const pos = p - base;
    const bEnd = p + <usize>size;
    const o = w;
    w += HEADER_SIZE;
    let r = p + HEADER_SIZE;
    let n: i32 = 0;
    let prev: i32 = -1;
    let kept: i32 = 0;
    let maxTs = i64.MIN_VALUE;
    // Kept records are copied in runs (one memory.copy per run of consecutive kept records, one
    // per batch when all are kept). run == 0 means no run is open: 0 is never an input address,
    // the scratch area sits above the static data.
    let run: usize = 0;
    while (r < bEnd) {
      if (n == bCount) return fail(E_RECORD_COUNT_MISMATCH, R_TRAILING_BYTES, batch, pos, n, r - base, 0, bCount, <i64>(bEnd - r));
      if (k == keepLen) return fail(E_RECORD_COUNT_MISMATCH, R_RECORD_CAPACITY, batch, pos, n, r - base, 0, keepLen, -1);
      if (readRecord(base, r, bEnd, batch, pos, n, prev) < 0) return -1;
      if (load<u8>(keep + <usize>k) != 0) {
        if (run == 0) run = r;
        kept++;
        if (rTs > maxTs) maxTs = rTs;
      } else if (run != 0) {
        memory.copy(w, run, r - run);
        w += r - run;
        run = 0;
      }
      prev = rDelta;
      r = rEnd;
      n++;
      k++;
    }
    if (n != bCount) return fail(E_RECORD_COUNT_MISMATCH, R_TOO_FEW_RECORDS, batch, pos, n, bEnd - base, 0, bCount, n);
    if (run != 0) {
      memory.copy(w, run, r - run);
      w += r - run;
    }
    if (kept == 0) {
      w = o; // nothing left: drop the batch
    } else {
      memory.copy(o, p, HEADER_SIZE);
      // All kept: the records were copied verbatim, so the batch is byte-identical and its CRC
      // still holds. Otherwise baseOffset, lastOffsetDelta, firstTimestamp, attributes and the
      // producer fields stay; the counts, maxTimestamp and the CRC over them are rewritten.
      if (kept != n) {
        store<u32>(o + OFF_BATCH_LENGTH, bswap<u32>(<u32>(w - o - LOG_OVERHEAD)));
        store<u32>(o + OFF_RECORD_COUNT, bswap<u32>(<u32>kept));
        // A LogAppendTime batch's maxTimestamp is the append time every record reports, not a
        // maximum over them: it stays.
        if (!bLogAppendTime) store<u64>(o + OFF_MAX_TS, bswap<u64>(<u64>maxTs));
        store<u32>(o + OFF_CRC, bswap<u32>(crc32c(o + OFF_ATTRIBUTES, w - o - OFF_ATTRIBUTES)));
      }
    }
    p = bEnd;
    batch++;
  }
  if (k != keepLen) return fail(E_RECORD_COUNT_MISMATCH, R_RECORD_CAPACITY, batch, end - base, -1, end - base, 0, keepLen, k);
  return <i32>(w - out);
}
