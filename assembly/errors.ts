// Error reporting shared by every validator in the core.
//
// Failures are cold, so instead of returning objects (which would need the GC) a validator writes
// the details into one fixed STATUS block in static memory and returns -1. The TypeScript wrapper
// (src/core/batch/log-core.ts) reads the block and turns `code` into its BatchErrorCode string and
// `reason` into a human message. The numbers below are mirrored there, and
// src/core/batch/log-core.errors.test.ts checks both lists against each other.

// BatchErrorCode, in the wrapper's order (index = code).
export const E_OK: i32 = 0;
export const E_BATCH_TRUNCATED: i32 = 1;
export const E_UNSUPPORTED_MAGIC: i32 = 2;
export const E_CRC_MISMATCH: i32 = 3;
export const E_RECORD_COUNT_MISMATCH: i32 = 4;
export const E_INVALID_OFFSET_DELTA: i32 = 5;
export const E_INVALID_TIMESTAMP: i32 = 6;
export const E_UNSUPPORTED_COMPRESSION: i32 = 7;
export const E_UNSUPPORTED_ATTRIBUTES: i32 = 8;
export const E_MALFORMED_RECORD: i32 = 9;
export const E_EMPTY_BATCH: i32 = 10;
export const E_INVALID_PRODUCER: i32 = 11;

// Reasons: which check failed, so the message can say what is wrong (a, b are its numbers).
export const R_EMPTY_INPUT: i32 = 1; //            no bytes at all
export const R_HEADER_TRUNCATED: i32 = 2; //       a = bytes left, b = bytes needed
export const R_BAD_MAGIC: i32 = 3; //              a = magic
export const R_LENGTH_TOO_SMALL: i32 = 4; //       a = batchLength, b = minimum
export const R_BATCH_PAST_END: i32 = 5; //         a = batchLength, b = bytes left after the length field
export const R_CRC: i32 = 6; //                    a = stored, b = computed
export const R_COMPRESSION: i32 = 7; //            a = attributes
export const R_ATTRIBUTES: i32 = 8; //             a = attributes
export const R_NO_RECORDS: i32 = 9; //             recordCount == 0
export const R_NEGATIVE_COUNT: i32 = 10; //        a = recordCount
export const R_FIRST_TS_NEGATIVE: i32 = 11; //     a = firstTimestamp
export const R_RECORD_TS_INVALID: i32 = 12; //     a = timestampDelta, b = firstTimestamp
export const R_MAX_TS: i32 = 13; //                a = maxTimestamp, b = max over records
export const R_OFFSET_DELTA: i32 = 14; //          a = offsetDelta found, b = expected
export const R_LAST_OFFSET_DELTA: i32 = 15; //     a = lastOffsetDelta, b = expected
export const R_TRAILING_BYTES: i32 = 16; //        a = recordCount, b = bytes left in the batch
export const R_TOO_FEW_RECORDS: i32 = 17; //       a = recordCount, b = records decoded
export const R_BAD_VARINT: i32 = 18; //            field = which varint
export const R_NEGATIVE_LENGTH: i32 = 19; //       field, a = length
export const R_PAST_RECORD_END: i32 = 20; //       field, a = length, b = bytes left in the record
export const R_RECORD_LENGTH: i32 = 21; //         a = record length, b = bytes left in the batch
export const R_RECORD_LENGTH_MISMATCH: i32 = 22; // a = declared length, b = bytes used
// Stored (possibly compacted) batches, read by compaction.ts: offset deltas may have gaps.
export const R_OFFSET_DELTA_ORDER: i32 = 23; //   a = offsetDelta, b = previous record's offsetDelta
export const R_OFFSET_DELTA_PAST_LAST: i32 = 24; // a = offsetDelta, b = lastOffsetDelta
export const R_RECORD_CAPACITY: i32 = 25; //      a = records the caller sized for, b = records found (-1: more)
export const R_COUNT_EXCEEDS_BYTES: i32 = 26; //  a = recordCount, b = bytes of records in the batch
// 64-bit header fields must stay exact as JavaScript numbers (below 2^53) everywhere they are read.
export const R_TS_RANGE: i32 = 27; //             a = the timestamp (first or max), b = the largest allowed
export const R_PRODUCER_ID: i32 = 28; //          a = producerId (valid: -1, or 0 .. 2^53-1)
export const R_PRODUCER_EPOCH: i32 = 29; //       a = producerEpoch, b = producerId
export const R_BASE_SEQUENCE: i32 = 30; //        a = baseSequence (valid: -1, or >= 0)
export const R_BASE_OFFSET: i32 = 31; //          a = baseOffset of a stored batch, b = the largest allowed
export const R_LAST_OFFSET_NEGATIVE: i32 = 32; //  a = lastOffsetDelta of a stored batch

// Record fields named in messages (the `field` slot).
export const F_RECORD_LENGTH: i32 = 1;
export const F_ATTRIBUTES: i32 = 2;
export const F_TIMESTAMP_DELTA: i32 = 3;
export const F_OFFSET_DELTA: i32 = 4;
export const F_KEY: i32 = 5;
export const F_VALUE: i32 = 6;
export const F_HEADER_COUNT: i32 = 7;
export const F_HEADER_KEY: i32 = 8;
export const F_HEADER_VALUE: i32 = 9;

// STATUS layout (little-endian, 48 bytes):
//   0 code i32 | 4 reason i32 | 8 batch index i32 | 12 batch byte position i32 | 16 record index i32
//  20 byte position of the fault i32 | 24 field i32 | 28 unused | 32 a i64 | 40 b i64
// Positions are relative to the start of the buffer the wrapper passed in.
export const STATUS: usize = memory.data(48, 16);

/** Records a failure in STATUS and returns -1 so callers can `return fail(...)`. */
export function fail(code: i32, reason: i32, batch: i32, batchPos: usize, record: i32, at: usize, field: i32, a: i64, b: i64): i32 {
  store<i32>(STATUS, code, 0);
  store<i32>(STATUS, reason, 4);
  store<i32>(STATUS, batch, 8);
  store<i32>(STATUS, <i32>batchPos, 12);
  store<i32>(STATUS, record, 16);
  store<i32>(STATUS, <i32>at, 20);
  store<i32>(STATUS, field, 24);
  store<i64>(STATUS, a, 32);
  store<i64>(STATUS, b, 40);
  return -1;
}
