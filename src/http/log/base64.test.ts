// writeBase64 / base64 against the platform's reference (btoa over the bytes as Latin-1), for
// every length class around the 3-byte groups and the native-encoder threshold, first with the
// table alone and then with a runtime encoder injected as the Node host injects Buffer's.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { base64, base64Length, useNativeBase64, writeBase64 } from "./base64.ts";

const reference = (b: Uint8Array) => btoa(String.fromCharCode(...b));
const latin1 = new TextDecoder("latin1");
const bytes = fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 500, maxLength: 1600 }));

function check(b: Uint8Array): void {
  const out = new Uint8Array(base64Length(b.length) + 10).fill(0x21);
  const end = writeBase64(b, out, 5);
  expect(end).toBe(5 + base64Length(b.length));
  expect(latin1.decode(out.subarray(5, end))).toBe(reference(b));
  expect(out[4]).toBe(0x21);
  expect(out[end]).toBe(0x21);
  expect(base64(b)).toBe(reference(b));
}

describe("base64", () => {
  it("writes RFC 4648 base64 with the table encoder", () => {
    fc.assert(fc.property(bytes, check), { numRuns: 500 });
  });

  it("writes the same with a runtime encoder injected (large values take it)", () => {
    let calls = 0;
    useNativeBase64((b) => {
      calls++;
      return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
    });
    fc.assert(fc.property(bytes, check), { numRuns: 500 });
    expect(calls).toBeGreaterThan(0);
  });
});
