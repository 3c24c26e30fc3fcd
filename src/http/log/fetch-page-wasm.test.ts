// The fetch page rendered by the WebAssembly core (fetch-page-wasm.ts, assembly/page.ts) against
// the JS page writers alone: for every page — any key, value and headers, from any offset, up to
// any max_records, plain, compressed, control and LogAppendTime batches, large offsets and
// timestamps — the bytes, count, next and stopped must be the same, and a malformed batch must
// throw the same error.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { LogCore } from "../../core/batch/log-core.ts";
import { encodeBatch, encodeMarker, type Header, type RecordInput } from "../../core/batch/record-batch.ts";
import { CODEC_GZIP, CODEC_SNAPPY, compressRecords } from "../../core/compression/index.ts";
import { crc32cBitwise } from "../../../test/core-support/batch-builder.ts";
import { withCompressedRecords } from "../../../test/core-support/compressed-batch.ts";
import { JsonPageWriter } from "./fetch-body.ts";
import { BULK_FALLBACK, walkRecords } from "./fetch-records.ts";
import { WasmPageRenderer } from "./fetch-page-wasm.ts";
import { MsgpackPageWriter } from "./msgpack-page.ts";

const utf8 = new TextEncoder();
const meta = { next_offset: 7, high_watermark: 8, log_start_offset: 0 };
const crc32c = crc32cBitwise;
let core: LogCore;
/** Records the module rendered and records it left to the JS writer, over a test. */
const tally = { wasm: 0, js: 0 };

class Counting extends WasmPageRenderer {
  override render(pos: number, index: number, from: number, room: number): number {
    const status = super.render(pos, index, from, room);
    tally.wasm += this.rendered;
    if (status === BULK_FALLBACK) tally.js++;
    return status;
  }
}

beforeAll(async () => {
  core = await LogCore.instantiate(readFileSync(new URL("../../../build/edgebroker.wasm", import.meta.url)));
});

type Outcome = { page: Uint8Array; walked: ReturnType<typeof walkRecords> } | { error: string };

function render(stored: Uint8Array, from: number, max: number, format: "json" | "msgpack", wasm: boolean, bound?: number): Outcome {
  const page = format === "json" ? new JsonPageWriter() : new MsgpackPageWriter();
  try {
    const walked = walkRecords(stored, from, max, page, bound, wasm ? new Counting(core, page) : undefined);
    return { page: page.finish(meta), walked };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** The WASM path gives what the JS writers give; returns the outcome. */
function same(stored: Uint8Array, from: number, max: number, bound?: number): Outcome[] {
  const outcomes: Outcome[] = [];
  for (const format of ["json", "msgpack"] as const) {
    const js = render(stored, from, max, format, false, bound);
    const wasm = render(stored, from, max, format, true, bound);
    if ("error" in js) expect(wasm, format).toEqual(js);
    else {
      expect("error" in wasm ? wasm.error : wasm.walked, format).toEqual(js.walked);
      if (!("error" in wasm) && !Buffer.from(wasm.page).equals(Buffer.from(js.page))) {
        expect(Buffer.from(wasm.page).toString("latin1"), format).toBe(Buffer.from(js.page).toString("latin1"));
      }
    }
    outcomes.push(js);
  }
  return outcomes;
}

const text = (s: string) => utf8.encode(s);
const jsonTexts = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.jsonValue().map((v) => JSON.stringify(v, null, 2)),
  fc.constantFrom(
    "1",
    "-0",
    "0.5e-3",
    "1E+400",
    "123456789012345",
    "1234567890123456",
    "-12345678901234567890",
    "12345678901234567.5",
    "9007199254740993",
    '"a\\"b\\\\c\\/\\b\\f\\n\\r\\t\\u00e9"',
    '"\\u12"',
    '"\\x"',
    "[1,2,]",
    '{"a":1,}',
    '{"a" 1}',
    "tru",
    "nul",
    "falsey",
    " [ ] ",
    "\t{}\n",
    "\uFEFF[1]",
    '"é"',
    '["\u{1F600}"]',
    "01",
    "-",
    "1.",
    "[".repeat(256) + "]".repeat(256),
    "[".repeat(257) + "]".repeat(257),
    '{"a":' + "[".repeat(300),
    "",
    " ",
  ),
);
// Bytes between quotes that a string may hold as they are but for UTF-8: well-formed or not
// (overlong forms, surrogates, past U+10FFFF, truncated sequences).
const quotedBytes = fc
  .array(fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })), { maxLength: 40 })
  .map((b) => Uint8Array.from([0x22, ...b.filter((c) => c !== 0x22 && c !== 0x5c), 0x22]));
