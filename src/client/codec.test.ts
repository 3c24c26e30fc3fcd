// Records to the wire and back: what the broker stores for each kind of value, and how fetched
// records are shown in "auto" and "bytes" modes, for both encodings.
import { describe, expect, it } from "vitest";
import { decodeRecord, encodeRecord } from "./codec.ts";

const utf8 = new TextEncoder();

describe("encodeRecord", () => {
  it("stores structured values as JSON text and bytes as bytes (MessagePack)", () => {
    const e = encodeRecord({ topic: "t", key: "k", value: { a: 1 }, headers: { h: "v" }, timestamp: new Date(5) }, "msgpack");
    expect(e.keyBytes).toEqual(utf8.encode("k"));
    expect(e.wire).toEqual({ key: utf8.encode("k"), value: utf8.encode('{"a":1}'), headers: { h: utf8.encode("v") }, timestamp: 5 });
    expect(encodeRecord({ topic: "t", value: new Uint8Array([1, 2]) }, "msgpack").wire).toEqual({ value: new Uint8Array([1, 2]) });
    expect(encodeRecord({ topic: "t", key: null, value: null }, "msgpack").wire).toEqual({ value: null });
  });

  it("uses the broker's JSON fields: key/key_b64, value/value_b64", () => {
    expect(encodeRecord({ topic: "t", key: "k", value: [1, "x"] }, "json").wire).toEqual({ key: "k", value: [1, "x"] });
    expect(encodeRecord({ topic: "t", key: new Uint8Array([255]), value: new Uint8Array([0, 1]) }, "json").wire).toEqual({
      key_b64: "/w==",
      value_b64: "AAE=",
    });
  });

  it("refuses values that have no stored form, naming the field", () => {
    expect(() => encodeRecord({ topic: "t", value: undefined }, "msgpack")).toThrow(/value: required/);
    expect(() => encodeRecord({ topic: "t", value: () => 1 }, "json")).toThrow(/value: a function/);
    expect(() => encodeRecord({ topic: "t", value: 1, headers: { b: new Uint8Array(1) } }, "json")).toThrow(
      /headers.b: binary header values need encoding "msgpack"/,
    );
    expect(() => encodeRecord({ topic: "t", value: 1, timestamp: -3 }, "json")).toThrow(/timestamp/);
    expect(() => encodeRecord({ topic: "t", key: 5 as never, value: 1 }, "json")).toThrow(/key: expected/);
  });

  it("sizes records by their stored bytes", () => {
    const small = encodeRecord({ topic: "t", value: "x" }, "msgpack").size;
    const big = encodeRecord({ topic: "t", value: new Uint8Array(1000) }, "msgpack").size;
    expect(big - small).toBe(1000 - 3);
  });
});

