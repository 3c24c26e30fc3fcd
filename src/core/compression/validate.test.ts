// Compressed batches end to end in the core: produce validation over the bytes as produced
// (fixtures from the reference CLIs, batches encoded by kafkajs, a real client), record decoding,
// the refusals, and compaction's rewrite of partly kept compressed batches.
import { createRequire } from "node:module";
import { zstdCompressSync, zstdDecompressSync } from "node:zlib";
import { compress as lz4jsCompress, decompress as lz4jsDecompress } from "lz4js";
import { compress as snappyjsCompress } from "snappyjs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadLogCore } from "../../../test/core-support/load-log-core.ts";
import { concat, encodeBatch, enc, reseal } from "../../../test/core-support/batch-builder.ts";
import * as fixtures from "../../../test/core-support/compression-fixtures.ts";
import * as kcat from "../../../test/core-support/kcat-fixtures.ts";
import { fixturePlainBatch, withCompressedRecords } from "../../../test/core-support/compressed-batch.ts";
import { decodeRecords, readBatchHeader } from "../batch/record-batch.ts";
import { frameBatches } from "./batches.ts";
import { rewriteSegment, scanSegment } from "./compaction.ts";
import { decompressRecords } from "./index.ts";
import { validateProduced } from "./validate.ts";

const require = createRequire(import.meta.url);
const { RecordBatch } = require("kafkajs/src/protocol/recordBatch/v0/index.js");
const Record = require("kafkajs/src/protocol/recordBatch/record/v0/index.js");
const decodeRecordBatch = require("kafkajs/src/protocol/recordBatch/v0/decoder.js");
const Decoder = require("kafkajs/src/protocol/decoder.js");
const Long = require("kafkajs/src/utils/long.js");
const { Codecs, Types } = require("kafkajs/src/protocol/message/compression/index.js");

// kafkajs ships gzip; its other codecs are plug-ins with this shape (kafkajs-snappy, kafkajs-lz4,
// @kafkajs/zstd). These wrap libzstd (Node's zlib), lz4js and snappyjs.
Codecs[Types.ZSTD] = () => ({ compress: async (e: { buffer: Buffer }) => zstdCompressSync(e.buffer), decompress: async (b: Buffer) => zstdDecompressSync(b) });
Codecs[Types.LZ4] = () => ({ compress: async (e: { buffer: Buffer }) => Buffer.from(lz4jsCompress(e.buffer)), decompress: async (b: Buffer) => Buffer.from(lz4jsDecompress(b)) });
Codecs[Types.Snappy] = () => ({ compress: async (e: { buffer: Buffer }) => Buffer.from(snappyjsCompress(e.buffer)), decompress: async () => { throw new Error("unused"); } });

const core = await loadLogCore();
const b64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"));
const plain = fixturePlainBatch();
const FIXTURES: Array<[string, number, string]> = [
  ["gzip", 1, fixtures.gzip],
  ["snappy raw", 2, fixtures.snappyRaw],
  ["snappy xerial", 2, fixtures.snappyXerial],
  ["lz4", 3, fixtures.lz4],
  ["zstd", 4, fixtures.zstd],
];

function reason(r: ReturnType<typeof validateProduced>): string {
  return r.ok ? "ok" : r.code;
}

const T0 = 1_717_171_717_000;
async function kafkajsBatch(compression: number, count = 300): Promise<Uint8Array> {
  const records = Array.from({ length: count }, (_, i) =>
    Record({ key: `k-${i % 9}`, value: `{"n":${i},"pad":"${"x".repeat(i % 50)}"}`, headers: i % 4 ? {} : { h: `v${i}` }, offsetDelta: i, timestampDelta: i * 3 }),
  );
  const encoder = await RecordBatch({
    compression,
    firstOffset: Long.fromNumber(0),
    records,
    firstTimestamp: T0,
    maxTimestamp: T0 + (count - 1) * 3,
    lastOffsetDelta: count - 1,
  });
  return new Uint8Array(encoder.buffer);
}

