// What the tests of the Wasm core's log compaction primitives share (src/core/batch/
// log-core.key-hash.test.ts, log-core.scan-records.test.ts, log-core.rewrite-segment.test.ts):
// three independent readings of the format — a model of each batch re-encoded by the test-only
// builder (exact bytes), the project's decodeRecords, and kafkajs's decoder — and the random
// segments they are checked on.
//
// Random segments come from fast-check: many batches, keys from a small key space (with null and
// empty keys), tombstones, headers with unicode keys and null values, out-of-order timestamps,
// producer fields, some LogAppendTime batches. Every property also runs on the output of a first
// rewrite, so gapped offset deltas (the shape of compacted batches) are inputs too.
import { createRequire } from "node:module";
import fc from "fast-check";
import { expect } from "vitest";
import { KEY_HASH_SEED, KEY_HASH_SIZE, RECORD_NULL_KEY, RECORD_NULL_VALUE, type RecordScan } from "../../src/core/batch/log-core.ts";
import {
  decodeRecords,
  encodeBatch as encodeRecordBatch,
  type DecodedRecord,
  type Header,
  type RecordInput,
} from "../../src/core/batch/record-batch.ts";
import { loadLogCore } from "./load-log-core.ts";
import { concat, crc32cBitwise, enc, encodeBatch as builderBatch, reseal } from "./batch-builder.ts";
import { murmur3x64128Bytes } from "./murmur3.ts";

const require = createRequire(import.meta.url);
const decodeRecordBatch = require("kafkajs/src/protocol/recordBatch/v0/decoder.js");
const Decoder = require("kafkajs/src/protocol/decoder.js");

export const core = await loadLogCore();
export const crc32c = (b: Uint8Array) => core.crc32c(b);

export const T0 = 1_717_171_717_000;
export const LOG_APPEND_TIME = 0x08;
export const RUNS = 150;

// ---------------------------------------------------------------------------------------------
// A model of a segment: what each batch holds, field by field. Encoded with the test builder it
// must reproduce the segment byte for byte, so a rewrite can be checked as "filter the model".

export interface ModelRecord {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: Header[];
  timestampDelta: number;
  offsetDelta: number;
}
export interface ModelBatch {
  baseOffset: number;
  firstTimestamp: number;
  maxTimestamp: number;
  lastOffsetDelta: number;
  attributes: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  partitionLeaderEpoch: number;
  records: ModelRecord[];
}

export function encodeModel(batches: ModelBatch[]): Uint8Array {
  return concat(...batches.map((b) => builderBatch({ ...b, records: b.records.map((r) => ({ ...r })) })));
}

export function modelRecords(batches: ModelBatch[]): DecodedRecord[] {
  return batches.flatMap((b) =>
    b.records.map((r) => ({
      offset: b.baseOffset + r.offsetDelta,
      timestamp: b.attributes & LOG_APPEND_TIME ? b.maxTimestamp : b.firstTimestamp + r.timestampDelta,
      key: r.key,
      value: r.value,
      headers: r.headers,
    })),
  );
}

/** What rewriteSegment must produce: kept records only, empty batches gone, maxTimestamp recomputed. */
export function applyMask(batches: ModelBatch[], keep: Uint8Array): ModelBatch[] {
  let k = 0;
  const out: ModelBatch[] = [];
  for (const b of batches) {
    const records = b.records.filter(() => keep[k++] !== 0);
    if (records.length === 0) continue;
    const maxTimestamp =
      b.attributes & LOG_APPEND_TIME ? b.maxTimestamp : Math.max(...records.map((r) => b.firstTimestamp + r.timestampDelta));
    out.push({ ...b, maxTimestamp, records });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Generators.

const KEYS: (Uint8Array | null)[] = [
  null,
  enc(""),
  enc("a"),
  enc("b"),
  enc("user-1"),
  enc("user-2"),
  enc("k".repeat(16)),
  enc("ключ-17-bytes!"),
  new Uint8Array([0, 255, 0]),
];

const recordArb = fc.record({
  key: fc.constantFrom(...KEYS),
  value: fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 4, arbitrary: fc.uint8Array({ maxLength: 48 }) }),
  headers: fc.array(fc.tuple(fc.string({ unit: "grapheme", maxLength: 6 }), fc.option(fc.uint8Array({ maxLength: 8 }), { nil: null })), {
    maxLength: 3,
  }),
  timestamp: fc.integer({ min: T0 - 10_000, max: T0 + 10_000 }), // out of order within and across batches
}) as fc.Arbitrary<RecordInput>;

