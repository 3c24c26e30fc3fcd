// The partitioner against kafkajs's DefaultPartitioner murmur2 (a port of Java's Utils.murmur2) and
// against values Java's Utils.murmur2 returns.
import { describe, expect, it } from "vitest";
import { murmur2, partitionForKey } from "./partitioner.ts";

// kafkajs is CommonJS without types; a non-literal specifier keeps tsc from looking for them.
async function loadCjs<T>(specifier: string): Promise<T> {
  return ((await import(specifier)) as { default: T }).default;
}
type KafkaMurmur2 = (key: Buffer | string) => number;
const kafkaMurmur2 = await loadCjs<KafkaMurmur2>("kafkajs/src/producer/partitioners/default/murmur2.js");

const utf8 = new TextEncoder();

// Deterministic PRNG (mulberry32) so a failure reproduces.
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomKeys(count: number, seed: number): Uint8Array[] {
  const rand = rng(seed);
  const keys: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const key = new Uint8Array(Math.floor(rand() * 65)); // lengths 0..64
    for (let j = 0; j < key.length; j++) key[j] = Math.floor(rand() * 256);
    keys.push(key);
  }
  return keys;
}

describe("murmur2", () => {
  it("returns Java's Utils.murmur2 values for known inputs", () => {
    // Java: Utils.murmur2("21".getBytes()) == -973932308 etc.; kafkajs agrees (asserted below too).
    const vectors: Array<[string, number]> = [
      ["21", -973932308],
      ["foobar", -790332482],
      ["", 275646681],
    ];
    for (const [input, expected] of vectors) {
      expect(murmur2(utf8.encode(input))).toBe(expected);
      expect(kafkaMurmur2(Buffer.from(input))).toBe(expected);
    }
  });

  it("matches kafkajs on 10,000 random keys of length 0..64", () => {
    const keys = randomKeys(10_000, 42);
    expect(keys.map(murmur2)).toEqual(keys.map((key) => kafkaMurmur2(Buffer.from(key))));
  });

  it("covers every tail length and high bytes (sign extension in Java's byte)", () => {
    for (let len = 0; len <= 12; len++) {
      for (const fill of [0x00, 0x7f, 0x80, 0xff]) {
        const key = new Uint8Array(len).fill(fill);
        expect(murmur2(key)).toBe(kafkaMurmur2(Buffer.from(key)));
      }
    }
  });

  it("returns a signed 32-bit integer", () => {
    for (const key of randomKeys(1000, 7)) {
      const h = murmur2(key);
      expect(h | 0).toBe(h);
    }
  });

  it("hashes a subarray by its own bytes only", () => {
    const big = utf8.encode("xxfoobaryy");
    expect(murmur2(big.subarray(2, 8))).toBe(-790332482);
  });
});

describe("partitionForKey", () => {
  // kafkajs's DefaultPartitioner picks toPositive(murmur2(key)) % numPartitions for keyed messages.
  type Partitioner = () => (args: {
    topic: string;
    partitionMetadata: Array<{ partitionId: number; leader: number }>;
    message: { key: Buffer };
  }) => number;
  const defaultPartitioner = loadCjs<Partitioner>("kafkajs/src/producer/partitioners/default/index.js");

  it("matches kafkajs's DefaultPartitioner for partition counts 1..50", async () => {
    const partitioner = (await defaultPartitioner)();
    const keys = randomKeys(10_000, 1234);
    for (let partitions = 1; partitions <= 50; partitions++) {
      const partitionMetadata = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 0 }));
      const ours = keys.map((key) => partitionForKey(key, partitions));
      const theirs = keys.map((key) => partitioner({ topic: "t", partitionMetadata, message: { key: Buffer.from(key) } }));
      expect(ours).toEqual(theirs);
    }
  });

  it("masks the sign bit rather than taking Math.abs", () => {
    // "21" hashes negative: -973932308 & 0x7fffffff = 1173551340.
    expect(partitionForKey(utf8.encode("21"), 2 ** 31 - 1)).toBe(1173551340);
    expect(partitionForKey(utf8.encode("21"), 7)).toBe(1173551340 % 7);
  });

  it("always lands in range", () => {
    for (const key of randomKeys(2000, 99)) {
      const p = partitionForKey(key, 13);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(13);
    }
  });

  it("rejects a partition count that is not a positive integer", () => {
    expect(() => partitionForKey(utf8.encode("k"), 0)).toThrow(RangeError);
    expect(() => partitionForKey(utf8.encode("k"), 1.5)).toThrow(RangeError);
  });
});
