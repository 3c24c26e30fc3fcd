// The schema interpreter against hand-assembled bytes of Kafka's encodings: classic and
// flexible (KIP-482 compact lengths, tagged fields), nullable fields, fields outside a version.
import { describe, expect, it } from "vitest";
import { Reader } from "./reader.ts";
import { Writer } from "./writer.ts";
import { array, decodeStruct, encodeStruct, f } from "./schema.ts";

const schema = [
  f("name", "0+", "string"),
  f("count", "1+", "int32"),
  f("items", "0+", array([f("id", "0+", "int64"), f("label", "0+", "string", { nullable: "2+" })])),
  f("extra", "2+", "int16", { tag: 0, default: -1 }),
];

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("schema", () => {
  it("encodes the classic encoding: int16 string lengths, int32 array lengths", () => {
    const w = new Writer(4);
    encodeStruct(w, schema, { name: "ab", count: 7, items: [{ id: 5, label: "x" }] }, 1, false);
    expect(hex(w.finish())).toBe("0002" + "6162" + "00000007" + "00000001" + "0000000000000005" + "0001" + "78");
  });

  it("encodes flexible versions: compact lengths, tagged fields per struct, nulls", () => {
    const w = new Writer(4);
    encodeStruct(w, schema, { name: "ab", count: 7, items: [{ id: 5, label: null }], extra: 3 }, 2, true);
    // name: len+1=3; count; items: n+1=2, id, label null=0, item tags 0; top tags: 1 field, tag 0, size 2, 0x0003
    expect(hex(w.finish())).toBe("03" + "6162" + "00000007" + "02" + "0000000000000005" + "00" + "00" + "01" + "00" + "02" + "0003");
  });

  it("decodes what it encodes, with defaults for fields outside the version", () => {
    for (const [version, flexible] of [[0, false], [1, false], [2, true]] as const) {
      const w = new Writer();
      encodeStruct(w, schema, { name: "héllo", count: 9, items: [{ id: 2 ** 40, label: "l" }], extra: 4 }, version, flexible);
      const r = new Reader(w.finish());
      const back = decodeStruct(r, schema, version, flexible);
      expect(r.remaining).toBe(0);
      expect(back.name).toBe("héllo");
      expect(back.count).toBe(version >= 1 ? 9 : 0);
      expect(back.items).toEqual([{ id: 2 ** 40, label: "l" }]);
      expect(back.extra).toBe(version >= 2 ? 4 : -1);
    }
  });

  it("skips unknown tagged fields and refuses truncated or oversized input", () => {
    // name "a", count 1, items [], tags: tag 5 (unknown) with 3 bytes
    const bytes = new Uint8Array([0x02, 0x61, 0, 0, 0, 1, 0x01, 0x01, 0x05, 0x03, 1, 2, 3]);
    expect(decodeStruct(new Reader(bytes), schema, 2, true)).toMatchObject({ name: "a", count: 1, items: [], extra: -1 });
    expect(() => decodeStruct(new Reader(bytes.subarray(0, 5)), schema, 2, true)).toThrow(/truncated/);
    // An array claiming 2^31-1 elements in a few bytes is refused before any allocation.
    const huge = new Uint8Array([0, 1, 0x61, 0, 0, 0, 1, 0x7f, 0xff, 0xff, 0xff]);
    expect(() => decodeStruct(new Reader(huge), schema, 1, false)).toThrow(/array of 2147483647/);
  });

  it("varints and varlongs round-trip at the edges", () => {
    for (const v of [0, -1, 1, 63, -64, 64, 2 ** 31 - 1, -(2 ** 31)]) {
      const w = new Writer(1).varint(v);
      expect(new Reader(w.finish()).varint()).toBe(v);
    }
    for (const v of [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n)]) {
      const w = new Writer(1).varlong(v);
      expect(new Reader(w.finish()).varlong()).toBe(v);
    }
  });
});