describe("decodeRecord", () => {
  const meta = { offset: 7, timestamp: 9 };

  it("shows MessagePack bytes as text, parsed JSON or bytes (auto)", () => {
    const raw = {
      ...meta,
      key: utf8.encode("k1"),
      value: utf8.encode('{"n":1}'),
      headers: { a: utf8.encode("b"), bin: new Uint8Array([255]), gone: null },
    };
    expect(decodeRecord(raw, "msgpack", "auto", "t", 2)).toEqual({
      topic: "t",
      partition: 2,
      offset: 7,
      timestamp: 9,
      key: "k1",
      value: { n: 1 },
      headers: { a: "b", bin: new Uint8Array([255]) },
    });
    expect(
      decodeRecord({ ...meta, key: new Uint8Array([200]), value: utf8.encode("plain text") }, "msgpack", "auto", "t", 0),
    ).toMatchObject({
      key: new Uint8Array([200]),
      value: utf8.encode("plain text"),
    });
    expect(decodeRecord({ ...meta, key: null, value: null, headers: {} }, "msgpack", "auto", "t", 0)).toMatchObject({
      key: null,
      value: null,
    });
  });

  it("keeps everything as bytes in bytes mode", () => {
    const raw = { ...meta, key: utf8.encode("k"), value: utf8.encode("1"), headers: { a: utf8.encode("b") } };
    expect(decodeRecord(raw, "msgpack", "bytes", "t", 0)).toMatchObject({
      key: utf8.encode("k"),
      value: utf8.encode("1"),
      headers: { a: utf8.encode("b") },
    });
    const json = { ...meta, key: "k", value: { a: 1 }, headers: { h: "v" }, headers_b64: { b: "/w==" } };
    expect(decodeRecord(json, "json", "bytes", "t", 0)).toMatchObject({
      key: utf8.encode("k"),
      value: utf8.encode('{"a":1}'),
      headers: { h: utf8.encode("v"), b: new Uint8Array([255]) },
    });
  });

  it("reads the broker's JSON view, base64 fields included", () => {
    const json = { ...meta, key_b64: "/w==", value_b64: "AAE=", headers: { h: "v" } };
    expect(decodeRecord(json, "json", "auto", "t", 1)).toEqual({
      topic: "t",
      partition: 1,
      offset: 7,
      timestamp: 9,
      key: new Uint8Array([255]),
      value: new Uint8Array([0, 1]),
      headers: { h: "v" },
    });
  });
});

// Issue #14, item 17: the SDK never sends a value the broker would store changed, and never
// reads one back changed.
describe("values are never changed on the way in or out", () => {
  it("refuses NaN and ±Infinity anywhere in a value (JSON.stringify would send null, a tombstone)", () => {
    for (const value of [NaN, Infinity, -Infinity, { a: [1, NaN] }, [{ b: -Infinity }]]) {
      for (const encoding of ["json", "msgpack"] as const) {
        expect(() => encodeRecord({ topic: "t", value }, encoding)).toThrow(expect.objectContaining({ code: "invalid_argument" }));
      }
    }
    expect(() => encodeRecord({ topic: "t", value: 10n }, "json")).toThrow(expect.objectContaining({ code: "invalid_argument" }));
  });

  it("refuses keys and header values with an unpaired surrogate (no UTF-8 form)", () => {
    expect(() => encodeRecord({ topic: "t", key: "a\ud800", value: 1 }, "json")).toThrow(
      expect.objectContaining({ code: "invalid_argument" }),
    );
    expect(() => encodeRecord({ topic: "t", value: 1, headers: { h: "\udc00" } }, "msgpack")).toThrow(
      expect.objectContaining({ code: "invalid_argument" }),
    );
  });

  it("keeps JSON text with an integer a double cannot hold as bytes, as the broker's JSON view does", () => {
    const exact = utf8.encode('{"n":18446744073709551615}');
    const r = decodeRecord({ offset: 0, timestamp: 0, key: null, value: exact, headers: {} }, "msgpack", "auto", "t", 0);
    expect(r.value).toEqual(exact);
    const small = decodeRecord(
      { offset: 0, timestamp: 0, key: null, value: utf8.encode('{"n":9007199254740991}'), headers: {} },
      "msgpack",
      "auto",
      "t",
      0,
    );
    expect(small.value).toEqual({ n: 9007199254740991 });
  });

  it("a header named __proto__ is an own header, in both directions", () => {
    const headers = JSON.parse('{"__proto__": "p"}') as Record<string, string>;
    const wire = encodeRecord({ topic: "t", value: 1, headers }, "json").wire as { headers: Record<string, string> };
    expect(Object.getOwnPropertyDescriptor(wire.headers, "__proto__")?.value).toBe("p");
    const raw = JSON.parse('{"offset": 0, "timestamp": 0, "key": null, "value": 1, "headers": {"__proto__": "p"}}');
    expect(Object.getOwnPropertyDescriptor(decodeRecord(raw, "json", "auto", "t", 0).headers, "__proto__")?.value).toBe("p");
  });
});