const batchArb = fc.record({
  records: fc.array(recordArb, { minLength: 1, maxLength: 12 }),
  producerId: fc.integer({ min: -1, max: 1_000_000 }),
  producerEpoch: fc.integer({ min: -1, max: 32_000 }),
  baseSequence: fc.integer({ min: -1, max: 1_000_000 }),
  partitionLeaderEpoch: fc.integer({ min: -1, max: 100 }),
  appendTime: fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.integer({ min: T0, max: T0 + 1_000_000 }) },
  ),
});

export interface Segment {
  bytes: Uint8Array;
  model: ModelBatch[];
  base: number;
}

export const segmentArb: fc.Arbitrary<Segment> = fc
  .record({
    batches: fc.array(batchArb, { minLength: 1, maxLength: 25 }),
    base: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2 ** 40 })),
  })
  .map(({ batches, base }) => {
    // The project's encoder, then the broker's offset assignment, then (for some batches) what a
    // broker with message.timestamp.type=LogAppendTime stamps: attribute bit 3 and maxTimestamp.
    const parts = batches.map((b) => {
      const bytes = encodeRecordBatch(b.records, {
        crc32c,
        producerId: b.producerId,
        producerEpoch: b.producerEpoch,
        baseSequence: b.baseSequence,
        partitionLeaderEpoch: b.partitionLeaderEpoch,
      });
      if (b.appendTime !== undefined) {
        const v = new DataView(bytes.buffer);
        v.setInt16(21, LOG_APPEND_TIME);
        v.setBigInt64(35, BigInt(b.appendTime));
        reseal(bytes);
      }
      return bytes;
    });
    const bytes = concat(...parts);
    core.patchBaseOffsets(bytes, base);
    let next = base;
    const model = batches.map((b): ModelBatch => {
      const first = b.records[0].timestamp;
      const batch: ModelBatch = {
        baseOffset: next,
        firstTimestamp: first,
        maxTimestamp: b.appendTime ?? Math.max(...b.records.map((r) => r.timestamp)),
        lastOffsetDelta: b.records.length - 1,
        attributes: b.appendTime !== undefined ? LOG_APPEND_TIME : 0,
        producerId: b.producerId,
        producerEpoch: b.producerEpoch,
        baseSequence: b.baseSequence,
        partitionLeaderEpoch: b.partitionLeaderEpoch,
        records: b.records.map((r, i) => ({
          key: r.key,
          value: r.value,
          headers: r.headers,
          timestampDelta: r.timestamp - first,
          offsetDelta: i,
        })),
      };
      next += b.records.length;
      return batch;
    });
    return { bytes, model, base };
  });

/** Deterministic keep mask: every record kept with probability `rate`. */
export function mask(n: number, seed: number, rate: number): Uint8Array {
  let s = seed >>> 0;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s / 2 ** 32 < rate ? 1 : 0;
  }
  return out;
}

// Mostly partial masks, some keep-all and keep-none. (Not fc.double: it favours tiny values, which
// would make nearly every "random" mask keep nothing.)
export const maskArb = fc.record({
  seed: fc.integer(),
  rate: fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(0, 1) },
    { weight: 6, arbitrary: fc.integer({ min: 1, max: 99 }).map((p) => p / 100) },
  ),
});

// ---------------------------------------------------------------------------------------------
// Checks shared by the properties.

export const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
export const keyId = (k: Uint8Array | null) => (k === null ? "null" : "k:" + hex(k));
export const hashAt = (scan: RecordScan, i: number) => scan.keyHashes.subarray(i * KEY_HASH_SIZE, (i + 1) * KEY_HASH_SIZE);

/** scanRecords agrees with the model and with decodeRecords, and hashes identify keys. */
export function expectScanMatches(bytes: Uint8Array, model: ModelBatch[]) {
  const scan = core.scanRecords(bytes);
  const decoded = decodeRecords(bytes);
  const expected = modelRecords(model);
  expect(decoded).toEqual(expected);
  expect(scan.count).toBe(expected.length);
  expect(scan.offsets.length).toBe(expected.length);
  expect(scan.timestamps.length).toBe(expected.length);
  expect(scan.keyHashes.length).toBe(expected.length * KEY_HASH_SIZE);
  expect(scan.flags.length).toBe(expected.length);
  expect(Array.from(scan.offsets)).toEqual(decoded.map((r) => r.offset));
  expect(Array.from(scan.timestamps)).toEqual(decoded.map((r) => r.timestamp));
  expect(Array.from(scan.flags)).toEqual(
    decoded.map((r) => (r.key === null ? RECORD_NULL_KEY : 0) | (r.value === null ? RECORD_NULL_VALUE : 0)),
  );
  // Equal keys <=> equal hashes: key -> hash and hash -> key must both be functions.
  const hashOfKey = new Map<string, string>();
  const keyOfHash = new Map<string, string>();
  decoded.forEach((r, i) => {
    const k = keyId(r.key);
    const h = hex(hashAt(scan, i));
    expect(hashOfKey.get(k) ?? h).toBe(h);
    expect(keyOfHash.get(h) ?? k).toBe(k);
    hashOfKey.set(k, h);
    keyOfHash.set(h, k);
    if (r.key === null) expect(h).toBe("0".repeat(32));
  });
  // And the hash is murmur3_x64_128 with the documented seed.
  for (const [i, r] of decoded.entries()) {
    if (r.key !== null && i % 7 === 0) expect(hex(hashAt(scan, i))).toBe(hex(murmur3x64128Bytes(r.key, KEY_HASH_SEED)));
  }
  return scan;
}

