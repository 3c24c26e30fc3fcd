// Compaction of a compacted topic holding transactions, in workerd through the HTTP API
// (property-based; the rules are in src/core/log/compaction-txn.ts): random plain produces and
// committed or aborted transactions of two transactional ids, then the partition's maintenance.
// read_committed afterwards is the same as before minus superseded records, every key keeps its
// latest committed value, no aborted record is left, every marker stays (within
// delete.retention.ms), and the log survives eviction unchanged. Before this, compaction stopped
// with maintenance_error on the first transactional batch.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CONTROL_FLAG, readBatchHeader } from "../../src/core/batch/record-batch.ts";
import { call, createTopic, fetchRecords, json, partitionStub, produce } from "./api-support.ts";

let ids = 0;

function maintain(topic: string): Promise<any> {
  const run = runInDurableObject as unknown as (stub: unknown, fn: (instance: any) => unknown) => Promise<any>;
  return run(partitionStub(topic, 0), (instance) => instance.log.maintain(Date.now()));
}

type Row = [offset: number, key: string, value: string];
const committed = async (topic: string): Promise<Row[]> =>
  (await fetchRecords(topic, 0, "offset=earliest&max_records=10000&isolation=read_committed")).records.map(
    (r: { offset: number; key: string; value: string }): Row => [r.offset, r.key, r.value],
  );

async function markerCount(topic: string): Promise<number> {
  const res = await call(`/v1/topics/${topic}/partitions/0/records?offset=earliest&max_bytes=4194304`, {
    headers: { accept: "application/vnd.kafka.record-batch" },
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  let n = 0;
  for (let pos = 0; pos < bytes.length; pos += readBatchHeader(bytes, pos).size)
    if (readBatchHeader(bytes, pos).attributes & CONTROL_FLAG) n++;
  return n;
}

type Step = { kind: "plain" | "commit" | "abort"; producer: number; keys: string[] };

describe("compaction of transactional topics", () => {
  it("removes aborted records, compacts committed ones, keeps markers; read_committed loses only superseded records", async () => {
    const step = fc.record({
      kind: fc.constantFrom("plain", "commit", "abort"),
      producer: fc.constantFrom(0, 1),
      keys: fc.array(fc.constantFrom("a", "b", "c", "d"), { minLength: 1, maxLength: 3 }),
    }) as fc.Arbitrary<Step>;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 2, maxLength: 10 }), async (steps) => {
        const topic = await createTopic(1, { "cleanup.policy": "compact" });
        const txnIds = [0, 1].map((p) => `ctx-${Date.now().toString(36)}-${ids++}-${p}`);
        const idents = await Promise.all(
          txnIds.map(async (id) => (await (await json(`/v1/transactions/${id}/init`, "POST", {})).json()) as any),
        );
        const aborted = new Set<string>();
        for (const [n, s] of steps.entries()) {
          const values = s.keys.map((key, i) => ({ key, value: `${n}-${i}` }));
          if (s.kind === "plain") {
            await produce(topic, values);
            continue;
          }
          const id = txnIds[s.producer]!;
          const p = idents[s.producer];
          const res = await json(
            `/v1/topics/${topic}/records?partition=0`,
            "POST",
            { records: values },
            {
              "transactional-id": id,
              "producer-id": String(p.producer_id),
              "producer-epoch": String(p.producer_epoch),
              "producer-seq": "0",
            },
          );
          expect(res.status).toBe(200);
          const endRes = await json(`/v1/transactions/${id}/${s.kind}`, "POST", {
            producer_id: p.producer_id,
            producer_epoch: p.producer_epoch,
          });
          const ended = (await endRes.json()) as any;
          expect(endRes.status, JSON.stringify(ended)).toBe(200);
          idents[s.producer] = ended;
          if (s.kind === "abort") for (const v of values) aborted.add(v.value);
        }
        await produce(topic, [{ key: "last", value: "active" }]); // the active row: plain
        const before = await committed(topic);
        const markers = await markerCount(topic);
        const result = await maintain(topic);
        expect(result.compaction).toBeDefined();
        const described = (await (await call(`/v1/topics/${topic}`)).json()) as any;
        expect(described.partitions[0]).not.toHaveProperty("maintenance_error");
        expect(described.partitions[0].last_stable_offset ?? described.partitions[0].end_offset).toBe(described.partitions[0].end_offset);
        const after = await committed(topic);
        // A subsequence of what read_committed saw, with every key's latest record.
        const kept = new Set(after.map(([o]) => o));
        expect(before.filter(([o]) => kept.has(o))).toEqual(after);
        const latest = new Map<string, number>();
        for (const [o, k] of before) latest.set(k, o);
        for (const o of latest.values()) expect(kept.has(o)).toBe(true);
        expect(after.length).toBe(latest.size);
        // No aborted record left even for read_uncommitted; every marker kept.
        const all = (await fetchRecords(topic, 0, "offset=earliest&max_records=10000")).records;
        expect(all.filter((r: any) => aborted.has(r.value))).toEqual([]);
        expect(await markerCount(topic)).toBe(markers);
        await evictDurableObject(partitionStub(topic, 0));
        expect(await committed(topic)).toEqual(after);
      }),
      {
        numRuns: 8,
        examples: [
          [
            [
              { kind: "commit", producer: 1, keys: ["a"] },
              { kind: "abort", producer: 1, keys: ["a"] },
            ],
          ],
        ],
      },
    );
  });
});
