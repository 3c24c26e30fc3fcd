// Compaction invariants on random workloads (property-based): for every key the latest value
// survives, offsets and order are kept, tombstones disappear once delete.retention.ms has passed,
// the active (newest) segment is never rewritten; and a compacted log survives eviction.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createTopic, fetchRecords, partitionStub, produce } from "./api-support.ts";

const NOW = 1_800_000_000_000;

function maintainAt(topic: string, now: number): Promise<any> {
  const run = runInDurableObject as unknown as (stub: unknown, fn: (instance: any) => unknown) => Promise<any>;
  return run(partitionStub(topic, 0), (instance) => instance.log.maintain(now));
}

async function readAll(topic: string): Promise<any[]> {
  return (await fetchRecords(topic, 0, "offset=earliest&max_records=10000")).records;
}

type Op = { key: string | null; value: number | null; age: number };

describe("compaction", () => {
  it("keeps the latest record per key, in order, and drops old tombstones", async () => {
    const op = fc.record({
      key: fc.option(fc.constantFrom("a", "b", "c", "d", "e"), { freq: 8 }),
      value: fc.option(fc.integer({ min: 0, max: 1000 }), { freq: 4 }),
      age: fc.constantFrom(0, 10_000_000), // ms before NOW: fresh, or past delete.retention.ms
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 12 }), async (requests) => {
        const topic = await createTopic(1, { "cleanup.policy": "compact", "delete.retention.ms": 1_000_000 });
        const written: Array<Op & { offset: number; row: number }> = [];
        for (const [row, ops] of requests.entries()) {
          const offsets = await produce(
            topic,
            ops.map((o) => ({ key: o.key, value: o.value, timestamp: NOW - o.age })),
          );
          ops.forEach((o, i) => written.push({ ...o, offset: offsets[i]!.offset, row }));
        }
        await maintainAt(topic, NOW);
        const after = await readAll(topic);
        const lastRow = requests.length - 1;
        const latest = new Map<string, number>();
        for (const w of written) if (w.key !== null) latest.set(w.key, w.offset);
        const expected = written.filter((w) => {
          if (w.row === lastRow || w.key === null) return true; // active segment / null keys stay
          if (latest.get(w.key) !== w.offset) return false; // superseded
          return !(w.value === null && w.age > 1_000_000); // old tombstones go
        });
        expect(after.map((r) => [r.offset, r.key, r.value])).toEqual(expected.map((w) => [w.offset, w.key, w.value]));
        // Offsets never change and the log end stays.
        expect((await fetchRecords(topic, 0, "offset=latest")).high_watermark).toBe(written.length);
      }),
      { numRuns: 25 },
    );
  });

  it("an interrupted compaction changes nothing, and the next run completes it", async () => {
    const topic = await createTopic(1, { "cleanup.policy": "compact" });
    for (let i = 0; i < 6; i++)
      await produce(topic, [
        { key: "k", value: i },
        { key: `u${i}`, value: i },
      ]);
    const before = await readAll(topic);
    // Fail the compaction's second row rewrite, as an eviction or a storage error mid-run would.
    const run = runInDurableObject as unknown as (stub: unknown, fn: (instance: any) => unknown) => Promise<any>;
    const failed = await run(partitionStub(topic, 0), (instance) => {
      const sql = instance.log.storage.sql;
      const exec = sql.exec.bind(sql);
      let updates = 0;
      sql.exec = (query: string, ...args: unknown[]) => {
        if (query.startsWith("UPDATE segments") && ++updates === 2) throw new Error("interrupted");
        return exec(query, ...args);
      };
      try {
        instance.log.maintain(NOW);
        return "completed";
      } catch (err) {
        return String(err);
      } finally {
        sql.exec = exec;
      }
    });
    expect(failed).toContain("interrupted");
    await evictDurableObject(partitionStub(topic, 0));
    expect(await readAll(topic)).toEqual(before);
    expect((await maintainAt(topic, NOW)).compaction.recordsRemoved).toBe(5);
    expect((await readAll(topic)).map((r: any) => r.key)).toEqual(["u0", "u1", "u2", "u3", "u4", "k", "u5"]);
  });

  it("leaves delete-policy topics alone and survives eviction after compacting", async () => {
    const plain = await createTopic(1, { "retention.ms": -1 });
    await produce(plain, [{ key: "k", value: 1 }]);
    await produce(plain, [{ key: "k", value: 2 }]);
    expect((await maintainAt(plain, NOW)).compaction.recordsRemoved).toBe(0);

    const topic = await createTopic(1, { "cleanup.policy": "compact" });
    for (let i = 0; i < 5; i++)
      await produce(topic, [
        { key: "k", value: i },
        { key: `u${i}`, value: i },
      ]);
    const done = await maintainAt(topic, NOW);
    expect(done.compaction.recordsRemoved).toBe(4);
    await evictDurableObject(partitionStub(topic, 0));
    const after = await readAll(topic);
    expect(after.map((r: any) => [r.offset, r.key])).toEqual([
      [1, "u0"],
      [3, "u1"],
      [5, "u2"],
      [7, "u3"],
      [8, "k"],
      [9, "u4"],
    ]);
    // Reading from offset 0 (now removed) starts at the next surviving record.
    expect((await fetchRecords(topic, 0, "offset=0&max_records=1")).records[0].offset).toBe(1);
  });
});
