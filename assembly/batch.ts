// Kafka RecordBatch v2 (magic 2): validation for the produce path, cheap CRC checks for the read
// path, and in-place base-offset assignment.
//
// Grammar (KIP-98; Kafka's DefaultRecordBatch and the protocol guide
// https://kafka.apache.org/documentation/#recordbatch). All fixed-width fields are big-endian.
//
//   RecordBatch =>
//     baseOffset            int64    @0
//     batchLength           int32    @8    bytes after this field
//     partitionLeaderEpoch  int32    @12
//     magic                 int8     @16   = 2
//     crc                   uint32   @17   CRC-32C over attributes .. end of batch
//     attributes            int16    @21   bits 0-2 compression, 3 timestamp type,
//                                          4 transactional, 5 control
//     lastOffsetDelta       int32    @23
//     firstTimestamp        int64    @27
//     maxTimestamp          int64    @35
//     producerId            int64    @43
//     producerEpoch         int16    @51
//     baseSequence          int32    @53
//     recordCount           int32    @57
//     records               [Record] @61
//
//   Record =>
//     length          varint   bytes after this field
//     attributes      int8     unused
//     timestampDelta  varlong  relative to firstTimestamp
//     offsetDelta     varint   relative to baseOffset
//     keyLength       varint   -1 = null key
//     key             bytes
//     valueLength     varint   -1 = null value
//     value           bytes
//     headerCount     varint
//     headers         [headerKeyLength varint, headerKey bytes,
//                      headerValueLength varint (-1 = null), headerValue bytes]
//
// The CRC deliberately excludes baseOffset, batchLength and partitionLeaderEpoch: the broker
// rewrites those (Kafka assigns offsets on append), so patching never invalidates the checksum.
//
// Every function takes `base` (the start of the caller's buffer) so reported positions are
// relative to it, and `end` so no read ever goes past the bytes the wrapper copied in.

import {
  fail, E_BATCH_TRUNCATED, E_UNSUPPORTED_MAGIC, E_CRC_MISMATCH, E_RECORD_COUNT_MISMATCH,
  E_INVALID_OFFSET_DELTA, E_INVALID_TIMESTAMP, E_UNSUPPORTED_COMPRESSION, E_UNSUPPORTED_ATTRIBUTES,
  E_MALFORMED_RECORD, E_EMPTY_BATCH, R_EMPTY_INPUT, R_HEADER_TRUNCATED, R_BAD_MAGIC,
  R_LENGTH_TOO_SMALL, R_BATCH_PAST_END, R_CRC, R_COMPRESSION, R_ATTRIBUTES, R_NO_RECORDS,
  R_NEGATIVE_COUNT, R_FIRST_TS_NEGATIVE, R_RECORD_TS_INVALID, R_MAX_TS, R_OFFSET_DELTA,
  R_LAST_OFFSET_DELTA, R_TRAILING_BYTES, R_TOO_FEW_RECORDS, R_BAD_VARINT, R_NEGATIVE_LENGTH,
  R_PAST_RECORD_END, R_RECORD_LENGTH, R_RECORD_LENGTH_MISMATCH, E_INVALID_PRODUCER, R_TS_RANGE,
  R_PRODUCER_ID, R_PRODUCER_EPOCH, R_BASE_SEQUENCE, R_BASE_OFFSET, R_LAST_OFFSET_NEGATIVE, F_RECORD_LENGTH, F_ATTRIBUTES,
  F_TIMESTAMP_DELTA, F_OFFSET_DELTA, F_KEY, F_VALUE, F_HEADER_COUNT, F_HEADER_KEY, F_HEADER_VALUE,
} from "./errors";
import { crc32c } from "./crc32c";
import { readVarint, readVarlong, varOk, varPos } from "./varint";

export const HEADER_SIZE: usize = 61;
/** baseOffset + batchLength: the part of the header not counted by batchLength. */
export const LOG_OVERHEAD: usize = 12;
const MAGIC_END: usize = 17; // enough bytes to read the magic byte
const MIN_BATCH_LENGTH: i32 = 49; // HEADER_SIZE - LOG_OVERHEAD

export const OFF_BATCH_LENGTH: usize = 8;
const OFF_MAGIC: usize = 16;
export const OFF_CRC: usize = 17;
export const OFF_ATTRIBUTES: usize = 21;
export const OFF_LAST_OFFSET_DELTA: usize = 23;
export const OFF_FIRST_TS: usize = 27;
export const OFF_MAX_TS: usize = 35;
export const OFF_RECORD_COUNT: usize = 57;
export const OFF_PRODUCER_ID: usize = 43;
export const OFF_PRODUCER_EPOCH: usize = 51;
export const OFF_BASE_SEQUENCE: usize = 53;

