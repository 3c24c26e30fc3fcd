// scanRecords of the Wasm core (what log compaction reads a segment with) against the model and
// decodeRecords on random segments, before and after a rewrite (test/core-support/
// compaction-support.ts), and on empty, header-only, corrupt and unsupported input.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RECORD_NULL_KEY, RECORD_NULL_VALUE } from "./log-core.ts";
import { encodeBatch as encodeRecordBatch, type RecordInput } from "./record-batch.ts";
import { newLogCore } from "../../../test/core-support/load-log-core.ts";
import { concat, enc, encodeBatch as builderBatch, reseal } from "../../../test/core-support/batch-builder.ts";
import {
  applyMask,
  core,
  crc32c,
  encodeModel,
  expectScanMatches,
  hex,
  mask,
  maskArb,
  RUNS,
  segmentArb,
  T0,
} from "../../../test/core-support/compaction-support.ts";

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
