// Log compaction primitives of the Wasm core (scanRecords, rewriteSegment, keyHash), checked
// against three independent readings of the format: a model of each batch re-encoded by the
// test-only builder (exact bytes), the project's decodeRecords, and kafkajs's decoder.
//
// Random segments come from fast-check: many batches, keys from a small key space (with null and
// empty keys), tombstones, headers with unicode keys and null values, out-of-order timestamps,
// producer fields, some LogAppendTime batches. Every property also runs on the output of a first
// rewrite, so gapped offset deltas (the shape of compacted batches) are inputs too.
import { createRequire } from "node:module";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KEY_HASH_SEED, KEY_HASH_SIZE, RECORD_NULL_KEY, RECORD_NULL_VALUE, type RecordScan } from "./log-core.ts";
import { decodeRecords, encodeBatch as encodeRecordBatch, type DecodedRecord, type Header, type RecordInput } from "./record-batch.ts";
import { loadLogCore, newLogCore } from "../../../test/core-support/load-log-core.ts";
import { concat, crc32cBitwise, enc, encodeBatch as builderBatch, reseal } from "../../../test/core-support/batch-builder.ts";
import { murmur3x64128Bytes, murmur3x64128Reference } from "../../../test/core-support/murmur3.ts";

const require = createRequire(import.meta.url);
const decodeRecordBatch = require("kafkajs/src/protocol/recordBatch/v0/decoder.js");
const Decoder = require("kafkajs/src/protocol/decoder.js");

const core = await loadLogCore();
const crc32c = (b: Uint8Array) => core.crc32c(b);

const T0 = 1_717_171_717_000;
const LOG_APPEND_TIME = 0x08;
const RUNS = 150;

// ---------------------------------------------------------------------------------------------
// A model of a segment: what each batch holds, field by field. Encoded with the test builder it
// must reproduce the segment byte for byte, so a rewrite can be checked as "filter the model".

