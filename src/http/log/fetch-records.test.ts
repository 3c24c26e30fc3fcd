// The fetch route's walk over stored batches (fetch-records.ts) against decodeRecords: every page
// written from positions in the batch bytes must be the page written from decoded records, for
// plain, compressed and control batches, any start offset and any max_records; a value is judged
// JSON text by its own bytes, never by the bytes stored after it.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodePage, decodeRecords, encodeBatch, encodeMarker, type RecordInput } from "../../core/batch/record-batch.ts";
import { CODEC_GZIP, CODEC_SNAPPY, compressRecords } from "../../core/compression/index.ts";
import { crc32cBitwise } from "../../../test/core-support/batch-builder.ts";
import { withCompressedRecords } from "../../../test/core-support/compressed-batch.ts";
import { JsonPageWriter } from "./fetch-body.ts";
import { walkRecords } from "./fetch-records.ts";
import { jsonVerdict } from "./json-validator.ts";
import { MsgpackPageWriter } from "./msgpack-page.ts";

const utf8 = new TextEncoder();
const meta = { next_offset: 0, high_watermark: 0, log_start_offset: 0 };
const crc32c = crc32cBitwise;

const bytes = fc.oneof(
  fc.jsonValue().map((v) => utf8.encode(JSON.stringify(v))),
  fc.constantFrom("1", "12", "-0", "1e5", "true", '"a"', "[1,2]", '{"a":1}', "\uFEFF1", "18446744073709551615").map((s) => utf8.encode(s)),
  fc.string().map((s) => utf8.encode(s)),
  fc.uint8Array({ maxLength: 300 }),
);
const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null, freq: 5 });
const recordInput: fc.Arbitrary<RecordInput> = fc.record({
  key: nullable(bytes),
  value: nullable(bytes),
  headers: fc.array(fc.tuple(fc.string({ maxLength: 4 }), nullable(fc.uint8Array({ maxLength: 6 }))), { maxLength: 2 }),
  timestamp: fc.integer({ min: 0, max: 2 ** 42 }),
});

/** One batch of `records` at `base`, compressed with `codec` (0 = none), or a commit marker. */
function batch(records: RecordInput[], base: number, codec: number): Uint8Array {
  const plain = encodeBatch(records, { crc32c, baseOffset: base });
  if (codec === 0) return plain;
  return withCompressedRecords(plain, codec, compressRecords(codec, plain.subarray(61))!);
}

const run = fc
  .array(fc.tuple(fc.array(recordInput, { minLength: 1, maxLength: 5 }), fc.constantFrom(0, 0, CODEC_GZIP, CODEC_SNAPPY, -1)), {
    maxLength: 5,
  })
  .map((specs) => {
    const parts: Uint8Array[] = [];
    let base = 0;
    for (const [records, codec] of specs) {
      if (codec === -1) {
        const marker = encodeMarker({ crc32c, producerId: 1, producerEpoch: 0, commit: true, coordinatorEpoch: 0, timestamp: 5 });
        new DataView(marker.buffer).setInt32(4, base); // base offset (fits 32 bits here)
        parts.push(marker);
        base += 1;
      } else {
        parts.push(batch(records, base, codec));
        base += records.length;
      }
    }
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return { bytes: out, end: base };
  });

describe("walkRecords", () => {
  it("writes the page decodeRecords gives, from any offset, up to any max_records", () => {
    fc.assert(
      fc.property(run, fc.nat(30), fc.integer({ min: 1, max: 30 }), ({ bytes: stored, end }, fromRaw, maxRecords) => {
        const from = fromRaw % (end + 1);
        const decoded = decodeRecords(stored).filter((r) => r.offset >= from);
        const taken = decoded.slice(0, maxRecords);
        for (const [make, name] of [
          [() => new JsonPageWriter(), "json"],
          [() => new MsgpackPageWriter(), "msgpack"],
        ] as const) {
          const walkedPage = make();
          const walked = walkRecords(stored, from, maxRecords, walkedPage);
          const expected = make();
          for (const r of taken) expected.add(r);
          expect(walked.count, name).toBe(taken.length);
          expect(walked.stopped, name).toBe(decoded.length > maxRecords);
          expect(walked.next, name).toBe(taken.length > 0 ? taken[taken.length - 1]!.offset + 1 : from);
          expect(Buffer.from(walkedPage.finish(meta)).equals(Buffer.from(expected.finish(meta))), name).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("stops after the batch that reaches the decompression bound, and the next read starts after it", () => {
    const value = utf8.encode("y".repeat(1000));
    const records = (n: number) => Array.from({ length: n }, (_, i) => ({ key: null, value, headers: [], timestamp: i }));
    const parts = [batch(records(10), 0, CODEC_GZIP), batch(records(10), 10, CODEC_GZIP), batch(records(10), 20, 0)];
    const stored = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (stored.set(p, at), at + p.length), 0);
    // Each compressed batch inflates to ~10 KB: a bound of 15 KB is reached by the second.
    const first = walkRecords(stored, 0, 1000, new JsonPageWriter(), 15_000);
    expect(first).toEqual({ count: 20, next: 20, stopped: true });
    const rest = walkRecords(stored, first.next, 1000, new JsonPageWriter(), 15_000);
    expect(rest).toEqual({ count: 10, next: 30, stopped: false });
  });
});

// The group poll, the tails and the sink connector move their positions by decodePage's answer:
// it must say what walkRecords says, so every reader resumes where the fetch route does.
describe("decodePage", () => {
  it("gives walkRecords' records, next and stopped, from any offset, up to any max_records, under any bound", () => {
    fc.assert(
      fc.property(
        run,
        fc.nat(30),
        fc.integer({ min: 1, max: 30 }),
        fc.constantFrom(1, 200, 2000, 1 << 24),
        ({ bytes: stored, end }, fromRaw, maxRecords, bound) => {
          const from = fromRaw % (end + 1);
          const seen: number[] = [];
          const walked = walkRecords(stored, from, maxRecords, { addAt: (r) => seen.push(r.offset) }, bound);
          const page = decodePage(stored, from, maxRecords, bound);
          expect(page.records.map((r) => r.offset)).toEqual(seen);
          expect({ next: page.next, stopped: page.stopped }).toEqual({ next: walked.next, stopped: walked.stopped });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("jsonVerdict over part of a buffer", () => {
  it("judges b[start, end) as the value alone, whatever bytes lie around it", () => {
    fc.assert(
      fc.property(bytes, fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (v, before, after) => {
        const buf = new Uint8Array([...before, ...v, ...after]);
        expect(jsonVerdict(buf, before.length, before.length + v.length)).toBe(jsonVerdict(v));
      }),
      { numRuns: 3000 },
    );
    // Bytes after the value that would extend it: digits, an exponent, a closing quote, a space.
    for (const [v, after] of [
      ["1", "23"],
      ["1", "e5"],
      ["1.", "5"],
      ['"ab', '"'],
      ["tru", "e"],
      ["[1", "]"],
      ["-", "1"],
    ] as const) {
      const buf = utf8.encode(v + after);
      expect(jsonVerdict(buf, 0, v.length), `${v}|${after}`).toBe(jsonVerdict(utf8.encode(v)));
    }
  });
});
