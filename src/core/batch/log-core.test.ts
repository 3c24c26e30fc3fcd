import { describe, expect, it } from "vitest";
import { BATCH_HEADER_SIZE, INDEX_ENTRY_SIZE, LogCore, type ValidationResult } from "./log-core.ts";
import { loadLogCore, newLogCore, wasmBytes } from "../../../test/core-support/load-log-core.ts";
import {
  concat,
  crc32cBitwise,
  enc,
  encodeBatch,
  encodeRecord,
  reseal,
  varint,
  type TestBatch,
} from "../../../test/core-support/batch-builder.ts";

const core = await loadLogCore();

function expectError(r: ValidationResult, code: string, message?: RegExp) {
  if (r.ok) throw new Error(`expected ${code}, got ok`);
  expect(r.code).toBe(code);
  if (message) expect(r.message).toMatch(message);
  return r;
}

/** Builds a batch from raw record bytes (for records the builder cannot express). */
function rawRecords(recordBytes: number[], recordCount: number, lastOffsetDelta = recordCount - 1): Uint8Array {
  const shell = encodeBatch({ records: [{}], recordCount, lastOffsetDelta });
  const out = new Uint8Array(61 + recordBytes.length);
  out.set(shell.subarray(0, 61));
  out.set(recordBytes, 61);
  new DataView(out.buffer).setInt32(8, out.length - 12);
  return reseal(out);
}

/** A record body (after the length varint) built from parts, prefixed with its real length. */
function record(...parts: number[][]): number[] {
  const body = parts.flat();
  return [...varint(body.length), ...body];
}