const values = fc.oneof(
  jsonTexts.map(text),
  fc.string({ unit: "grapheme", maxLength: 30 }).map((s) => text(JSON.stringify([s, { [s]: 1 }]))),
  fc.string({ unit: "binary", maxLength: 30 }).map((s) => text(JSON.stringify(s))),
  quotedBytes,
  fc
    .constantFrom(
      [0xc0, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xe2, 0x82],
      [0xf0, 0x9f, 0x98, 0x80],
      [0xc2, 0xa9],
      [0xef, 0xbf, 0xbf],
      [0xe0, 0x9f, 0xbf],
      [0xf5, 0x80, 0x80, 0x80],
    )
    .map((b) => Uint8Array.from([0x22, ...b, 0x22])),
  fc.string().map(text),
  fc.string({ unit: "grapheme" }).map(text),
  fc.uint8Array({ maxLength: 300 }),
  fc.uint8Array({ minLength: 500, maxLength: 1500 }),
  fc.string({ minLength: 50, maxLength: 400 }).map((s) => text(JSON.stringify(s))),
);
const keys = fc.oneof(
  fc.constant(new Uint8Array(0)),
  fc.string({ maxLength: 12 }).map(text),
  fc.string({ unit: "grapheme", maxLength: 6 }).map(text),
  fc
    .constantFrom('a"b', "a\\b", "tab\there", "\x7f", "~ok~", "\x00\x01\x08\x0b\x0c\x0d\x1f\n", "é\u2028\u{1F600}", "\uFEFFbom", "\uFEFF")
    .map(text),
  fc.string({ unit: "binary", maxLength: 8 }).map(text),
  fc.array(fc.integer({ min: 0, max: 0x3f }), { maxLength: 8 }).map((b) => Uint8Array.from(b)),
  quotedBytes.map((b) => b.subarray(1, b.length - 1)),
  fc.uint8Array({ maxLength: 20 }),
);
const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null, freq: 4 });
const recordInput = (timestamps: fc.Arbitrary<number>): fc.Arbitrary<RecordInput> =>
  fc.record({
    key: nullable(keys),
    value: nullable(values),
    headers: fc.oneof(
      { weight: 4, arbitrary: fc.constant<Header[]>([]) },
      fc.array(fc.tuple(fc.string({ maxLength: 4 }), nullable(fc.uint8Array({ maxLength: 6 }))), { minLength: 1, maxLength: 2 }),
    ),
    timestamp: timestamps,
  });

const CONTROL = -1;
const LOG_APPEND = -2;

/** One batch: plain, compressed with a codec, a commit marker, or a LogAppendTime batch. */
function batch(records: RecordInput[], base: number, kind: number, maxTimestamp: number): Uint8Array {
  const plain = encodeBatch(records, { crc32c });
  const dv = new DataView(plain.buffer, plain.byteOffset);
  if (kind === LOG_APPEND) {
    dv.setInt16(21, dv.getInt16(21) | 0x08);
    dv.setBigInt64(35, BigInt(maxTimestamp));
  }
  const out = kind > 0 ? withCompressedRecords(plain, kind, compressRecords(kind, plain.subarray(61))!) : plain;
  // Set after encoding, so offsets past 2^53 (which the readers show as they round) are stored too;
  // the CRC does not cover baseOffset.
  new DataView(out.buffer, out.byteOffset).setBigInt64(0, BigInt(base));
  return out;
}