/**
 * The largest value a 64-bit field may hold: 2^53 - 1 (Number.MAX_SAFE_INTEGER). Offsets,
 * timestamps and producer ids are JavaScript numbers in the broker and in JSON answers, so a
 * larger value could not be read back exactly; it is refused on write and never served.
 */
export const MAX_SAFE: i64 = 9007199254740991;

export const COMPRESSION_MASK: i32 = 0x07;
export const TRANSACTIONAL_OR_CONTROL: i32 = 0x30;
/** Control batches (transaction markers) are written by the broker only, never produced (KIP-98). */
export const CONTROL: i32 = 0x20;

// @ts-ignore: decorator
@inline export function be32(p: usize, off: usize): i32 {
  return <i32>bswap<u32>(load<u32>(p + off));
}
// @ts-ignore: decorator
@inline export function be64(p: usize, off: usize): i64 {
  return <i64>bswap<u64>(load<u64>(p + off));
}

/**
 * Frames the batch at p: checks the header is present, magic is 2 and batchLength fits the
 * buffer. Returns the batch's total size (12 + batchLength) or -1 with STATUS set. Magic is
 * checked before the length so a legacy (v0/v1) message set is called what it is.
 */
export function frameBatch(base: usize, p: usize, end: usize, batch: i32): i32 {
  const left = end - p;
  const pos = p - base;
  if (left < MAGIC_END) return fail(E_BATCH_TRUNCATED, R_HEADER_TRUNCATED, batch, pos, -1, pos, 0, <i64>left, <i64>MAGIC_END);
  const magic = <i32>load<i8>(p + OFF_MAGIC);
  if (magic != 2) return fail(E_UNSUPPORTED_MAGIC, R_BAD_MAGIC, batch, pos, -1, pos + OFF_MAGIC, 0, magic, 2);
  if (left < HEADER_SIZE) return fail(E_BATCH_TRUNCATED, R_HEADER_TRUNCATED, batch, pos, -1, pos, 0, <i64>left, <i64>HEADER_SIZE);
  const batchLength = be32(p, OFF_BATCH_LENGTH);
  if (batchLength < MIN_BATCH_LENGTH) {
    return fail(E_BATCH_TRUNCATED, R_LENGTH_TOO_SMALL, batch, pos, -1, pos + OFF_BATCH_LENGTH, 0, batchLength, MIN_BATCH_LENGTH);
  }
  if (<usize>batchLength > left - LOG_OVERHEAD) {
    return fail(E_BATCH_TRUNCATED, R_BATCH_PAST_END, batch, pos, -1, pos + OFF_BATCH_LENGTH, 0, batchLength, <i64>(left - LOG_OVERHEAD));
  }
  return <i32>LOG_OVERHEAD + batchLength;
}

/**
 * Compares the stored CRC with CRC-32C(attributes .. end). Returns 0 or -1 with STATUS set.
 * With `fill` the CRC is written instead of compared (a batch the broker encoded itself).
 */
export function checkCrc(base: usize, p: usize, size: usize, batch: i32, fill: bool = false): i32 {
  const computed = crc32c(p + OFF_ATTRIBUTES, size - OFF_ATTRIBUTES);
  if (fill) {
    store<u32>(p + OFF_CRC, bswap<u32>(computed));
    return 0;
  }
  const stored = <u32>be32(p, OFF_CRC);
  if (stored != computed) {
    const pos = p - base;
    return fail(E_CRC_MISMATCH, R_CRC, batch, pos, -1, pos + OFF_CRC, 0, <i64>stored, <i64>computed);
  }
  return 0;
}

/**
 * Full validation of [p, end): one or more batches that must consume the buffer exactly.
 * Returns the number of batches, or -1 with STATUS set. With `fillCrc` every batch's CRC field
 * is computed and written rather than checked; everything else is checked the same.
 */
export function validateBatches(p: usize, len: usize, fillCrc: bool = false): i32 {
  const base = p;
  const end = p + len;
  if (len == 0) return fail(E_EMPTY_BATCH, R_EMPTY_INPUT, 0, 0, -1, 0, 0, 0, 0);
  let batch = 0;
  while (p < end) {
    const size = frameBatch(base, p, end, batch);
    if (size < 0) return -1;
    if (validateBody(base, p, <usize>size, batch, fillCrc) < 0) return -1;
    p += <usize>size;
    batch++;
  }
  return batch;
}