describe("module", () => {
  it("instantiates with an empty import object and exports only functions and memory", async () => {
    const module = new WebAssembly.Module(wasmBytes());
    expect(WebAssembly.Module.imports(module)).toEqual([]);
    const kinds = Object.fromEntries(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
    expect(kinds.memory).toBe("memory");
    for (const fn of [
      "reserve",
      "validateBatches",
      "checkBatches",
      "patchBaseOffsets",
      "buildIndex",
      "locate",
      "locateTimestamp",
      "crc32c",
    ]) {
      expect(kinds[fn]).toBe("function");
    }
    const fromModule = await LogCore.instantiate(module);
    expect(fromModule.crc32c(enc("123456789"))).toBe(0xe3069283);
  });

  it("constants match the format", () => {
    expect(BATCH_HEADER_SIZE).toBe(61);
    expect(INDEX_ENTRY_SIZE).toBe(16);
  });
});

describe("crc32c", () => {
  const fill = (f: (i: number) => number) => Uint8Array.from({ length: 32 }, (_, i) => f(i));
  it.each([
    ["empty", new Uint8Array(0), 0],
    ['"123456789"', enc("123456789"), 0xe3069283],
    ["RFC 3720 B.4: 32 x 0x00", fill(() => 0), 0x8a9136aa],
    ["RFC 3720 B.4: 32 x 0xFF", fill(() => 0xff), 0x62a8ab43],
    ["RFC 3720 B.4: 0..31", fill((i) => i), 0x46dd794e],
    ["RFC 3720 B.4: 31..0", fill((i) => 31 - i), 0x113fdb5c],
  ])("%s", (_name, bytes, expected) => {
    expect(core.crc32c(bytes)).toBe(expected);
    expect(crc32cBitwise(bytes)).toBe(expected);
  });

  it("matches a bitwise reference on random lengths 0..5000 and unaligned starts", () => {
    let seed = 12345;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
    const pool = Uint8Array.from({ length: 6000 }, () => rand() & 0xff);
    // Lengths around the 16-byte step and the two-stream threshold (256), plus random ones.
    const lengths = [0, 1, 2, 3, 15, 16, 17, 31, 32, 33, 255, 256, 257, 271, 272, 287, 288, 511, 1024, 4099, 5000];
    for (let i = 0; i < 150; i++) lengths.push(rand() % 5001);
    for (const len of lengths) {
      const start = rand() % 7;
      const slice = pool.subarray(start, start + len);
      expect(core.crc32c(slice), `length ${len} at ${start}`).toBe(crc32cBitwise(slice));
    }
  });

  it("keeps working after the Wasm memory grows (cached views are refreshed)", async () => {
    const fresh = await newLogCore();
    expect(fresh.crc32c(enc("123456789"))).toBe(0xe3069283);
    const big = new Uint8Array(3 << 20).map((_, i) => i * 7);
    expect(fresh.crc32c(big)).toBe(crc32cBitwise(big));
    expect(fresh.crc32c(enc("123456789"))).toBe(0xe3069283);
    expect(fresh.validateBatches(encodeBatch({ records: [{ value: enc("x") }] })).ok).toBe(true);
  });
});

describe("validateBatches", () => {
  it("accepts a batch and reports its header fields", () => {
    const bytes = encodeBatch({
      baseOffset: 42,
      firstTimestamp: 1_700_000_000_000,
      producerId: 9_007_199_254,
      producerEpoch: 3,
      baseSequence: 17,
      records: [
        { key: enc("k"), value: enc("v"), timestampDelta: 5 },
        { key: null, value: null, timestampDelta: -3 }, // out of time order is allowed
        {
          value: enc("h"),
          headers: [
            ["a", enc("1")],
            ["b", null],
          ],
          timestampDelta: 2,
        },
      ],
    });
    const r = core.validateBatches(bytes);
    expect(r).toEqual({
      ok: true,
      batches: [
        {
          position: 0,
          size: bytes.length,
          baseOffset: 42,
          lastOffsetDelta: 2,
          recordCount: 3,
          firstTimestamp: 1_700_000_000_000,
          maxTimestamp: 1_700_000_000_005,
          attributes: 0,
          producerId: 9_007_199_254,
          producerEpoch: 3,
          baseSequence: 17,
        },
      ],
    });
  });

  it("reports -1 producer fields as -1", () => {
    const r = core.validateBatches(encodeBatch({ records: [{}] }));
    if (!r.ok) throw new Error(r.message);
    expect(r.batches[0]).toMatchObject({ producerId: -1, producerEpoch: -1, baseSequence: -1 });
  });

  it("accepts concatenated batches and reports each position", () => {
    const a = encodeBatch({ records: [{ value: enc("a") }] });
    const b = encodeBatch({ baseOffset: 1, records: [{ value: enc("b") }, { value: enc("bb") }] });
    const c = encodeBatch({ baseOffset: 3, records: [{ value: new Uint8Array(300) }] }); // multi-byte varints
    const r = core.validateBatches(concat(a, b, c));
    if (!r.ok) throw new Error(r.message);
    expect(r.batches.map((m) => [m.position, m.size, m.recordCount])).toEqual([
      [0, a.length, 1],
      [a.length, b.length, 2],
      [a.length + b.length, c.length, 1],
    ]);
  });

  it("reports the failing batch index and position in a concatenation", () => {
    const a = encodeBatch({ records: [{}] });
    const b = encodeBatch({ records: [{}], maxTimestamp: 1 });
    const r = expectError(core.validateBatches(concat(a, a, b)), "invalid_timestamp", /maxTimestamp 1 differs/);
    if (r.ok) return;
    expect([r.batch, r.position]).toEqual([2, 2 * a.length]);
    expect(r.message).toMatch(new RegExp(`^batch 2 at byte ${2 * a.length}: `));
  });

  it("empty input and recordCount 0 are empty_batch", () => {
    expectError(core.validateBatches(new Uint8Array(0)), "empty_batch", /empty input/);
    expectError(core.validateBatches(rawRecords([], 0)), "empty_batch", /recordCount is 0/);
  });

  it("framing problems are batch_truncated", () => {
    const ok = encodeBatch({ records: [{ value: enc("hello") }] });
    for (const cut of [1, 12, 16, 17, 60, 61, ok.length - 1]) {
      expectError(core.validateBatches(ok.subarray(0, cut)), "batch_truncated");
    }
    expectError(core.validateBatches(ok.subarray(0, 30)), "batch_truncated", /only 30 bytes left, a batch header needs 61/);
    expectError(core.validateBatches(concat(ok, new Uint8Array(5))), "batch_truncated", /batch 1 at byte \d+: only 5 bytes left/);
    const short = ok.slice();
    new DataView(short.buffer).setInt32(8, 48);
    expectError(core.validateBatches(short), "batch_truncated", /batchLength 48 is smaller than the minimum 49/);
    const long = ok.slice();
    new DataView(long.buffer).setInt32(8, ok.length);
    expectError(core.validateBatches(long), "batch_truncated", /runs past the end/);
    const negative = ok.slice();
    new DataView(negative.buffer).setInt32(8, -1);
    expectError(core.validateBatches(negative), "batch_truncated");
  });

  it("magic other than 2 is unsupported_magic", () => {
    expectError(core.validateBatches(encodeBatch({ magic: 1, records: [{}] })), "unsupported_magic", /magic byte is 1/);
  });

  it("a flipped byte anywhere under the CRC is crc_mismatch with both values in the message", () => {
    const ok = encodeBatch({ records: [{ key: enc("key"), value: enc("value"), headers: [["h", enc("v")]] }] });
    for (let i = 21; i < ok.length; i++) {
      const bad = ok.slice();
      bad[i] ^= 0x10;
      expectError(
        core.validateBatches(bad),
        "crc_mismatch",
        /^batch 0 at byte 0: CRC-32C mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)$/,
      );
    }
    const bad = ok.slice();
    bad[17] ^= 1; // the stored CRC itself
    expectError(core.validateBatches(bad), "crc_mismatch");
  });

  it("compression and transactional/control attributes are rejected", () => {
    for (const codec of [1, 2, 3, 4]) {
      expectError(
        core.validateBatches(encodeBatch({ attributes: codec, records: [{}] })),
        "unsupported_compression",
        new RegExp(`codec ${codec}`),
      );
    }
    expectError(core.validateBatches(encodeBatch({ attributes: 0x10, records: [{}] })), "unsupported_attributes");
    expectError(core.validateBatches(encodeBatch({ attributes: 0x20, records: [{}] })), "unsupported_attributes");
    expect(core.validateBatches(encodeBatch({ attributes: 0x08, records: [{}] })).ok).toBe(true); // LogAppendTime flag
  });

  it("recordCount must match the records present", () => {
    const records = [{ value: enc("a") }, { value: enc("b") }, { value: enc("c") }];
    expectError(
      core.validateBatches(encodeBatch({ records, recordCount: 4, lastOffsetDelta: 3 })),
      "record_count_mismatch",
      /recordCount is 4 but the batch holds 3 records/,
    );
    expectError(
      core.validateBatches(encodeBatch({ records, recordCount: 2, lastOffsetDelta: 1 })),
      "record_count_mismatch",
      /bytes remain after the 2 records/,
    );
    expectError(core.validateBatches(encodeBatch({ records, recordCount: -1 })), "record_count_mismatch", /negative/);
    // Trailing bytes inside the batch after the last record.
    const one = encodeRecord({ value: enc("a") }, 0);
    expectError(core.validateBatches(rawRecords([...one, 0], 1)), "record_count_mismatch");
  });

  it("offset deltas must be 0..n-1 and lastOffsetDelta n-1", () => {
    expectError(
      core.validateBatches(encodeBatch({ records: [{}, { offsetDelta: 2 }] })),
      "invalid_offset_delta",
      /record 1 \(byte \d+\): offsetDelta 2, expected 1/,
    );
    expectError(core.validateBatches(encodeBatch({ records: [{ offsetDelta: 1 }] })), "invalid_offset_delta");
    expectError(
      core.validateBatches(encodeBatch({ records: [{}, {}], lastOffsetDelta: 2 })),
      "invalid_offset_delta",
      /lastOffsetDelta 2, expected 1/,
    );
  });

  it("timestamps: maxTimestamp must be the maximum, none may be negative", () => {
    const records = [{ timestampDelta: 10 }, { timestampDelta: -5 }, { timestampDelta: 3 }];
    const r = core.validateBatches(encodeBatch({ firstTimestamp: 1000, records }));
    expect(r.ok && r.batches[0].maxTimestamp).toBe(1010);
    expectError(
      core.validateBatches(encodeBatch({ firstTimestamp: 1000, maxTimestamp: 1003, records })),
      "invalid_timestamp",
      /maxTimestamp 1003 differs from the largest record timestamp 1010/,
    );
    expectError(
      core.validateBatches(encodeBatch({ firstTimestamp: -1, maxTimestamp: 0, records: [{}] })),
      "invalid_timestamp",
      /firstTimestamp -1 is negative/,
    );
    expectError(
      core.validateBatches(encodeBatch({ firstTimestamp: 3, maxTimestamp: 3, records: [{ timestampDelta: -4 }] })),
      "invalid_timestamp",
    );
    expect(core.validateBatches(encodeBatch({ firstTimestamp: 0, records: [{}] })).ok).toBe(true);
  });

  it("malformed records", () => {
    const cases: [string, number[], RegExp][] = [
      [
        "over-long varint",
        record([0], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], varint(0), varint(-1), varint(-1), varint(0)),
        /timestampDelta: malformed varint/,
      ],
      ["varint cut by the record end", record([0], varint(0), varint(0), varint(-1), varint(-1), [0x80]), /headerCount: malformed varint/],
      [
        "key longer than the record",
        record([0], varint(0), varint(0), varint(50), [1, 2], varint(-1), varint(0)),
        /key: length 50 runs past the end of the record/,
      ],
      ["key length -2", record([0], varint(0), varint(0), varint(-2), varint(-1), varint(0)), /key: negative length -2/],
      [
        "null header key",
        record([0], varint(0), varint(0), varint(-1), varint(-1), varint(1), varint(-1), varint(-1)),
        /header key: negative length -1/,
      ],
      ["negative header count", record([0], varint(0), varint(0), varint(-1), varint(-1), varint(-1)), /headerCount: negative length -1/],
      [
        "record length larger than its fields",
        record([0], varint(0), varint(0), varint(-1), varint(-1), varint(0), [7]),
        /does not match its fields/,
      ],
      ["record length past the batch", [...varint(100), 0, 0, 0, 1, 1, 0], /record length 100 runs past the end of the batch/],
      ["negative record length", [...varint(-3), 0, 0, 0, 1, 1, 0], /record length -3/],
      ["zero record length", [...varint(0)], /record attributes/],
      ["bad record length varint", [0x80], /record length: malformed varint/],
    ];
    for (const [name, bytes, message] of cases) {
      const r = core.validateBatches(rawRecords(bytes, 1));
      expect(r.ok ? "ok" : `${r.code}: ${r.message}`, name).toMatch(/^malformed_record: batch 0 at byte 0: record 0 \(byte \d+\): /);
      if (!r.ok) expect(r.message, name).toMatch(message);
    }
  });
});

