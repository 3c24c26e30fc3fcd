// keyHash of the Wasm core (MurmurHash3_x64_128, the hash log compaction keys records by): the
// published vectors, the reference implementation on every tail length and random seeds, and the
// null and empty keys.
import { describe, expect, it } from "vitest";
import { KEY_HASH_SEED } from "./log-core.ts";
import { enc } from "../../../test/core-support/batch-builder.ts";
import { core, hex } from "../../../test/core-support/compaction-support.ts";
import { murmur3x64128Bytes, murmur3x64128Reference } from "../../../test/core-support/murmur3.ts";

describe("keyHash (MurmurHash3_x64_128)", () => {
  // Published vectors: Guava's Murmur3Hash128Test (also in Spark, Elasticsearch), and
  // Apache DataSketches' MurmurHash3Test; [seed, h1, h2, input].
  const VECTORS: [number, bigint, bigint, string][] = [
    [0, 0x629942693e10f867n, 0x92db0b82baeb5347n, "hell"],
    [1, 0xa78ddff5adae8d10n, 0x128900ef20900135n, "hello"],
    [2, 0x8a486b23f422e826n, 0xf962a2c58947765fn, "hello "],
    [3, 0x2ea59f466f6bed8cn, 0xc610990acc428a17n, "hello w"],
    [4, 0x79f6305a386c572cn, 0x46305aed3483b94en, "hello wo"],
    [5, 0xc2219d213ec1f1b5n, 0xa1d8e2e0a52785bdn, "hello wor"],
    [0, 0xe34bbc7bbc071b6cn, 0x7a433ca9c49a9347n, "The quick brown fox jumps over the lazy dog"],
    [0, 0x658ca970ff85269an, 0x43fee3eaa68e5c3en, "The quick brown fox jumps over the lazy cog"],
    [0, 0x362108102c62d1c9n, 0x3285cd100292b305n, "The quick brown fox jumps over the lazy eog"],
    [0, 0n, 0n, ""],
  ];
  const bytesOf = (h1: bigint, h2: bigint) => {
    const b = new Uint8Array(16);
    new DataView(b.buffer).setBigUint64(0, h1, true);
    new DataView(b.buffer).setBigUint64(8, h2, true);
    return hex(b);
  };

  it.each(VECTORS)("seed %i: published vector %#s", (seed, h1, h2, input) => {
    expect(murmur3x64128Reference(enc(input), seed)).toEqual([h1, h2]);
    expect(hex(core.keyHash(enc(input), seed))).toBe(bytesOf(h1, h2));
  });

  it("matches the reference on every tail length and random seeds", () => {
    let s = 99;
    const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
    for (let len = 0; len <= 80; len++) {
      const data = Uint8Array.from({ length: len }, () => rand() >>> 24);
      for (const seed of [0, KEY_HASH_SEED, rand()])
        expect(hex(core.keyHash(data, seed)), `len ${len} seed ${seed}`).toBe(hex(murmur3x64128Bytes(data, seed)));
    }
    const big = Uint8Array.from({ length: 5000 }, () => rand() >>> 24);
    expect(hex(core.keyHash(big.subarray(3)))).toBe(hex(murmur3x64128Bytes(big.subarray(3), KEY_HASH_SEED)));
  });

  it("null is all zero, the empty key is not", () => {
    expect(core.keyHash(null)).toEqual(new Uint8Array(16));
    expect(core.keyHash(enc(""))).not.toEqual(new Uint8Array(16));
    expect(() => core.keyHash(enc("x"), -1)).toThrow(RangeError);
  });
});