describe("produce validation of compressed batches", () => {
  it.each(FIXTURES)("%s: accepted, metadata of the bytes as produced, records decode as the plain batch's", (_n, codec, data) => {
    const batch = withCompressedRecords(plain, codec, b64(data));
    const r = validateProduced(core, batch);
    if (!r.ok) throw new Error(r.message);
    const asPlain = core.validateBatches(plain);
    if (!asPlain.ok) throw new Error(asPlain.message);
    expect(r.batches).toEqual([{ ...asPlain.batches[0], size: batch.length, attributes: codec }]);
    expect(decodeRecords(batch)).toEqual(decodeRecords(plain));
  });

  it.each([["gzip", Types.GZIP], ["snappy", Types.Snappy], ["lz4", Types.LZ4], ["zstd", Types.ZSTD]])("%s batches encoded by kafkajs validate and decode", async (_n, codec) => {
    const bytes = await kafkajsBatch(codec);
    expect(bytes[22]! & 7).toBe(codec);
    const r = validateProduced(core, bytes);
    if (!r.ok) throw new Error(r.message);
    expect(r.batches[0]).toMatchObject({ recordCount: 300, lastOffsetDelta: 299, attributes: codec, size: bytes.length });
    const records = decodeRecords(bytes);
    expect(records.map((x) => new TextDecoder().decode(x.value!))).toEqual(Array.from({ length: 300 }, (_, i) => `{"n":${i},"pad":"${"x".repeat(i % 50)}"}`));
    expect(records[4]!.headers).toEqual([["h", enc("v4")]]);
  });

  it.each([["gzip", 1], ["snappy", 2], ["lz4", 3], ["zstd", 4]] as const)("%s batches produced by librdkafka (kcat) validate and decode", (name, codec) => {
    const bytes = b64(kcat[name]);
    expect(bytes[22]! & 7).toBe(codec);
    const r = validateProduced(core, bytes);
    if (!r.ok) throw new Error(r.message);
    expect(r.batches).toHaveLength(1);
    expect(r.batches[0]).toMatchObject({ recordCount: 300, lastOffsetDelta: 299, attributes: codec, size: bytes.length });
    const records = decodeRecords(bytes);
    expect(records.map((x) => [x.offset, new TextDecoder().decode(x.key!), new TextDecoder().decode(x.value!)])).toEqual(
      Array.from({ length: 300 }, (_, i) => [i, `device-${i % 17}`, `{"seq":${i},"device":"sensor-${i % 17}","temp":${(i * 7) % 40},"ok":true}`]),
    );
  });

  it("kafkajs reads the stored bytes of the gzip and zstd fixtures", async () => {
    for (const [codec, data] of [[1, fixtures.gzip], [4, fixtures.zstd]] as const) {
      const batch = await decodeRecordBatch(new Decoder(Buffer.from(withCompressedRecords(plain, codec, b64(data)))));
      expect(batch.records.map((x: { value: Buffer | null }) => x.value && new Uint8Array(x.value))).toEqual(decodeRecords(plain).map((x) => x.value));
    }
  });

  it("a run mixing plain and compressed batches keeps each batch's position and size", () => {
    const gz = withCompressedRecords(plain, 1, b64(fixtures.gzip));
    const small = encodeBatch({ records: [{ value: enc("a") }, { value: enc("b") }] });
    const r = validateProduced(core, concat(small, gz, small));
    if (!r.ok) throw new Error(r.message);
    expect(r.batches.map((b) => [b.position, b.size, b.attributes & 7, b.recordCount])).toEqual([
      [0, small.length, 0, 2],
      [small.length, gz.length, 1, 1200],
      [small.length + gz.length, small.length, 0, 2],
    ]);
  });

  it("refusals: CRC over the compressed bytes, record walk and counts behind it, corrupt and oversized records", () => {
    const gz = withCompressedRecords(plain, 1, b64(fixtures.gzip));
    const flipped = gz.slice();
    flipped[gz.length - 30]! ^= 1;
    expect(reason(validateProduced(core, flipped))).toBe("crc_mismatch");
    const wrongCount = gz.slice();
    new DataView(wrongCount.buffer).setInt32(57, 1201);
    expect(reason(validateProduced(core, reseal(wrongCount)))).toBe("record_count_mismatch");
    const wrongDelta = gz.slice();
    new DataView(wrongDelta.buffer).setInt32(23, 1200);
    expect(reason(validateProduced(core, reseal(wrongDelta)))).toBe("invalid_offset_delta");
    const truncated = withCompressedRecords(plain, 1, b64(fixtures.gzip).subarray(0, 4000));
    expect(reason(validateProduced(core, truncated))).toBe("corrupt_compression");
    // Valid compression of records that are not a valid records section.
    const garbage = withCompressedRecords(plain, 4, new Uint8Array(zstdCompressSync(new Uint8Array(5000).fill(0x41))));
    expect(reason(validateProduced(core, garbage))).toBe("malformed_record");
    expect(reason(validateProduced(core, withCompressedRecords(plain, 6, b64(fixtures.gzip))))).toBe("unsupported_compression");
    // A compressed batch followed by bytes that do not frame: the framing is what is refused.
    const tail = validateProduced(core, concat(gz, gz.subarray(0, 30)));
    expect(tail.ok ? "ok" : [tail.code, tail.batch, tail.position]).toEqual(["batch_truncated", 1, gz.length]);
    const badCrc = validateProduced(core, concat(gz, flipped));
    expect(badCrc.ok ? "ok" : [badCrc.code, badCrc.batch]).toEqual(["crc_mismatch", 1]);
  });

  it.each(FIXTURES)("%s: random changes to the compressed records (CRC resealed) are refused or accepted, never thrown", (_n, codec, data) => {
    const batch = withCompressedRecords(plain, codec, b64(data));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 61, max: batch.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }), (edits) => {
        const bytes = batch.slice();
        for (const [at, v] of edits) bytes[at] = v;
        new DataView(bytes.buffer).setUint32(17, core.crc32c(bytes.subarray(21)));
        const r = validateProduced(core, bytes);
        if (!r.ok) expect(r.code).toMatch(/^[a-z_]+$/);
      }),
      { numRuns: 60 },
    );
  });

  it("a decompression bomb is refused naming the limit", () => {
    const bomb = withCompressedRecords(plain, 4, new Uint8Array(zstdCompressSync(new Uint8Array(20 << 20))));
    expect(bomb.length).toBeLessThan(2000);
    const r = validateProduced(core, bomb);
    expect(r.ok ? "ok" : [r.code, r.batch, r.message]).toEqual(["decompression_limit", 0, "batch 0 at byte 0: zstd records decompress to more than the limit of 16777216 bytes"]);
    // Several batches share the request's budget: two of 10 MiB each pass 16 MiB together.
    const ten = (v: number) => withCompressedRecords(plain, 4, new Uint8Array(zstdCompressSync(new Uint8Array(10 << 20).fill(v))));
    expect(reason(validateProduced(core, concat(ten(1), ten(2))))).toBe("decompression_limit");
  });
});