/** Everything after framing: CRC, attributes, counts, timestamps, and the record walk. */
function validateBody(base: usize, p: usize, size: usize, batch: i32, fillCrc: bool): i32 {
  const pos = p - base;
  if (checkCrc(base, p, size, batch, fillCrc) < 0) return -1;

  const attributes = <i32>bswap<u16>(load<u16>(p + OFF_ATTRIBUTES));
  if ((attributes & COMPRESSION_MASK) != 0) {
    return fail(E_UNSUPPORTED_COMPRESSION, R_COMPRESSION, batch, pos, -1, pos + OFF_ATTRIBUTES, 0, attributes, 0);
  }
  // Transactional batches (bit 4) are accepted; the partition checks their producer against the
  // transaction state. Control batches are the broker's own markers and never come from a producer.
  if ((attributes & CONTROL) != 0) {
    return fail(E_UNSUPPORTED_ATTRIBUTES, R_ATTRIBUTES, batch, pos, -1, pos + OFF_ATTRIBUTES, 0, attributes, 0);
  }
  const recordCount = be32(p, OFF_RECORD_COUNT);
  if (recordCount == 0) return fail(E_EMPTY_BATCH, R_NO_RECORDS, batch, pos, -1, pos + OFF_RECORD_COUNT, 0, 0, 0);
  if (recordCount < 0) {
    return fail(E_RECORD_COUNT_MISMATCH, R_NEGATIVE_COUNT, batch, pos, -1, pos + OFF_RECORD_COUNT, 0, recordCount, 0);
  }
  const firstTs = be64(p, OFF_FIRST_TS);
  if (firstTs < 0) return fail(E_INVALID_TIMESTAMP, R_FIRST_TS_NEGATIVE, batch, pos, -1, pos + OFF_FIRST_TS, 0, firstTs, 0);
  if (firstTs > MAX_SAFE) return fail(E_INVALID_TIMESTAMP, R_TS_RANGE, batch, pos, -1, pos + OFF_FIRST_TS, 0, firstTs, MAX_SAFE);
  if (checkProducer(p, pos, batch) < 0) return -1;

  // Record walk. `r` is the record start, `rEnd` its end as declared by its length varint; every
  // field read is bounded by rEnd so one bad length cannot make us read a neighbour's bytes.
  const end = p + size;
  let r = p + HEADER_SIZE;
  let n: i32 = 0;
  let maxTs: i64 = firstTs;
  while (r < end) {
    if (n == recordCount) {
      return fail(E_RECORD_COUNT_MISMATCH, R_TRAILING_BYTES, batch, pos, n, r - base, 0, recordCount, <i64>(end - r));
    }
    const at = r - base;
    const length = readVarint(r, end);
    if (!varOk) return fail(E_MALFORMED_RECORD, R_BAD_VARINT, batch, pos, n, at, F_RECORD_LENGTH, 0, 0);
    let q = varPos;
    if (length < 0 || <usize>length > end - q) {
      return fail(E_MALFORMED_RECORD, R_RECORD_LENGTH, batch, pos, n, at, F_RECORD_LENGTH, length, <i64>(end - q));
    }
    const rEnd = q + <usize>length;
    if (q >= rEnd) return fail(E_MALFORMED_RECORD, R_PAST_RECORD_END, batch, pos, n, q - base, F_ATTRIBUTES, 1, 0);
    q++; // record attributes: unused by Kafka, any value accepted

    const tsDelta = readVarlong(q, rEnd);
    if (!varOk) return fail(E_MALFORMED_RECORD, R_BAD_VARINT, batch, pos, n, q - base, F_TIMESTAMP_DELTA, 0, 0);
    // 0 <= firstTs <= MAX_SAFE here, so the sum cannot overflow i64 once tsDelta is bounded.
    if (tsDelta > MAX_SAFE || tsDelta < -MAX_SAFE || firstTs + tsDelta < 0 || firstTs + tsDelta > MAX_SAFE) {
      return fail(E_INVALID_TIMESTAMP, R_RECORD_TS_INVALID, batch, pos, n, q - base, F_TIMESTAMP_DELTA, tsDelta, firstTs);
    }
    if (firstTs + tsDelta > maxTs) maxTs = firstTs + tsDelta;
    q = varPos;

    const offsetDelta = readVarint(q, rEnd);
    if (!varOk) return fail(E_MALFORMED_RECORD, R_BAD_VARINT, batch, pos, n, q - base, F_OFFSET_DELTA, 0, 0);
    if (offsetDelta != n) return fail(E_INVALID_OFFSET_DELTA, R_OFFSET_DELTA, batch, pos, n, q - base, F_OFFSET_DELTA, offsetDelta, n);
    q = varPos;

    q = skipBytes(base, q, rEnd, batch, pos, n, F_KEY, true);
    if (q == 0) return -1;
    q = skipBytes(base, q, rEnd, batch, pos, n, F_VALUE, true);
    if (q == 0) return -1;

    q = skipHeaders(base, q, rEnd, batch, pos, n);
    if (q == 0) return -1;
    if (q != rEnd) {
      return fail(E_MALFORMED_RECORD, R_RECORD_LENGTH_MISMATCH, batch, pos, n, at, F_RECORD_LENGTH, length, <i64>(q - (rEnd - <usize>length)));
    }
    r = rEnd;
    n++;
  }
  if (n != recordCount) {
    return fail(E_RECORD_COUNT_MISMATCH, R_TOO_FEW_RECORDS, batch, pos, n, end - base, 0, recordCount, n);
  }
  // Checked after the walk so a wrong recordCount is reported as such, not as a delta problem.
  const lastOffsetDelta = be32(p, OFF_LAST_OFFSET_DELTA);
  if (lastOffsetDelta != recordCount - 1) {
    return fail(E_INVALID_OFFSET_DELTA, R_LAST_OFFSET_DELTA, batch, pos, -1, pos + OFF_LAST_OFFSET_DELTA, 0, lastOffsetDelta, recordCount - 1);
  }
  const storedMax = be64(p, OFF_MAX_TS);
  if (storedMax != maxTs) {
    return fail(E_INVALID_TIMESTAMP, R_MAX_TS, batch, pos, -1, pos + OFF_MAX_TS, 0, storedMax, maxTs);
  }
  return 0;
}