interface ModelRecord {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: Header[];
  timestampDelta: number;
  offsetDelta: number;
}
interface ModelBatch {
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

function encodeModel(batches: ModelBatch[]): Uint8Array {
  return concat(...batches.map((b) => builderBatch({ ...b, records: b.records.map((r) => ({ ...r })) })));
}

function modelRecords(batches: ModelBatch[]): DecodedRecord[] {
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
function applyMask(batches: ModelBatch[], keep: Uint8Array): ModelBatch[] {
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

interface Segment {
  bytes: Uint8Array;
  model: ModelBatch[];
  base: number;
}

const segmentArb: fc.Arbitrary<Segment> = fc
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
function mask(n: number, seed: number, rate: number): Uint8Array {
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
const maskArb = fc.record({
  seed: fc.integer(),
  rate: fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(0, 1) },
    { weight: 6, arbitrary: fc.integer({ min: 1, max: 99 }).map((p) => p / 100) },
  ),
});

// ---------------------------------------------------------------------------------------------
// Checks shared by the properties.

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const keyId = (k: Uint8Array | null) => (k === null ? "null" : "k:" + hex(k));
const hashAt = (scan: RecordScan, i: number) => scan.keyHashes.subarray(i * KEY_HASH_SIZE, (i + 1) * KEY_HASH_SIZE);

/** scanRecords agrees with the model and with decodeRecords, and hashes identify keys. */
function expectScanMatches(bytes: Uint8Array, model: ModelBatch[]) {
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
function batchRanges(bytes: Uint8Array) {
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
function expectRewrite(
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

async function kafkajsDecode(bytes: Uint8Array) {
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

// ---------------------------------------------------------------------------------------------

describe("keyHash (MurmurHash3_x64_128)", () => {
  // Published vectors: Guava's Murmur3Hash128Test (also in Spark, Elasticsearch), and
  // Apache DataSketches' MurmurHash3Test; [seed, h1, h2, input].
  const VECTORS: [number, bigint, bigint, string][] = [
    [0, 0x629942693e10f867n, 0x92db0b82baeb5347n, "hell"],
    [1, 0xa78ddff5adae8d10n, 0x128900ef20900135n, "hello"],
    [2, 0x8a486b23f422e826n, 0xf962a2c58947765fn, "hello "],
    [3, 0x2ea59f466f6bed8cn, 0xc610990acc428a17n, "hello w"],
    [4, 0x79f6305a386c572cn, 0x46305aed3483b94en, "hello wo"],
    [5, 0xc2219d213ec1f1b5n, 0xa1d8e2e0a52785bdn, "hello wor"],
    [0, 0xe34bbc7bbc071b6cn, 0x7a433ca9c49a9347n, "The quick brown fox jumps over the lazy dog"],
    [0, 0x658ca970ff85269an, 0x43fee3eaa68e5c3en, "The quick brown fox jumps over the lazy cog"],
    [0, 0x362108102c62d1c9n, 0x3285cd100292b305n, "The quick brown fox jumps over the lazy eog"],
    [0, 0n, 0n, ""],
  ];
  const bytesOf = (h1: bigint, h2: bigint) => {
    const b = new Uint8Array(16);
    new DataView(b.buffer).setBigUint64(0, h1, true);
    new DataView(b.buffer).setBigUint64(8, h2, true);
    return hex(b);
  };

  it.each(VECTORS)("seed %i: published vector %#s", (seed, h1, h2, input) => {
    expect(murmur3x64128Reference(enc(input), seed)).toEqual([h1, h2]);
    expect(hex(core.keyHash(enc(input), seed))).toBe(bytesOf(h1, h2));
  });

  it("matches the reference on every tail length and random seeds", () => {
    let s = 99;
    const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
    for (let len = 0; len <= 80; len++) {
      const data = Uint8Array.from({ length: len }, () => rand() >>> 24);
      for (const seed of [0, KEY_HASH_SEED, rand()])
        expect(hex(core.keyHash(data, seed)), `len ${len} seed ${seed}`).toBe(hex(murmur3x64128Bytes(data, seed)));
    }
    const big = Uint8Array.from({ length: 5000 }, () => rand() >>> 24);
    expect(hex(core.keyHash(big.subarray(3)))).toBe(hex(murmur3x64128Bytes(big.subarray(3), KEY_HASH_SEED)));
  });

  it("null is all zero, the empty key is not", () => {
    expect(core.keyHash(null)).toEqual(new Uint8Array(16));
    expect(core.keyHash(enc(""))).not.toEqual(new Uint8Array(16));
    expect(() => core.keyHash(enc("x"), -1)).toThrow(RangeError);
  });
});

describe("scanRecords", () => {
  it("matches decodeRecords record for record on random segments, before and after a rewrite", () => {
    fc.assert(
      fc.property(segmentArb, maskArb, (seg, m) => {
        expect(hex(encodeModel(seg.model))).toBe(hex(seg.bytes)); // the model is faithful
        const scan = expectScanMatches(seg.bytes, seg.model);
        const once = core.rewriteSegment(seg.bytes, mask(scan.count, m.seed, m.rate));
        expectScanMatches(once, applyMask(seg.model, mask(scan.count, m.seed, m.rate)));
      }),
      { numRuns: RUNS },
    );
  });

  it("an empty segment and a header-only batch hold no records", () => {
    expect(core.scanRecords(new Uint8Array(0))).toEqual({
      count: 0,
      offsets: new Float64Array(0),
      timestamps: new Float64Array(0),
      keyHashes: new Uint8Array(0),
      flags: new Uint8Array(0),
    });
    // encodeBatch([]) writes the empty batch Kafka's cleaner can leave behind (timestamps -1).
    const a = encodeRecordBatch([{ key: enc("a"), value: enc("1"), headers: [], timestamp: T0 }], { crc32c, baseOffset: 10 });
    const empty = encodeRecordBatch([], { crc32c, baseOffset: 11 });
    const scan = core.scanRecords(concat(a, empty, a));
    expect(scan.count).toBe(2);
    expect(Array.from(scan.offsets)).toEqual([10, 10]);
    expect(hex(core.rewriteSegment(concat(a, empty, a), Uint8Array.of(1, 1)))).toBe(hex(concat(a, a))); // and a rewrite drops it
  });

  it("reports the batch and record of corrupt or unsupported input", () => {
    const value = enc("0123456789");
    const good = builderBatch({
      baseOffset: 5,
      records: [
        { key: enc("a"), value },
        { key: enc("b"), value, offsetDelta: 3 },
      ],
      lastOffsetDelta: 4,
    });
    expect(Array.from(core.scanRecords(good).offsets)).toEqual([5, 8]); // a gapped batch is fine
    const at = (f: (v: DataView, b: Uint8Array) => void, pos = 0) => {
      const b = concat(good, good);
      f(new DataView(b.buffer), b);
      return () => core.scanRecords(reseal(b, pos));
    };
    const second = good.length;
    const flipped = concat(good, good);
    flipped[second + 70] ^= 1;
    expect(() => core.scanRecords(flipped)).toThrow(new RegExp(`batch 1 at byte ${second}: CRC-32C mismatch`));
    expect(at((v) => v.setInt16(second + 21, 1), second)).toThrow(/compressed batches/);
    // Transactional (0x10) and control (0x20) batches are walked like others (src/core/log/compaction.ts decides).
    expect(Array.from(at((v) => v.setInt16(second + 21, 0x30), second)().offsets)).toEqual([5, 8, 5, 8]);
    expect(at((v) => v.setInt32(second + 23, 2), second)).toThrow(/batch 1 .* record 1 .*offsetDelta 3 is past lastOffsetDelta 2/);
    // Second record's offsetDelta 3 -> 0: no longer above the first record's 0.
    const rec2 = second + 61 + good[61] / 2 + 1;
    expect(good[rec2 - second + 3]).toBe(6); // zigzag(3)
    expect(at((_v, b) => (b[rec2 + 3] = 0), second)).toThrow(/record 1 .*offsetDelta 0 does not follow the previous record's 0/);
    expect(at((v) => v.setInt32(second + 57, 3), second)).toThrow(/recordCount is 3 but the batch holds 2 records/);
    expect(at((v) => v.setInt32(second + 57, 1), second)).toThrow(/bytes remain after the 1 records/);
    // A recordCount no batch could hold must not make the wrapper reserve memory for it.
    expect(at((v) => v.setInt32(second + 57, 2 ** 31 - 1), second)).toThrow(/recordCount 2147483647 cannot fit/);
    expect(() => core.scanRecords(good.subarray(0, good.length - 1))).toThrow(/batch_truncated|runs past the end/);
  });

  it("keeps working when the scan output makes the Wasm memory grow", async () => {
    const fresh = await newLogCore();
    const records: RecordInput[] = Array.from({ length: 500 }, (_, i) => ({ key: null, value: null, headers: [], timestamp: T0 + i }));
    const batch = encodeRecordBatch(records, { crc32c });
    const segment = concat(...Array.from({ length: 400 }, () => batch)); // 200k minimal records, ~6.6 MiB of columns
    fresh.patchBaseOffsets(segment, 0);
    const scan = fresh.scanRecords(segment);
    expect(scan.count).toBe(200_000);
    expect(scan.offsets[199_999]).toBe(199_999);
    expect(scan.timestamps[1234]).toBe(T0 + 234);
    expect(scan.flags.every((f) => f === (RECORD_NULL_KEY | RECORD_NULL_VALUE))).toBe(true);
  });
});

describe("rewriteSegment", () => {
  it("keeps exactly the masked records, re-sealed, on random segments and again on the result", () => {
    fc.assert(
      fc.property(segmentArb, maskArb, maskArb, (seg, m1, m2) => {
        const n = modelRecords(seg.model).length;
        const once = expectRewrite(seg, mask(n, m1.seed, m1.rate));
        const n2 = modelRecords(once.model).length;
        expectRewrite({ ...once, base: seg.base }, mask(n2, m2.seed, m2.rate));
      }),
      { numRuns: RUNS },
    );
  });

  it("kafkajs decodes rewritten batches with the original offsets", async () => {
    await fc.assert(
      fc.asyncProperty(segmentArb, maskArb, async (seg, m) => {
        const all = decodeRecords(seg.bytes);
        const keep = mask(all.length, m.seed, m.rate);
        const out = core.rewriteSegment(seg.bytes, keep);
        const kept = all.filter((_, i) => keep[i] !== 0);
        const batches = await kafkajsDecode(out);
        const records = batches.flatMap((b) => b.records);
        expect(records.map((r) => Number(r.offset))).toEqual(kept.map((r) => r.offset));
        expect(records.map((r) => Number(r.timestamp))).toEqual(kept.map((r) => r.timestamp));
        expect(records.map((r) => (r.key === null ? null : hex(r.key)))).toEqual(kept.map((r) => (r.key === null ? null : hex(r.key))));
        expect(records.map((r) => (r.value === null ? null : hex(r.value)))).toEqual(
          kept.map((r) => (r.value === null ? null : hex(r.value))),
        );
        expect(records.map((r) => Object.keys(r.headers).length)).toEqual(kept.map((r) => new Set(r.headers.map(([k]) => k)).size));
        // Each batch still spans its original range: the next offset a reader derives is unchanged.
        const ranges = new Map(seg.model.map((b) => [b.baseOffset, b.lastOffsetDelta]));
        for (const b of batches) expect(b.lastOffsetDelta).toBe(ranges.get(Number(b.firstOffset)));
      }),
      { numRuns: 60 },
    );
  });

  it("keep-all returns identical bytes, keep-none an empty array", () => {
    fc.assert(
      fc.property(segmentArb, (seg) => {
        const n = modelRecords(seg.model).length;
        const all = core.rewriteSegment(seg.bytes, new Uint8Array(n).fill(1));
        expect(all).not.toBe(seg.bytes);
        expect(hex(all)).toBe(hex(seg.bytes));
        const none = core.rewriteSegment(seg.bytes, new Uint8Array(n));
        expect(none).toBeInstanceOf(Uint8Array);
        expect(none.length).toBe(0);
      }),
      { numRuns: 50 },
    );
    expect(core.rewriteSegment(new Uint8Array(0), new Uint8Array(0)).length).toBe(0);
  });

  it("a latest-per-key mask from scanRecords leaves exactly the latest record of each key", () => {
    fc.assert(
      fc.property(segmentArb, maskArb, (seg, m) => {
        // Also from an already compacted (gapped) segment.
        const first = core.rewriteSegment(seg.bytes, mask(modelRecords(seg.model).length, m.seed, Math.max(m.rate, 0.3)));
        for (const input of [seg.bytes, first]) {
          const scan = core.scanRecords(input);
          const keep = new Uint8Array(scan.count);
          const seen = new Set<string>();
          for (let i = scan.count - 1; i >= 0; i--) {
            // Null keys cannot be compacted (Kafka refuses them on compacted topics); leave them.
            if (scan.flags[i] & RECORD_NULL_KEY) {
              keep[i] = 1;
              continue;
            }
            const h = hex(hashAt(scan, i));
            if (!seen.has(h)) keep[i] = 1;
            seen.add(h);
          }
          const before = decodeRecords(input);
          const after = decodeRecords(core.rewriteSegment(input, keep));
          const latest = new Map<string, DecodedRecord>();
          for (const r of before) if (r.key !== null) latest.set(keyId(r.key), r);
          const keyed = after.filter((r) => r.key !== null);
          expect(keyed.length).toBe(latest.size);
          for (const r of keyed) expect(r).toEqual(latest.get(keyId(r.key)));
          expect(after.filter((r) => r.key === null)).toEqual(before.filter((r) => r.key === null));
          for (let i = 1; i < after.length; i++) expect(after[i].offset).toBeGreaterThan(after[i - 1].offset);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("LogAppendTime batches keep their maxTimestamp; CreateTime ones get the kept maximum", () => {
    const records = [{ timestampDelta: 50 }, { timestampDelta: -10 }, { timestampDelta: 5 }];
    const create = builderBatch({ baseOffset: 0, firstTimestamp: T0, records });
    const append = builderBatch({ baseOffset: 3, firstTimestamp: T0, maxTimestamp: T0 + 999, attributes: LOG_APPEND_TIME, records });
    const out = core.rewriteSegment(concat(create, append), Uint8Array.of(0, 1, 1, 0, 1, 1));
    const v = new DataView(out.buffer);
    const second = 12 + v.getInt32(8);
    expect([v.getInt32(57), Number(v.getBigInt64(27)), Number(v.getBigInt64(35)), v.getInt32(23)]).toEqual([2, T0, T0 + 5, 2]);
    expect([v.getInt32(second + 57), Number(v.getBigInt64(second + 35)), v.getInt16(second + 21)]).toEqual([2, T0 + 999, LOG_APPEND_TIME]);
    expect(decodeRecords(out).map((r) => [r.offset, r.timestamp])).toEqual([
      [1, T0 - 10],
      [2, T0 + 5],
      [4, T0 + 999],
      [5, T0 + 999],
    ]);
    // validateBatches judges producer input and stays strict: a gapped batch is not a produce request.
    const gapped = core.validateBatches(out);
    expect(gapped.ok ? "ok" : gapped.code).toBe("invalid_offset_delta");
  });

  it("rejects a keep mask of the wrong length and corrupt input", () => {
    const seg = builderBatch({ records: [{}, {}] });
    expect(() => core.rewriteSegment(seg, new Uint8Array(1))).toThrow(/keep mask has 1 entries, the segment holds 2 records/);
    expect(() => core.rewriteSegment(seg, new Uint8Array(3))).toThrow(RangeError);
    const bad = seg.slice();
    bad[bad.length - 1] ^= 1;
    expect(() => core.rewriteSegment(bad, Uint8Array.of(1, 0))).toThrow(/CRC-32C mismatch/);
  });
});
