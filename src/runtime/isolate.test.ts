// isolate (the actor host's boundary copy) against structuredClone, which it replaced: the same
// value back for anything the broker's calls carry or might, nothing shared with the input (no
// object, array or byte array of the result is one of the input's), and the same refusals.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isolate } from "./isolate.ts";

function objectsOf(v: unknown, into = new Set<object>()): Set<object> {
  if (typeof v !== "object" || v === null || into.has(v)) return into;
  into.add(v);
  if (ArrayBuffer.isView(v)) into.add(v.buffer);
  else if (v instanceof Map) for (const [k, x] of v) objectsOf(x, objectsOf(k, into));
  else if (v instanceof Set) for (const x of v) objectsOf(x, into);
  else for (const x of Object.values(v)) objectsOf(x, into);
  return into;
}

const value = fc.anything({
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withTypedArray: true,
  withNullPrototype: true,
  withBoxedValues: false,
  // ("constructor" is left out: vitest compares a member of that name by identity.)
  key: fc.oneof(fc.string(), fc.constantFrom("__proto__", "toString", "valueOf")),
  maxDepth: 4,
});

describe("isolate", () => {
  it("gives what structuredClone gives, sharing nothing with the input", () => {
    fc.assert(
      fc.property(value, (v) => {
        const out = isolate(v);
        expect(out).toStrictEqual(structuredClone(v));
        const shared = [...objectsOf(out)].filter((o) => objectsOf(v).has(o));
        expect(shared).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });

  it("copies the broker's call shapes: requests with byte arrays, nested deeper than its own limit, and cycles", () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const req = { topic: "t", partition: 0, batches: bytes, config: { "retention.ms": 1 }, list: [bytes.subarray(1)] };
    const out = isolate([req])[0]!;
    expect(out).toStrictEqual(structuredClone(req));
    out.batches[0] = 9;
    out.list[0]![0] = 9;
    out.config["retention.ms"] = 2;
    expect(req).toStrictEqual({
      topic: "t",
      partition: 0,
      batches: new Uint8Array([1, 2, 3]),
      config: { "retention.ms": 1 },
      list: [new Uint8Array([2, 3])],
    });
    let deep: unknown = bytes;
    for (let i = 0; i < 100; i++) deep = { next: deep };
    expect(isolate(deep)).toStrictEqual(structuredClone(deep));
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const c = isolate(cyclic);
    expect(c).not.toBe(cyclic);
    expect(c.a).toBe(1);
  });

  it("keeps an own __proto__ member (as JSON.parse makes) a member, never the copy's prototype", () => {
    const config = JSON.parse('{"__proto__": {"retention.ms": 1}, "constructor": 2}');
    const out = isolate({ config }).config;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(["__proto__", "constructor"]);
    expect(Object.getOwnPropertyDescriptor(out, "__proto__")?.value).toEqual({ "retention.ms": 1 });
    expect(out).toStrictEqual(structuredClone(config));
  });

  it("gives a Node Buffer back as a plain Uint8Array, and refuses what structuredClone refuses", () => {
    const buf = Buffer.from([1, 2]);
    const out = isolate({ buf }).buf;
    expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype);
    expect(out).toStrictEqual(new Uint8Array([1, 2]));
    expect(() => isolate({ f: () => 1 })).toThrow();
    expect(() => isolate([Symbol("s")])).toThrow();
  });
});