/**
 * Skips a length-prefixed byte field (length varint, then that many bytes) inside [q, rEnd).
 * Returns the position after it, or 0 with STATUS set (0 is never a valid pointer here: the
 * scratch area lives above the static data).
 */
/** Skips a record's header count and headers; the position after them, or 0 once fail() recorded why. */
export function skipHeaders(base: usize, q: usize, rEnd: usize, batch: i32, pos: usize, n: i32): usize {
  const headerCount = readVarint(q, rEnd);
  if (!varOk) {
    fail(E_MALFORMED_RECORD, R_BAD_VARINT, batch, pos, n, q - base, F_HEADER_COUNT, 0, 0);
    return 0;
  }
  if (headerCount < 0) {
    fail(E_MALFORMED_RECORD, R_NEGATIVE_LENGTH, batch, pos, n, q - base, F_HEADER_COUNT, headerCount, 0);
    return 0;
  }
  q = varPos;
  for (let h = 0; h < headerCount; h++) {
    // Header keys are non-null strings in Kafka; values may be null.
    q = skipBytes(base, q, rEnd, batch, pos, n, F_HEADER_KEY, false);
    if (q == 0) return 0;
    q = skipBytes(base, q, rEnd, batch, pos, n, F_HEADER_VALUE, true);
    if (q == 0) return 0;
  }
  return q;
}

export function skipBytes(base: usize, q: usize, rEnd: usize, batch: i32, pos: usize, n: i32, field: i32, nullable: bool): usize {
  const len = readVarint(q, rEnd);
  if (!varOk) { fail(E_MALFORMED_RECORD, R_BAD_VARINT, batch, pos, n, q - base, field, 0, 0); return 0; }
  const after = varPos;
  if (len < 0) {
    if (len == -1 && nullable) return after;
    fail(E_MALFORMED_RECORD, R_NEGATIVE_LENGTH, batch, pos, n, q - base, field, len, 0);
    return 0;
  }
  if (<usize>len > rEnd - after) {
    fail(E_MALFORMED_RECORD, R_PAST_RECORD_END, batch, pos, n, q - base, field, len, <i64>(rEnd - after));
    return 0;
  }
  return after + <usize>len;
}

/**
 * Read-side check of stored batches in [p, p+len): framing, magic and CRC per batch, no record
 * walk. Returns the batch count (0 for an empty range) or -1 with STATUS set.
 */
export function checkBatches(p: usize, len: usize): i32 {
  const base = p;
  const end = p + len;
  let batch = 0;
  while (p < end) {
    const size = frameBatch(base, p, end, batch);
    if (size < 0) return -1;
    if (checkCrc(base, p, <usize>size, batch) < 0) return -1;
    if (checkStoredHeader(base, p, batch) < 0) return -1;
    p += <usize>size;
    batch++;
  }
  return batch;
}

