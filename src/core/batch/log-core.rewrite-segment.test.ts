// rewriteSegment of the Wasm core (what log compaction writes a segment with): exactly the masked
// records, re-sealed, on random segments and again on the result, checked against the model,
// decodeRecords and kafkajs (test/core-support/compaction-support.ts); keep-all and keep-none, a
// latest-per-key mask, timestamps, and refused masks and input.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RECORD_NULL_KEY } from "./log-core.ts";
import { decodeRecords, type DecodedRecord } from "./record-batch.ts";
import { concat, encodeBatch as builderBatch } from "../../../test/core-support/batch-builder.ts";
import {
  core,
  expectRewrite,
  hashAt,
  hex,
  kafkajsDecode,
  keyId,
  LOG_APPEND_TIME,
  mask,
  maskArb,
  modelRecords,
  RUNS,
  segmentArb,
  T0,
} from "../../../test/core-support/compaction-support.ts";

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
