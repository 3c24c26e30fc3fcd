// The SDK places keyed records itself, so its partitioner must be the broker's: the very same
// function (src/shared), giving Java's Utils.murmur2 values. The workerd suite checks the placement
// end to end against the broker's own choice (test/workers/sdk-producer.test.ts).
import { describe, expect, it } from "vitest";
import * as broker from "../core/topics/partitioner.ts";
import { keyBytes } from "./codec.ts";
import { murmur2, partitionForKey } from "./partitioner.ts";

describe("the SDK's partitioner", () => {
  it("is the broker's function", () => {
    expect(partitionForKey).toBe(broker.partitionForKey);
    expect(murmur2).toBe(broker.murmur2);
  });

  it("hashes a string key by its UTF-8 bytes, as the broker hashes a JSON key", () => {
    // Java: Utils.murmur2("foobar".getBytes(UTF_8)) == -790332482; (h & 0x7fffffff) % 7 == 1.
    expect(murmur2(keyBytes("foobar")!)).toBe(-790332482);
    expect(partitionForKey(keyBytes("foobar")!, 7)).toBe((-790332482 & 0x7fffffff) % 7);
    expect(partitionForKey(keyBytes("ключ")!, 5)).toBe(partitionForKey(new TextEncoder().encode("ключ"), 5));
  });
});
