// Acknowledged records survive eviction with the same offsets; concurrent producers share rows
// (group commit); a corrupted stored batch is reported, never served.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createTopic, expectError, fetchRecords, json, partitionStub, produce } from "./api-support.ts";

async function stats(topic: string, partition = 0) {
  const described = (await (await call(`/v1/topics/${topic}`)).json()) as any;
  return described.partitions[partition];
}

describe("durability", () => {
  it("keeps every acknowledged record, in order, with the same offsets after eviction", async () => {
    const topic = await createTopic();
    const acked: Array<{ offset: number; value: number }> = [];
    for (let round = 0; round < 3; round++) {
      const sends = Array.from({ length: 20 }, (_, i) => round * 100 + i);
      const answers = await Promise.all(sends.map((value) => produce(topic, [{ value }])));
      answers.forEach((a, i) => acked.push({ offset: a[0]!.offset, value: sends[i]! }));
      await evictDurableObject(partitionStub(topic, 0));
    }
    acked.sort((a, b) => a.offset - b.offset);
    expect(acked.map((a) => a.offset)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    const page = await fetchRecords(topic, 0, "offset=0&max_records=100");
    expect(page.records.map((r: any) => [r.offset, r.value])).toEqual(acked.map((a) => [a.offset, a.value]));
    // The object restarted with its offsets: the next append continues the log.
    expect(await produce(topic, [{ value: "after" }])).toEqual([{ partition: 0, offset: 60 }]);
  });

  it("group-commits concurrent produce requests into few rows", async () => {
    const topic = await createTopic();
    await Promise.all(Array.from({ length: 100 }, (_, i) => produce(topic, [{ value: i }])));
    const s = await stats(topic);
    expect(s.end_offset).toBe(100);
    expect(s.rows).toBeLessThan(50);
    expect(s.rows_written).toBe(s.rows);
  });

  it("splits a large commit into rows of at most about 1 MiB", async () => {
    const topic = await createTopic();
    const value = "v".repeat(900_000 / 10);
    await Promise.all(
      Array.from({ length: 8 }, () =>
        json(`/v1/topics/${topic}/records`, "POST", { records: Array.from({ length: 10 }, () => ({ value })) }),
      ),
    );
    const s = await stats(topic);
    expect(s.end_offset).toBe(80);
    expect(s.rows).toBeGreaterThanOrEqual(4);
    await runInDurableObject(partitionStub(topic, 0), (_instance, state) => {
      const sizes = state.storage.sql.exec<{ size: number }>("SELECT length(data) AS size FROM segments").toArray();
      for (const { size } of sizes) expect(size).toBeLessThanOrEqual(2 * 1024 * 1024);
    });
  });

  it("detects a corrupted stored batch on read and refuses to serve it", async () => {
    const topic = await createTopic();
    await produce(topic, [{ value: "first" }]);
    await produce(topic, [{ value: "second" }]);
    await runInDurableObject(partitionStub(topic, 0), (_instance, state) => {
      const row = state.storage.sql
        .exec<{ base_offset: number; data: ArrayBuffer }>("SELECT base_offset, data FROM segments ORDER BY base_offset DESC LIMIT 1")
        .one();
      const data = new Uint8Array(row.data.slice(0));
      data[data.length - 2]! ^= 0xff;
      state.storage.sql.exec("UPDATE segments SET data = ? WHERE base_offset = ?", data.buffer, row.base_offset);
    });
    const err = await expectError(await call(`/v1/topics/${topic}/partitions/0/records?offset=0`), 500, "corrupt_log");
    expect(err.message).toContain("corrupt");
    // The intact batch before it is still readable on its own.
    const first = await fetchRecords(topic, 0, "offset=0&max_records=1");
    expect(first.records.map((r: any) => r.value)).toEqual(["first"]);
  });
});
