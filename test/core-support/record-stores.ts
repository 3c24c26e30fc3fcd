// Stored batches for the page renderers' differential tests (src/http/log/fetch-page-wasm.test.ts,
// src/http/groups/poll-page.test.ts): any key, value and headers — JSON text the validator decides
// either way, UTF-8 or not, opaque bytes, large values — in plain, compressed, control and
// LogAppendTime batches, with large offsets and timestamps.
import fc from "fast-check";
import { encodeBatch, encodeMarker, type Header, type RecordInput } from "../../src/core/batch/record-batch.ts";
import { CODEC_GZIP, CODEC_SNAPPY, compressRecords } from "../../src/core/compression/index.ts";
import { crc32cBitwise } from "./batch-builder.ts";
import { withCompressedRecords } from "./compressed-batch.ts";
import { concatBytes } from "../../src/core/bytes.ts";

const utf8 = new TextEncoder();
const crc32c = crc32cBitwise;
export const text = (s: string) => utf8.encode(s);
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

export const CONTROL = -1;
export const LOG_APPEND = -2;

/** One batch: plain, compressed with a codec, a commit marker, or a LogAppendTime batch. */
export function batch(records: RecordInput[], base: number, kind: number, maxTimestamp: number): Uint8Array {
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

export const stores = fc
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
        return { bytes: concatBytes(parts), base, end: offset };
      }),
  );
