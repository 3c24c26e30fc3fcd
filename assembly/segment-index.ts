// Sparse offset/time index over a segment (concatenated, already validated batches), the same idea
// as Kafka's .index and .timeindex files (kafka.log.OffsetIndex / TimeIndex) folded into one array.
//
// Entry (16 bytes, little-endian so Wasm and JS DataView read it without swapping):
//   0 i32  batch baseOffset - segmentBaseOffset   (relative, as Kafka's 4-byte relative offsets)
//   4 i32  byte position of the batch in the segment
//   8 i64  running max of maxTimestamp up to and including this batch
// The running max makes the timestamp column monotonic even when producers send batches out of
// time order, so "first batch that may hold a record with timestamp >= ts" is a binary search.

import { frameBatch, be64, OFF_MAX_TS } from "./batch";

export const ENTRY_SIZE: usize = 16;

/** Writes one entry per batch of [p, p+len) to out. Returns the entry count or -1 (STATUS set). */
export function buildIndex(p: usize, len: usize, out: usize, segmentBase: i64): i32 {
  const base = p;
  const end = p + len;
  let n = 0;
  let maxTs = i64.MIN_VALUE;
  while (p < end) {
    const size = frameBatch(base, p, end, n);
    if (size < 0) return -1;
    const ts = be64(p, OFF_MAX_TS);
    if (ts > maxTs) maxTs = ts;
    const e = out + <usize>n * ENTRY_SIZE;
    store<i32>(e, <i32>(be64(p, 0) - segmentBase));
    store<i32>(e, <i32>(p - base), 4);
    store<i64>(e, maxTs, 8);
    p += <usize>size;
    n++;
  }
  return n;
}

/** Byte position of the last entry whose relative base <= rel, or -1 if rel precedes them all. */
export function locate(idx: usize, count: i32, rel: i64): i32 {
  let lo = 0;
  let hi = count; // invariant: entries [0, lo) have base <= rel, [hi, count) have base > rel
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (<i64>load<i32>(idx + <usize>mid * ENTRY_SIZE) <= rel) lo = mid + 1;
    else hi = mid;
  }
  return lo == 0 ? -1 : load<i32>(idx + <usize>(lo - 1) * ENTRY_SIZE, 4);
}

/** Byte position of the first entry whose running max timestamp >= ts, or -1 if none. */
export function locateTimestamp(idx: usize, count: i32, ts: i64): i32 {
  let lo = 0;
  let hi = count; // invariant: entries [0, lo) have max < ts, [hi, count) have max >= ts
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (load<i64>(idx + <usize>mid * ENTRY_SIZE, 8) < ts) lo = mid + 1;
    else hi = mid;
  }
  return lo == count ? -1 : load<i32>(idx + <usize>lo * ENTRY_SIZE, 4);
}

