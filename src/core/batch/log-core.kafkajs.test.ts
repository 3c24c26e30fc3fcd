// Cross-checks the Wasm core against batches encoded and decoded by kafkajs (test-only reference),
// so the format is not only checked against our own understanding of it.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import type { ValidationResult } from "./log-core.ts";
import { loadLogCore } from "../../../test/core-support/load-log-core.ts";
import { concat, crc32cBitwise, reseal } from "../../../test/core-support/batch-builder.ts";

const require = createRequire(import.meta.url);
const { RecordBatch } = require("kafkajs/src/protocol/recordBatch/v0/index.js");
const Record = require("kafkajs/src/protocol/recordBatch/record/v0/index.js");
const decodeRecordBatch = require("kafkajs/src/protocol/recordBatch/v0/decoder.js");
const Decoder = require("kafkajs/src/protocol/decoder.js");
const kafkajsCrc32C = require("kafkajs/src/protocol/recordBatch/crc32C/index.js");
const Long = require("kafkajs/src/utils/long.js");

const core = await loadLogCore();

interface Message {
  key?: string | Buffer | null;
  value: string | Buffer | null;
  headers?: Record<string, string | Buffer>;
  timestamp: number;
}

/** Encodes like kafkajs's Produce v3 request (partitionsEncoder), compression none. */
async function kafkajsBatch(messages: Message[], opts: { baseOffset?: number; producerId?: number } = {}): Promise<Uint8Array> {
  const timestamps = messages.map((m) => m.timestamp);
  const firstTimestamp = Math.min(...timestamps);
  const maxTimestamp = Math.max(...timestamps);
  const records = messages.map((m, i) => Record({ ...m, offsetDelta: i, timestampDelta: m.timestamp - firstTimestamp }));
  const encoder = await RecordBatch({
    firstOffset: Long.fromNumber(opts.baseOffset ?? 0),
    records,
    firstTimestamp,
    maxTimestamp,
    producerId: Long.fromNumber(opts.producerId ?? -1),
    lastOffsetDelta: records.length - 1,
  });
  return new Uint8Array(encoder.buffer);
}

/** Decodes every batch of `bytes` with kafkajs. */
async function kafkajsDecode(bytes: Uint8Array) {
  const decoder = new Decoder(Buffer.from(bytes));
  const batches = [];
  while (decoder.canReadBytes(12)) batches.push(await decodeRecordBatch(decoder));
  return batches;
}

function expectError(r: ValidationResult, code: string) {
  expect(r.ok ? "ok" : r.code).toBe(code);
}

const T0 = 1_717_171_717_000;
const messages: Message[] = [
  { key: "user-1", value: "hello", headers: { trace: "abc", "content-type": "text/plain" }, timestamp: T0 + 20 },
  { key: null, value: "no key", timestamp: T0 }, // earlier than the first record: negative delta
  { key: "tombstone", value: null, timestamp: T0 + 500 },
  { key: Buffer.from([0, 1, 2, 255]), value: Buffer.alloc(1000, 7), timestamp: T0 + 5 },
];