const stores = fc
  .record({
    base: fc.constantFrom(0, 1000, 2 ** 31 - 3, 2 ** 32 + 5, 2 ** 52, 2 ** 53 - 20),
    timestamps: fc.constantFrom(
      fc.integer({ min: 0, max: 2 ** 42 }),
      fc.constant(1_764_000_000_000),
      fc.integer({ min: 2 ** 53 - 1000, max: 2 ** 53 - 1 }),
    ),
  })
  .chain(({ base, timestamps }) =>
    fc
      .array(
        fc.tuple(
          fc.array(recordInput(timestamps), { minLength: 1, maxLength: 8 }),
          fc.constantFrom(0, 0, 0, CODEC_GZIP, CODEC_SNAPPY, CONTROL, LOG_APPEND),
          fc.integer({ min: -(2 ** 40), max: 2 ** 53 - 1 }),
        ),
        { maxLength: 5 },
      )
      .map((specs) => {
        const parts: Uint8Array[] = [];
        let offset = base;
        for (const [records, kind, maxTimestamp] of specs) {
          if (kind === CONTROL) {
            const marker = encodeMarker({ crc32c, producerId: 1, producerEpoch: 0, commit: true, coordinatorEpoch: 0, timestamp: 5 });
            new DataView(marker.buffer).setBigInt64(0, BigInt(offset));
            parts.push(marker);
            offset += 1;
          } else {
            parts.push(batch(records, offset, kind, maxTimestamp));
            offset += records.length;
          }
        }
        return { bytes: concat(parts), base, end: offset };
      }),
  );

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe("the WebAssembly page renderer", () => {
  it("writes the JS writers' page, from any offset, up to any max_records", () => {
    let pages = 0;
    tally.wasm = tally.js = 0;
    fc.assert(
      fc.property(stores, fc.nat(40), fc.integer({ min: 1, max: 40 }), ({ bytes, base, end }, fromRaw, max) => {
        const from = base + (fromRaw % (end - base + 1));
        // Only a batch at or past 2^53 is refused (by the shared header reader).
        if (same(bytes, from, max).every((o) => !("error" in o))) pages++;
        else expect(end).toBeGreaterThanOrEqual(2 ** 53);
      }),
      { numRuns: 1500 },
    );
    expect(pages).toBeGreaterThan(1000);
    // Both paths are taken thousands of times (the generators favour what the module leaves to JS).
    expect(tally.wasm).toBeGreaterThan(1000);
    expect(tally.js).toBeGreaterThan(1000);
  });

  it("throws the JS walk's error for a malformed batch, and writes its page when a change leaves the batch readable", () => {
    let errors = 0;
    fc.assert(
      fc.property(
        stores,
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 40 }),
        ({ bytes, base }, changes, max) => {
          const stored = bytes.slice();
          for (const [at, b] of changes) if (stored.length > 0) stored[at % stored.length] = b;
          if (same(stored, base, max).some((o) => "error" in o)) errors++;
        },
      ),
      { numRuns: 1500 },
    );
    expect(errors).toBeGreaterThan(100);
  });

  it("truncated and extended records sections throw the same errors", () => {
    const stored = batch(
      Array.from({ length: 20 }, (_, i) => ({ key: null, value: text(`{"n":${i}}`), headers: [], timestamp: i })),
      0,
      0,
      0,
    );
    for (let cut = 62; cut < stored.length; cut += 3) {
      const bytes = stored.slice(0, cut);
      new DataView(bytes.buffer).setInt32(8, cut - 12); // batchLength: the section ends early
      const [json] = same(bytes, 0, 100);
      expect(json).toHaveProperty("error");
    }
  });

  it("renders a section larger than its output region in pieces, and a record larger than the region in JS", () => {
    const value = text(JSON.stringify("v".repeat(1000)));
    const many = batch(
      Array.from({ length: 3000 }, (_, i) => ({ key: text(`k${i}`), value, headers: [], timestamp: i })),
      0,
      0,
      0,
    );
    const huge = batch([{ key: null, value: new Uint8Array(2_500_000).fill(7), headers: [], timestamp: 1 }], 3000, 0, 0);
    const stored = concat([many, huge]);
    for (const outcome of same(stored, 0, 5000)) expect(outcome).not.toHaveProperty("error");
    same(stored, 1500, 1000);
  });

  it("agrees across long runs of records left to the JS writer (headers) and of common ones", () => {
    const value = text('{"v":1}');
    const records = Array.from({ length: 400 }, (_, i) => ({
      key: i % 5 === 0 ? null : text(`k${i}`),
      value,
      headers: (i >= 10 && i < 120) || i % 37 === 0 ? [["h", text(String(i))] as Header] : [],
      timestamp: i,
    }));
    const stored = batch(records, 0, 0, 0);
    for (const [from, max] of [
      [0, 1000],
      [15, 1000],
      [0, 100],
      [50, 90],
    ] as const) {
      for (const outcome of same(stored, from, max)) expect(outcome).not.toHaveProperty("error");
    }
  });

  it("agrees under the decompression bound", () => {
    const value = text("y".repeat(1000));
    const records = (n: number) => Array.from({ length: n }, (_, i) => ({ key: null, value, headers: [], timestamp: i }));
    const stored = concat([batch(records(10), 0, CODEC_GZIP, 0), batch(records(10), 10, CODEC_GZIP, 0), batch(records(10), 20, 0, 0)]);
    same(stored, 0, 1000, 15_000);
    same(stored, 5, 1000, 15_000);
  });
});