/** Byte positions of the batches of `bytes`, with their offset ranges. */
export function batchRanges(bytes: Uint8Array) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: { position: number; base: number; last: number; size: number }[] = [];
  for (let p = 0; p < bytes.length; ) {
    const base = Number(v.getBigInt64(p));
    const size = 12 + v.getInt32(p + 8);
    out.push({ position: p, base, last: base + v.getInt32(p + 23), size });
    p += size;
  }
  return out;
}

/** Everything a rewrite must satisfy; returns the rewritten bytes and their model. */
export function expectRewrite(
  seg: { bytes: Uint8Array; model: ModelBatch[]; base: number },
  keep: Uint8Array,
): { bytes: Uint8Array; model: ModelBatch[] } {
  const before = seg.bytes.slice();
  const out = core.rewriteSegment(seg.bytes, keep);
  expect(seg.bytes).toEqual(before); // the input is not touched
  const model = applyMask(seg.model, keep);

  // Exact bytes: the independent builder re-encoding the filtered model (bitwise CRC included).
  expect(hex(out)).toBe(hex(encodeModel(model)));
  // decodeRecords of the result is exactly the kept records of decodeRecords of the input.
  const kept = decodeRecords(seg.bytes).filter((_, i) => keep[i] !== 0);
  expect(decodeRecords(out)).toEqual(kept);
  expect(core.checkBatches(out, 0, out.length)).toEqual({ ok: true });
  for (const b of batchRanges(out)) {
    expect(crc32cBitwise(out.subarray(b.position + 21, b.position + b.size))).toBe(new DataView(out.buffer).getUint32(b.position + 17));
  }

  // buildIndex + locate: every kept offset maps to the batch holding it; every offset of the
  // original range, read the way segment-reader.ts reads (locate, then skip batches that end
  // before it), reaches the first kept record at or after it.
  if (out.length > 0) {
    const idx = core.buildIndex(out, seg.base);
    const ranges = batchRanges(out);
    const holder = new Map<number, number>();
    for (const b of applyMaskPositions(model, ranges)) holder.set(b.offset, b.position);
    for (const r of kept) expect(core.locate(idx, seg.base, r.offset)).toBe(holder.get(r.offset));
    const all = modelRecords(seg.model);
    const last = all.length > 0 ? all[all.length - 1].offset : seg.base;
    for (let o = seg.base; o <= last + 1; o += Math.max(1, Math.floor((last - seg.base) / 200))) {
      const located = core.locate(idx, seg.base, o);
      let i = Math.max(
        0,
        ranges.findIndex((b) => b.position === located),
      );
      while (i < ranges.length && ranges[i].last < o) i++;
      const firstKept = kept.find((r) => r.offset >= o);
      if (firstKept === undefined) continue; // past the last kept record: the reader finds nothing either
      // The batch the reader starts at may hold only records below o (its range reaches o through
      // removed records); a consumer skips those, so what matters is that nothing >= o is behind it.
      expect(i).toBeLessThan(ranges.length);
      expect(decodeRecords(out.subarray(ranges[i].position)).find((r) => r.offset >= o)?.offset).toBe(firstKept.offset);
    }
  }
  return { bytes: out, model };
}

function applyMaskPositions(model: ModelBatch[], ranges: { position: number }[]) {
  return model.flatMap((b, i) => b.records.map((r) => ({ offset: b.baseOffset + r.offsetDelta, position: ranges[i].position })));
}

export async function kafkajsDecode(bytes: Uint8Array) {
  const decoder = new Decoder(Buffer.from(bytes));
  const batches = [];
  while (decoder.canReadBytes(12)) batches.push(await decodeRecordBatch(decoder));
  return batches as {
    firstOffset: string;
    lastOffsetDelta: number;
    maxTimestamp: string;
    records: {
      offset: string;
      timestamp: string;
      key: Buffer | null;
      value: Buffer | null;
      headers: Record<string, Buffer | null | (Buffer | null)[]>;
    }[];
  }[];
}
