// offsetRunJson against the text JSON.stringify gives for the same answer: runs starting anywhere
// in a decade, crossing powers of ten (the digit count changes mid-run), near 2^53, of one record
// and of thousands, from any partition, with and without `duplicate`.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { offsetRunJson } from "./offsets-json.ts";

function expected(partition: number, base: number, count: number, duplicate: boolean): string {
  const offsets = Array.from({ length: count }, (_, n) => ({ partition, offset: base + n }));
  return JSON.stringify({ offsets, ...(duplicate ? { duplicate: true } : {}) });
}

function check(partition: number, base: number, count: number, duplicate: boolean): void {
  expect(offsetRunJson(partition, base, count, duplicate)).toBe(expected(partition, base, count, duplicate));
}

describe("offsetRunJson", () => {
  it("writes what JSON.stringify writes, at the edges of decades and digit counts", () => {
    for (const base of [0, 1, 7, 9, 10, 11, 19, 90, 95, 99, 100, 990, 995, 999, 1000, 9_999_990, 123_456, 2 ** 31 - 5])
      for (const count of [1, 2, 9, 10, 11, 19, 20, 21, 99, 100, 101, 1000, 1234])
        for (const duplicate of [false, true]) check(3, base, count, duplicate);
  });

  it("handles offsets up to 2^53 - 1 and multi-digit partitions", () => {
    check(0, Number.MAX_SAFE_INTEGER, 1, false);
    check(1023, Number.MAX_SAFE_INTEGER - 25, 26, true);
    check(99_999, 10 ** 15 - 13, 40, false);
    check(7, 10 ** 12 - 4_321, 5_000, false); // past the first reused buffer's 64 KB
    check(7, 3, 12, true); // and a short answer after it
  });

  it("an empty run is an empty list", () => {
    expect(offsetRunJson(0, 5, 0, false)).toBe('{"offsets":[]}');
    expect(offsetRunJson(0, 5, 0, true)).toBe('{"offsets":[],"duplicate":true}');
  });

  it("matches JSON.stringify for any run", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 10_000 }),
        fc.oneof(fc.nat({ max: 20_000 }), fc.nat(), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 3_000 })),
        fc.nat({ max: 2_500 }),
        fc.boolean(),
        (partition, base, count, duplicate) => check(partition, base, count, duplicate),
      ),
      { numRuns: 300 },
    );
  });
});