describe("patchBaseOffsets", () => {
  it("assigns consecutive offsets across batches, in place, keeping the CRC valid", () => {
    const sizes = [1, 3, 2];
    const bytes = concat(
      ...sizes.map((n) => encodeBatch({ baseOffset: 999, records: Array.from({ length: n }, () => ({ value: enc("x") })) })),
    );
    expect(core.patchBaseOffsets(bytes, 100)).toBe(105);
    const r = core.validateBatches(bytes);
    if (!r.ok) throw new Error(r.message);
    expect(r.batches.map((b) => b.baseOffset)).toEqual([100, 101, 104]);
    expect(core.checkBatches(bytes, 0, bytes.length)).toEqual({ ok: true });
    expect(core.patchBaseOffsets(bytes, 2 ** 40)).toBe(2 ** 40 + 5);
    expect(new DataView(bytes.buffer).getBigInt64(0)).toBe(2n ** 40n);
  });

  it("throws on bytes that do not frame", () => {
    expect(() => core.patchBaseOffsets(new Uint8Array(10), 0)).toThrow(/only 10 bytes left/);
    expect(() => core.patchBaseOffsets(encodeBatch({ records: [{}] }), -1)).toThrow(RangeError);
  });
});

describe("buildIndex / locate / locateTimestamp", () => {
  // 40 batches of 1..5 records, timestamps deliberately not monotonic across batches.
  const specs: TestBatch[] = [];
  let offset = 1000;
  for (let i = 0; i < 40; i++) {
    const n = (i % 5) + 1;
    const first = 10_000 + i * 100 + (i % 3 === 0 ? -250 : 0);
    specs.push({
      baseOffset: offset,
      firstTimestamp: first,
      records: Array.from({ length: n }, (_, j) => ({ value: enc(`v${i}.${j}`), timestampDelta: j * 10 })),
    });
    offset += n;
  }
  const parts = specs.map(encodeBatch);
  const segment = concat(...parts);
  const positions = parts.map((_, i) => parts.slice(0, i).reduce((n, p) => n + p.length, 0));
  const maxTs = specs.map((s) => s.firstTimestamp! + (s.records.length - 1) * 10);
  const runningMax = maxTs.map((_, i) => Math.max(...maxTs.slice(0, i + 1)));
  const index = core.buildIndex(segment, 1000);

  it("writes one 16-byte little-endian entry per batch", () => {
    expect(index.length).toBe(40 * INDEX_ENTRY_SIZE);
    const v = new DataView(index.buffer, index.byteOffset, index.byteLength);
    for (let i = 0; i < 40; i++) {
      expect(v.getInt32(i * 16, true)).toBe(specs[i].baseOffset! - 1000);
      expect(v.getInt32(i * 16 + 4, true)).toBe(positions[i]);
      expect(Number(v.getBigInt64(i * 16 + 8, true))).toBe(runningMax[i]);
    }
  });

  it("locate maps every offset to the batch containing it", () => {
    for (let i = 0; i < 40; i++) {
      for (let o = specs[i].baseOffset!; o < specs[i].baseOffset! + specs[i].records.length; o++) {
        expect(core.locate(index, 1000, o), `offset ${o}`).toBe(positions[i]);
      }
    }
    expect(core.locate(index, 1000, 999)).toBe(-1);
    expect(core.locate(index, 1000, -5)).toBe(-1);
    expect(core.locate(index, 1000, offset + 1000)).toBe(positions[39]); // past the end: last batch
    expect(core.locate(new Uint8Array(0), 0, 5)).toBe(-1);
    expect(() => core.locate(new Uint8Array(15), 0, 5)).toThrow(/multiple of 16/);
  });

  it("locateTimestamp finds the first batch whose running max reaches the timestamp", () => {
    for (const ts of [0, 9_000, 9_750, 9_780, 10_000, 10_040, 10_041, 12_345, 13_940, 13_941, 14_000]) {
      const i = runningMax.findIndex((m) => m >= ts);
      expect(core.locateTimestamp(index, ts), `ts ${ts}`).toBe(i < 0 ? -1 : positions[i]);
    }
    expect(core.locateTimestamp(index, Number.MAX_SAFE_INTEGER)).toBe(-1);
    expect(core.locateTimestamp(index, -Infinity)).toBe(0);
  });

  it("buildIndex rejects a segment that does not frame", () => {
    expect(() => core.buildIndex(segment.subarray(0, segment.length - 1), 1000)).toThrow(/batch 39 .*runs past the end/);
  });
});