describe("kafkajs-encoded batches", () => {
  it("validate with the right metadata", async () => {
    const bytes = await kafkajsBatch(messages, { baseOffset: 77, producerId: 4242 });
    const r = core.validateBatches(bytes);
    if (!r.ok) throw new Error(r.message);
    expect(r.batches).toEqual([
      {
        position: 0,
        size: bytes.length,
        baseOffset: 77,
        lastOffsetDelta: 3,
        recordCount: 4,
        firstTimestamp: T0,
        maxTimestamp: T0 + 500,
        attributes: 0,
        producerId: 4242,
        producerEpoch: 0,
        baseSequence: 0,
      },
    ]);
  });

  it("our CRC-32C equals kafkajs's on random data", () => {
    let seed = 7;
    for (let n = 0; n < 50; n++) {
      const len = (n * 97) % 3000;
      const buf = Buffer.alloc(len);
      for (let i = 0; i < len; i++) buf[i] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
      expect(core.crc32c(buf)).toBe(kafkajsCrc32C(buf) >>> 0);
    }
  });

  it("validate several concatenated batches", async () => {
    const parts = [
      await kafkajsBatch(messages),
      await kafkajsBatch([{ value: "x", timestamp: T0 }]),
      await kafkajsBatch(messages.slice(1)),
    ];
    const r = core.validateBatches(concat(...parts));
    if (!r.ok) throw new Error(r.message);
    expect(r.batches.map((b) => [b.position, b.recordCount])).toEqual([
      [0, 4],
      [parts[0].length, 1],
      [parts[0].length + parts[1].length, 3],
    ]);
  });

  it("a flipped byte after the CRC field is crc_mismatch", async () => {
    const bytes = await kafkajsBatch(messages);
    for (const at of [21, 24, 30, 40, 58, 61, 70, bytes.length - 1]) {
      const bad = bytes.slice();
      bad[at] ^= 0x80;
      expectError(core.validateBatches(bad), "crc_mismatch");
    }
  });

  it("magic and truncation", async () => {
    const bytes = await kafkajsBatch(messages);
    const bad = bytes.slice();
    bad[16] = 1;
    expectError(core.validateBatches(bad), "unsupported_magic");
    for (const cut of [0, 11, 40, bytes.length - 1])
      expectError(core.validateBatches(bytes.subarray(0, cut)), cut === 0 ? "empty_batch" : "batch_truncated");
    expectError(core.validateBatches(concat(bytes, bytes.subarray(0, 20))), "batch_truncated");
  });

  it("structural mutations behind a recomputed CRC reach the record walk", async () => {
    const bytes = await kafkajsBatch(messages);
    const mutate = (f: (v: DataView, b: Uint8Array) => void) => {
      const b = bytes.slice();
      f(new DataView(b.buffer), b);
      return core.validateBatches(reseal(b));
    };
    expect(mutate(() => {}).ok).toBe(true);
    expectError(
      mutate((v) => v.setInt32(57, 5)),
      "record_count_mismatch",
    );
    expectError(
      mutate((v) => v.setInt32(57, 3)),
      "record_count_mismatch",
    );
    expectError(
      mutate((v) => v.setInt32(57, 0)),
      "empty_batch",
    );
    expectError(
      mutate((v) => v.setInt32(23, 4)),
      "invalid_offset_delta",
    );
    expectError(
      mutate((v) => v.setBigInt64(35, BigInt(T0 + 499))),
      "invalid_timestamp",
    );
    expectError(
      mutate((v) => v.setBigInt64(27, -1n)),
      "invalid_timestamp",
    );
    expectError(
      mutate((v) => v.setInt16(21, 2)),
      "unsupported_compression",
    );
    expectError(
      mutate((v) => v.setInt16(21, 0x10)),
      "unsupported_attributes",
    );
    // First record: length varint at 61, attributes at 62, timestampDelta (40 -> zigzag 20, one byte) at 63,
    // offsetDelta at 64. Make the offsetDelta 1 (zigzag 2).
    expect(bytes[64]).toBe(0);
    expectError(
      mutate((_v, b) => (b[64] = 2)),
      "invalid_offset_delta",
    );
    // Key length (zigzag of 6 = 12) at 65: claim 7 bytes -> the fields no longer add up to the record length.
    expect(bytes[65]).toBe(12);
    expectError(
      mutate((_v, b) => (b[65] = 14)),
      "malformed_record",
    );
    expectError(
      mutate((_v, b) => (b[61] = bytes[61] + 2)),
      "malformed_record",
    ); // record length off by one
    expectError(
      mutate((_v, b) => (b[61] = 0x80)),
      "malformed_record",
    );
  });

  it("patched batches still validate and kafkajs decodes the assigned offsets", async () => {
    const parts = [
      await kafkajsBatch(messages),
      await kafkajsBatch([{ value: "x", timestamp: T0 }]),
      await kafkajsBatch(messages.slice(0, 2)),
    ];
    const bytes = concat(...parts);
    expect(core.patchBaseOffsets(bytes, 5_000_000_000)).toBe(5_000_000_000 + 4 + 1 + 2 - 1);
    const r = core.validateBatches(bytes);
    if (!r.ok) throw new Error(r.message);
    expect(r.batches.map((b) => b.baseOffset)).toEqual([5_000_000_000, 5_000_000_004, 5_000_000_005]);
    const decoded = await kafkajsDecode(bytes);
    expect(decoded.flatMap((b: { records: { offset: string }[] }) => b.records.map((rec) => rec.offset))).toEqual(
      Array.from({ length: 7 }, (_, i) => String(5_000_000_000 + i)),
    );
    const first = decoded[0].records;
    expect(first.map((rec: { key: Buffer | null }) => rec.key?.toString() ?? null)).toEqual([
      "user-1",
      null,
      "tombstone",
      "\u0000\u0001\u0002\ufffd",
    ]);
    expect(first.map((rec: { timestamp: string }) => Number(rec.timestamp))).toEqual([T0 + 20, T0, T0 + 500, T0 + 5]);
    expect(first[0].headers.trace.toString()).toBe("abc");
    expect(first[2].value).toBeNull();
    // The CRC is untouched by patching (it does not cover baseOffset) and still matches.
    expect(crc32cBitwise(bytes.subarray(21, parts[0].length))).toBe(new DataView(bytes.buffer).getUint32(17));
  });
});
