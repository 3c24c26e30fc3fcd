// The WebAssembly surface of edgebroker's log core: pointer + length functions only, no strings,
// no managed objects (runtime "stub", nothing is ever allocated). The TypeScript wrapper in
// src/core/batch/log-core.ts is the only intended caller; it copies inputs to the scratch area
// (`reserve`), calls one function and reads results or the STATUS block on failure.
//
// int64 parameters and results are passed as f64: a JS number converts to/from f64 without the
// BigInt boxing an i64 would need, and offsets and timestamps are far below 2^53 (the wrapper
// clamps anything else before calling).

import { STATUS } from "./errors";
import { crc32c as crc, crc32cUpdate as crcUpdate } from "./crc32c";
import {
  validateBatches as validate, checkBatches as check, patchBaseOffsets as patch,
} from "./batch";
import { buildIndex as build, locate as find, locateTimestamp as findTs } from "./segment-index";
import {
  countRecords as count, scanRecords as scan, rewriteSegment as rewrite,
} from "./compaction";
import { murmur3x64128 } from "./murmur3";
import { renderRecords as render } from "./page";
export { pageOpener, pageResult } from "./page";
export { reserve } from "./scratch";

/** Address of the STATUS block describing the last failure (see errors.ts for its layout). */
export function status(): usize {
  return STATUS;
}

export function crc32c(p: usize, len: usize): u32 {
  return crc(p, len);
}

export function crc32cUpdate(c: u32, p: usize, len: usize): u32 {
  return crcUpdate(c, p, len);
}

/** Batch count, or -1 (STATUS). fillCrc != 0: each batch's CRC is written, not checked. */
export function validateBatches(p: usize, len: usize, fillCrc: i32): i32 {
  return validate(p, len, fillCrc != 0);
}

/** Batch count (0 for an empty range), or -1 (STATUS). */
export function checkBatches(p: usize, len: usize): i32 {
  return check(p, len);
}

/** Last offset assigned, or -1 (STATUS). */
export function patchBaseOffsets(p: usize, len: usize, baseOffset: f64): f64 {
  return <f64>patch(p, len, <i64>baseOffset);
}

/** Entry count written to out, or -1 (STATUS). */
export function buildIndex(p: usize, len: usize, out: usize, segmentBase: f64): i32 {
  return build(p, len, out, <i64>segmentBase);
}

export function locate(idx: usize, count: i32, relativeOffset: f64): i32 {
  return find(idx, count, <i64>relativeOffset);
}

export function locateTimestamp(idx: usize, count: i32, ts: f64): i32 {
  return findTs(idx, count, <i64>ts);
}

// Log compaction (compaction.ts). The wrapper calls countRecords, sizes the output, then scans.

/** Sum of the batches' recordCount fields, or -1 (STATUS). */
export function countRecords(p: usize, len: usize): i32 {
  return count(p, len);
}

/** Record count with four columns written to out (see compaction.ts), or -1 (STATUS). */
export function scanRecords(p: usize, len: usize, out: usize, capacity: i32, seed: u32): i32 {
  return scan(p, len, out, capacity, seed);
}

/** Bytes written to out, or -1 (STATUS). */
export function rewriteSegment(p: usize, len: usize, keep: usize, keepLen: i32, out: usize): i32 {
  return rewrite(p, len, keep, keepLen, out);
}

/** MurmurHash3_x64_128 of [p, p+len) to the 16 bytes at out (h1, h2 little-endian). */
export function keyHash(p: usize, len: usize, seed: u32, out: usize): void {
  murmur3x64128(p, len, seed, out);
}

// Fetch pages (page.ts): the common records of one records section as JSON or MessagePack.

/** DONE, FULL, FALLBACK or AGAIN (page.ts); the rest in the pageResult() block. */
export function renderRecords(
  json: bool, pos: usize, end: usize, index: i32, count: i32, baseOffset: f64, firstTimestamp: f64,
  maxTimestamp: f64, logAppendTime: bool, from: f64, room: i32, written: i32, out: usize, outEnd: usize, openLen: usize,
): i32 {
  return render(json, pos, end, index, count, baseOffset, firstTimestamp, maxTimestamp, logAppendTime, from, room, written, out, outEnd, openLen);
}
