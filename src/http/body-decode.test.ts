// The body scan itself: depth, UTF-8, numbers and ext in both encodings, including inputs far
// beyond what any stack could recurse through, and truncated input left to the decoder.
import { encode } from "@msgpack/msgpack";
import { describe, expect, it } from "vitest";
import { BrokerError } from "../core/errors.ts";
import { MAX_BODY_DEPTH } from "../core/limits.ts";
import { parseJsonBody, parseMsgpackBody } from "./body-decode.ts";

const utf8 = new TextEncoder();
const codeOf = (f: () => unknown) => {
  try {
    f();
    return "ok";
  } catch (e) {
    if (!(e instanceof BrokerError)) throw e;
    return e.code;
  }
};

describe("parseJsonBody / parseMsgpackBody", () => {
  it("refuses a million levels without recursion, accepts exactly the limit", () => {
    const million = 1_000_000;
    expect(codeOf(() => parseJsonBody(utf8.encode("[".repeat(million) + "]".repeat(million))))).toBe("nesting_too_deep");
    expect(codeOf(() => parseMsgpackBody(new Uint8Array(million).fill(0x91)))).toBe("nesting_too_deep");
    expect(codeOf(() => parseMsgpackBody(new Uint8Array(million).fill(0x81)))).toBe("nesting_too_deep");
    expect(codeOf(() => parseJsonBody(utf8.encode("[".repeat(MAX_BODY_DEPTH) + "]".repeat(MAX_BODY_DEPTH))))).toBe("ok");
    const atLimit = new Uint8Array(MAX_BODY_DEPTH + 1).fill(0x91);
    atLimit[MAX_BODY_DEPTH] = 0xc0;
    expect(codeOf(() => parseMsgpackBody(atLimit))).toBe("ok");
    // Brackets inside strings are text, not nesting.
    expect(parseJsonBody(utf8.encode(JSON.stringify({ s: "[".repeat(500) })))).toEqual({ s: "[".repeat(500) });
  });

  it("decodes uint64/int64 exactly: numbers when safe, bigint only when asked, else refused", () => {
    const max = new Uint8Array([0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(parseMsgpackBody(max, { bigints: true })).toBe(2n ** 64n - 1n);
    expect(codeOf(() => parseMsgpackBody(max))).toBe("integer_out_of_range");
    expect(parseMsgpackBody(new Uint8Array([0x92, 0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))).toEqual([-1, 1]);
    expect(parseMsgpackBody(encode({ a: [1.5, "x"] }))).toEqual({ a: [1.5, "x"] });
  });

  it("truncated or malformed MessagePack is invalid_msgpack, not a crash", () => {
    for (const bytes of [[0xd9], [0xd9, 5, 0x61], [0xdc, 0], [0xcb, 0, 0], [0xc1], [0x91]]) {
      expect(codeOf(() => parseMsgpackBody(new Uint8Array(bytes)))).toBe("invalid_msgpack");
    }
  });

  it("a leading byte order mark is not data in a JSON body but is kept inside a MessagePack string", () => {
    expect(parseJsonBody(new Uint8Array([0xef, 0xbb, 0xbf, 0x31]))).toBe(1);
    expect(parseMsgpackBody(new Uint8Array([0xa3, 0xef, 0xbb, 0xbf]))).toBe("\ufeff");
  });
});