/**
 * The producer fields Kafka gives meaning to (KIP-98): producerId -1 (not idempotent) or an id
 * below 2^53; an idempotent batch has an epoch >= 0; baseSequence is -1 or >= 0.
 */
function checkProducer(p: usize, pos: usize, batch: i32): i32 {
  const producerId = be64(p, OFF_PRODUCER_ID);
  if (producerId < -1 || producerId > MAX_SAFE) {
    return fail(E_INVALID_PRODUCER, R_PRODUCER_ID, batch, pos, -1, pos + OFF_PRODUCER_ID, 0, producerId, MAX_SAFE);
  }
  const epoch = <i32>bswap<u16>(load<u16>(p + OFF_PRODUCER_EPOCH)) << 16 >> 16;
  if (epoch < -1 || (producerId >= 0 && epoch < 0)) {
    return fail(E_INVALID_PRODUCER, R_PRODUCER_EPOCH, batch, pos, -1, pos + OFF_PRODUCER_EPOCH, 0, epoch, producerId);
  }
  const seq = be32(p, OFF_BASE_SEQUENCE);
  if (seq < -1) return fail(E_INVALID_PRODUCER, R_BASE_SEQUENCE, batch, pos, -1, pos + OFF_BASE_SEQUENCE, 0, seq, 0);
  return 0;
}

/**
 * Read side: a stored batch is only served when every header field a reader turns into a number
 * is in range, so no batch the write path would refuse (or one stored before it refused it, or a
 * row altered on disk) can make a reader fail. An empty batch (compaction) may carry timestamp -1.
 */
function checkStoredHeader(base: usize, p: usize, batch: i32): i32 {
  const pos = p - base;
  const baseOffset = be64(p, 0);
  if (baseOffset < 0 || baseOffset > MAX_SAFE) return fail(E_INVALID_OFFSET_DELTA, R_BASE_OFFSET, batch, pos, -1, pos, 0, baseOffset, MAX_SAFE);
  const lastDelta = be32(p, OFF_LAST_OFFSET_DELTA);
  if (lastDelta < 0) return fail(E_INVALID_OFFSET_DELTA, R_LAST_OFFSET_NEGATIVE, batch, pos, -1, pos + OFF_LAST_OFFSET_DELTA, 0, lastDelta, 0);
  const count = be32(p, OFF_RECORD_COUNT);
  if (count < 0) return fail(E_RECORD_COUNT_MISMATCH, R_NEGATIVE_COUNT, batch, pos, -1, pos + OFF_RECORD_COUNT, 0, count, 0);
  const low: i64 = count == 0 ? -1 : 0;
  const firstTs = be64(p, OFF_FIRST_TS);
  if (firstTs < low || firstTs > MAX_SAFE) return fail(E_INVALID_TIMESTAMP, R_TS_RANGE, batch, pos, -1, pos + OFF_FIRST_TS, 0, firstTs, MAX_SAFE);
  const maxTs = be64(p, OFF_MAX_TS);
  if (maxTs < low || maxTs > MAX_SAFE) return fail(E_INVALID_TIMESTAMP, R_TS_RANGE, batch, pos, -1, pos + OFF_MAX_TS, 0, maxTs, MAX_SAFE);
  // Only the range matters to a reader; the epoch/sequence rules are the write path's.
  const producerId = be64(p, OFF_PRODUCER_ID);
  if (producerId < -1 || producerId > MAX_SAFE) {
    return fail(E_INVALID_PRODUCER, R_PRODUCER_ID, batch, pos, -1, pos + OFF_PRODUCER_ID, 0, producerId, MAX_SAFE);
  }
  return 0;
}

/**
 * Assigns base offsets in place: the first batch gets `baseOffset`, each next one follows the
 * previous batch's last offset. Returns the last offset assigned, or -1 with STATUS set when the
 * buffer does not frame (offsets are never negative, so -1 is unambiguous).
 */
export function patchBaseOffsets(p: usize, len: usize, baseOffset: i64): i64 {
  const base = p;
  const end = p + len;
  let next = baseOffset;
  let last: i64 = -1;
  let batch = 0;
  while (p < end) {
    const size = frameBatch(base, p, end, batch);
    if (size < 0) return -1;
    store<u64>(p, bswap<u64>(<u64>next));
    last = next + <i64>be32(p, OFF_LAST_OFFSET_DELTA);
    next = last + 1;
    p += <usize>size;
    batch++;
  }
  return last;
}
