// The byte-written fetch pages (fetch-body.ts) against the object path they replace: jsonRecord /
// msgpackRecord objects serialised by JSON.stringify / @msgpack/msgpack. For every class of
// stored value — JSON text in any layout, UTF-8 that is not JSON, JSON behind a BOM, nesting past
// the validator's depth, invalid UTF-8, arbitrary bytes — and keys and headers of each kind, the
// page must parse to the same structure. jsonVerdict is checked against JSON.parse directly.
import { decode, encode } from "@msgpack/msgpack";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DecodedRecord } from "../../core/batch/record-batch.ts";
import { base64 } from "./base64.ts";
import { JsonPageWriter } from "./fetch-body.ts";
import { MsgpackPageWriter } from "./msgpack-page.ts";
import { JSON_TEXT, NOT_JSON, UNDECIDED, jsonVerdict } from "./json-validator.ts";
import { jsonRecord, msgpackRecord } from "./record-view.ts";

const utf8 = new TextEncoder();
const bytesOf = (s: string) => utf8.encode(s);
/** `1` inside `depth` arrays. */
const nested = (depth: number) => `${"[".repeat(depth)}1${"]".repeat(depth)}`;
const meta = { next_offset: 7, high_watermark: 9, log_start_offset: 0 };

/** Layout-varied JSON text: compact or indented, with whitespace around it. */
const jsonText = fc
  .tuple(fc.jsonValue(), fc.constantFrom(undefined, 1, "\t", "\r\n "), fc.constantFrom("", " ", "\n\t "))
  .map(([v, indent, ws]) => `${ws}${JSON.stringify(v, null, indent)}${ws}`);
const value = fc.oneof(
  jsonText.map(bytesOf),
  fc.string({ unit: "grapheme" }).map(bytesOf),
  fc.constantFrom(
    bytesOf('\uFEFF{"a":1}'),
    bytesOf(nested(300)),
    bytesOf(" 1 "),
    bytesOf("-0"),
    bytesOf("1e400"),
    bytesOf("01"),
    bytesOf("tru"),
    bytesOf('"\\ud800"'),
    bytesOf("18446744073709551615"),
    bytesOf('{"a":[-9223372036854775808]}'),
    bytesOf("1234567890123456"),
    bytesOf("12345678901234567.5"),
    bytesOf('{"a":1,}'),
    bytesOf("[1,]"),
    bytesOf('"\u0001"'),
    Uint8Array.of(0x22, 0xed, 0xa0, 0x80, 0x22),
    Uint8Array.of(0x22, 0xc3, 0x22),
  ),
  fc.uint8Array({ maxLength: 40 }),
);
const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null, freq: 6 });
const record = fc.record({
  offset: fc.nat({ max: 2 ** 40 }),
  timestamp: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 2 ** 45 })),
  key: nullable(fc.oneof(fc.string().map(bytesOf), fc.uint8Array({ maxLength: 10 }), fc.constant(bytesOf('a"b\\c')))),
  value: nullable(value),
  headers: fc.array(
    fc.tuple(
      fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom("1", "x", "x", "__proto__")),
      nullable(fc.oneof(fc.string().map(bytesOf), fc.uint8Array({ maxLength: 8 }))),
    ),
    { maxLength: 3 },
  ),
}) as fc.Arbitrary<DecodedRecord>;