describe("checkBatches", () => {
  const a = encodeBatch({ records: [{ key: enc("k"), value: enc("first") }] });
  const b = encodeBatch({ baseOffset: 1, records: [{ value: enc("second") }, { value: null, headers: [["h", enc("x")]] }] });
  const segment = concat(a, b);

  it("accepts intact batches and an empty range", () => {
    expect(core.checkBatches(segment, 0, segment.length)).toEqual({ ok: true });
    expect(core.checkBatches(segment, a.length, segment.length)).toEqual({ ok: true });
    expect(core.checkBatches(segment, 7, 7)).toEqual({ ok: true });
  });

  it("detects a flipped byte anywhere under the CRC, reporting the segment position of the batch", () => {
    for (let i = a.length + 17; i < segment.length; i++) {
      const bad = segment.slice();
      bad[i] ^= 0x01;
      expect(core.checkBatches(bad, 0, bad.length), `byte ${i}`).toMatchObject({ ok: false, code: "crc_mismatch", position: a.length });
      expect(core.checkBatches(bad, a.length, bad.length), `byte ${i}`).toMatchObject({
        ok: false,
        code: "crc_mismatch",
        position: a.length,
      });
    }
  });

  it("detects header corruption", () => {
    const magic = segment.slice();
    magic[a.length + 16] = 1;
    expect(core.checkBatches(magic, 0, magic.length)).toMatchObject({ ok: false, code: "unsupported_magic", position: a.length });
    for (const length of [0, 48, b.length, -7, 0x7fffffff]) {
      const bad = segment.slice();
      new DataView(bad.buffer).setInt32(a.length + 8, length);
      expect(core.checkBatches(bad, 0, bad.length), `length ${length}`).toMatchObject({
        ok: false,
        code: "batch_truncated",
        position: a.length,
      });
    }
    // A range that cuts a batch is truncated too.
    expect(core.checkBatches(segment, 0, segment.length - 1)).toMatchObject({ ok: false, code: "batch_truncated", position: a.length });
    const shorter = segment.slice();
    new DataView(shorter.buffer).setInt32(8, a.length - 13); // one byte short: the next batch starts misaligned
    const r = core.checkBatches(shorter, 0, shorter.length);
    expect(r.ok).toBe(false);
    expect(() => core.checkBatches(segment, 0, segment.length + 1)).toThrow(RangeError);
  });
});