describe("decodeRecords over compressed batches", () => {
  it("stops after the batch that passes its decompression budget (callers go on from the last record)", () => {
    const gz = withCompressedRecords(plain, 1, b64(fixtures.gzip));
    const second = withCompressedRecords(plain, 4, b64(fixtures.zstd));
    new DataView(second.buffer).setBigInt64(0, 1200n);
    const both = concat(gz, second);
    expect(decodeRecords(both).map((r) => r.offset)).toEqual(Array.from({ length: 2400 }, (_, i) => i));
    const first = decodeRecords(both, 50_000); // the first batch inflates to 79 KB: one batch only
    expect(first.map((r) => r.offset)).toEqual(Array.from({ length: 1200 }, (_, i) => i));
    // Uncompressed batches cost no budget.
    expect(decodeRecords(concat(plain, plain), 1).length).toBe(2400);
  });
});

/** Compacted batches have gaps in their offset deltas, so they are read as stored batches are: CRC, then headers. */
function stored(bytes: Uint8Array) {
  const check = core.checkBatches(bytes, 0, bytes.length);
  if (!check.ok) throw new Error(check.message);
  return frameBatches(bytes)!.map((f) => ({ ...readBatchHeader(bytes, f.position), position: f.position }));
}

describe("compaction over compressed batches", () => {
  const gz = withCompressedRecords(plain, 1, b64(fixtures.gzip));
  const lz = withCompressedRecords(plain, 3, b64(fixtures.lz4));
  const small = encodeBatch({ records: [{ key: enc("z"), value: enc("1") }, { key: enc("z"), value: enc("2") }] });
  const row = concat(gz, lz, small);

  it("scans records in log order as the inflated batches would", () => {
    const scan = scanSegment(core, row);
    expect(scan.count).toBe(2402);
    const inflated = concat(...[plain, plain, small]);
    expect(scan.keyHashes).toEqual(core.scanRecords(inflated).keyHashes);
  });

  it("keeps fully kept batches as produced, recompresses gzip, stores lz4 uncompressed, drops emptied ones", () => {
    const keep = new Uint8Array(2402);
    for (let i = 0; i < 1200; i++) keep[i] = i % 2; // half of the gzip batch
    keep.fill(1, 1200, 2400); // all of the lz4 batch
    const out = rewriteSegment(core, row, keep); // nothing of the small batch
    const batches = stored(out);
    expect(batches.map((b) => [b.attributes & 7, b.recordCount, b.lastOffsetDelta])).toEqual([[1, 600, 1199], [3, 1200, 1199]]);
    expect(out.subarray(batches[1]!.position)).toEqual(lz);
    const expected = decodeRecords(plain).filter((_, i) => i % 2 === 1);
    expect(decodeRecords(out.subarray(0, batches[0]!.size))).toEqual(expected);

    keep.fill(0, 1200, 2400);
    keep[1300] = 1;
    const lzPart = rewriteSegment(core, row, keep);
    expect(stored(lzPart).map((b) => [b.attributes & 7, b.recordCount])).toEqual([[1, 600], [0, 1]]);
    expect(decodeRecords(lzPart).at(-1)).toEqual(decodeRecords(plain)[100]);
  });

  it("decompressRecords of a rewritten gzip batch is what WASM wrote", () => {
    const keep = new Uint8Array(1200).fill(1);
    keep[0] = 0;
    const out = rewriteSegment(core, gz, keep);
    expect(decompressRecords(1, out.subarray(61)).length).toBeGreaterThan(0);
    expect(decodeRecords(out)).toEqual(decodeRecords(plain).slice(1));
  });
});