describe("fetch pages written as bytes", () => {
  it("JSON: the same structure as jsonRecord objects through JSON.stringify", () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 8 }), (records) => {
        const page = new JsonPageWriter();
        for (const r of records) page.add(r);
        const got: unknown = JSON.parse(new TextDecoder().decode(page.finish(meta)));
        const expected: unknown = JSON.parse(JSON.stringify({ records: records.map((r) => jsonRecord(r)), ...meta }));
        // Compared as canonical JSON of what a client's parser gets: the same members in the same
        // order; a number is compared as the double it parses to (a value's "-0" or "1e400"
        // reaches the client as stored, where the old path sent "0" and "null").
        expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
      }),
      { numRuns: 500 },
    );
  });

  it("MessagePack: the same structure as msgpackRecord objects through @msgpack/msgpack", () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 8 }), (records) => {
        const page = new MsgpackPageWriter();
        for (const r of records) page.add(r);
        // @msgpack/msgpack's decoder refuses a "__proto__" key: both sides are read with the
        // bytes of that name replaced by "__proto_X" (same length, so the encoding stays valid).
        const read = (b: Uint8Array) =>
          decode(Buffer.from(Buffer.from(b).toString("latin1").replaceAll("\xa9__proto__", "\xa9__proto_X"), "latin1"));
        const ours = page.finish(meta);
        const theirs = encode({ records: records.map((r) => msgpackRecord(r)), ...meta }, { ignoreUndefined: true });
        expect(read(ours)).toEqual(read(theirs));
      }),
      { numRuns: 500 },
    );
  });

  it("MessagePack integers at every width boundary", () => {
    for (const n of [
      0,
      127,
      128,
      255,
      256,
      65535,
      65536,
      2 ** 32 - 1,
      2 ** 32,
      2 ** 53 - 1,
      -1,
      -32,
      -33,
      -128,
      -129,
      -32768,
      -32769,
      -(2 ** 31),
      -(2 ** 31) - 1,
      -(2 ** 53) + 1,
    ]) {
      const page = new MsgpackPageWriter();
      page.add({ offset: 0, timestamp: n, key: null, value: null, headers: [] });
      expect((decode(page.finish(meta)) as { records: Array<{ timestamp: number }> }).records[0]!.timestamp).toBe(n);
    }
  });
});

describe("jsonVerdict", () => {
  const parses = (b: Uint8Array) => {
    try {
      JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(b));
      return true;
    } catch {
      return false;
    }
  };
  // Not NOT_JSON exactly when JSON.parse accepts; UNDECIDED only for the cases named below.
  const accepts = (b: Uint8Array) => jsonVerdict(b) !== NOT_JSON;
  it("accepts exactly what JSON.parse accepts, for JSON-like byte strings", () => {
    const token = fc.constantFrom(
      "{",
      "}",
      "[",
      "]",
      ",",
      ":",
      '"',
      "\\",
      "\\u00e9",
      "\\x",
      "a",
      "é",
      "1",
      "0",
      "-",
      ".",
      "e",
      "E",
      "+",
      "true",
      "fals",
      "null",
      " ",
      "\n",
      "\u0000",
      "\u2028",
    );
    fc.assert(
      fc.property(
        fc.array(token, { maxLength: 14 }).map((t) => t.join("")),
        (t) => {
          expect(accepts(bytesOf(t))).toBe(parses(bytesOf(t)));
        },
      ),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(jsonText, (t) => {
        expect(accepts(bytesOf(t))).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (b) => {
        expect(accepts(b)).toBe(parses(b));
      }),
      { numRuns: 2000 },
    );
  });
  it("leaves a leading BOM, nesting past its limit and integers of 16+ digits to the slow path", () => {
    expect(jsonVerdict(bytesOf("\uFEFF1"))).toBe(UNDECIDED);
    expect(jsonVerdict(bytesOf(nested(257)))).toBe(UNDECIDED);
    expect(jsonVerdict(bytesOf(nested(256)))).toBe(JSON_TEXT);
    expect(jsonVerdict(bytesOf("[1234567890123456]"))).toBe(UNDECIDED);
    expect(jsonVerdict(bytesOf("[123456789012345, 1.2345678901234567, 1234567890123456e2]"))).toBe(JSON_TEXT);
    expect(jsonVerdict(bytesOf('"1234567890123456"'))).toBe(JSON_TEXT);
  });
});

describe("base64", () => {
  it("matches btoa for every length and byte", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), (b) => {
        expect(base64(b)).toBe(btoa(String.fromCharCode(...b)));
      }),
      { numRuns: 2000 },
    );
  });
});
