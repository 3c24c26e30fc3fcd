// Regression (#14 item 2): a RecordBatch whose 64-bit fields are beyond 2^53 (firstTimestamp,
// maxTimestamp, producerId, record timestamp deltas) was accepted, and every later read over it
// failed. Every such field is now range-checked in WASM on write (validateBatches) and again on
// read (checkBatches), over the whole class of values: negative, below -1, past 2^53, near 2^63.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadLogCore } from "../../../test/core-support/load-log-core.ts";
import { encodeBatch, reseal, varint } from "../../../test/core-support/batch-builder.ts";

const core = await loadLogCore();
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const T0 = 1_700_000_000_000n;

/** Any int64, with the interesting edges drawn often. */
const int64 = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.constantFrom(-(2n ** 63n), -2n, -1n, 0n, MAX_SAFE, MAX_SAFE + 1n, 2n ** 62n, 2n ** 63n - 1n),
  fc.bigInt({ min: MAX_SAFE - 3n, max: MAX_SAFE + 3n }),
);

function batchWith(set: (v: DataView) => void, records = 2): Uint8Array {
  const bytes = encodeBatch({
    firstTimestamp: Number(T0),
    records: Array.from({ length: records }, () => ({ value: new Uint8Array([1]) })),
  });
  set(new DataView(bytes.buffer));
  return reseal(bytes);
}

/** Zigzag varlong of any int64 (the builder's varint goes through a JS number). */
function varlong(n: bigint): number[] {
  let z = BigInt.asUintN(64, (n << 1n) ^ (n < 0n ? -1n : 0n));
  const out: number[] = [];
  while (z >= 0x80n) {
    out.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  out.push(Number(z));
  return out;
}

/** One record with timestampDelta `delta` (a bigint), in a batch whose maxTimestamp is set to match. */
function recordDeltaBatch(first: bigint, delta: bigint): Uint8Array {
  const body = [0, ...varlong(delta), ...varint(0), ...varint(-1), ...varint(1), 7, ...varint(0)];
  const recordBytes = [...varint(body.length), ...body];
  const out = new Uint8Array(61 + recordBytes.length);
  out.set(encodeBatch({ records: [{}] }).subarray(0, 61));
  out.set(recordBytes, 61);
  const v = new DataView(out.buffer);
  v.setInt32(8, out.length - 12);
  v.setBigInt64(27, first);
  const ts = BigInt.asIntN(64, first + delta);
  v.setBigInt64(35, ts > first ? ts : first);
  return reseal(out);
}

describe("64-bit batch fields (write side, validateBatches)", () => {
  it("firstTimestamp and maxTimestamp are accepted only within 0 .. 2^53-1", () => {
    fc.assert(
      fc.property(int64, (ts) => {
        const first = core.validateBatches(
          batchWith((v) => {
            v.setBigInt64(27, ts);
            v.setBigInt64(35, ts);
          }),
        );
        expect(first.ok).toBe(ts >= 0n && ts <= MAX_SAFE);
        if (!first.ok) expect(first.code).toBe("invalid_timestamp");
        // maxTimestamp alone: valid only when it equals the records' maximum (firstTimestamp here).
        const max = core.validateBatches(batchWith((v) => v.setBigInt64(35, ts)));
        expect(max.ok).toBe(ts === T0);
        if (max.ok) expect(max.batches[0]!.maxTimestamp).toBe(Number(T0));
      }),
      { numRuns: 300 },
    );
  });

  it("firstTimestamp > maxTimestamp is refused", () => {
    const r = core.validateBatches(batchWith((v) => v.setBigInt64(35, T0 - 1n)));
    expect(r.ok).toBe(false);
  });

  it("record timestampDeltas are accepted only when firstTimestamp + delta stays within 0 .. 2^53-1", () => {
    fc.assert(
      fc.property(fc.oneof(fc.constant(0n), fc.constant(T0), fc.constant(MAX_SAFE)), int64, (first, delta) => {
        const r = core.validateBatches(recordDeltaBatch(first, delta));
        const ts = first + delta;
        expect(r.ok).toBe(ts >= 0n && ts <= MAX_SAFE);
        if (r.ok) expect(r.batches[0]!.maxTimestamp).toBe(Number(ts > first ? ts : first));
      }),
      { numRuns: 300 },
    );
  });

  it("producerId is -1 or 0 .. 2^53-1; producerEpoch and baseSequence are -1 or >= 0", () => {
    fc.assert(
      fc.property(int64, fc.integer({ min: -32768, max: 32767 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (id, epoch, seq) => {
        const r = core.validateBatches(
          batchWith((v) => {
            v.setBigInt64(43, id);
            v.setInt16(51, epoch);
            v.setInt32(53, seq);
          }),
        );
        const valid = (id === -1n || (id >= 0n && id <= MAX_SAFE)) && epoch >= -1 && (id < 0n || epoch >= 0) && seq >= -1;
        expect(r.ok).toBe(valid);
        if (r.ok) expect(BigInt(r.batches[0]!.producerId)).toBe(id);
        else expect(["invalid_producer"]).toContain(r.code);
      }),
      { numRuns: 300 },
    );
  });
});

describe("64-bit batch fields (read side, checkBatches)", () => {
  it("a stored batch is served only when baseOffset, timestamps and producerId are exact numbers", () => {
    const field = fc.constantFrom(0, 27, 35, 43);
    fc.assert(
      fc.property(field, int64, (at, value) => {
        // CRC re-sealed: this is a batch the old write path accepted, or a row altered on disk.
        const bytes = batchWith((v) => v.setBigInt64(at, value));
        const r = core.checkBatches(bytes, 0, bytes.length);
        const low = at === 43 ? -1n : 0n;
        expect(r.ok).toBe(value >= low && value <= MAX_SAFE);
      }),
      { numRuns: 300 },
    );
  });
});
