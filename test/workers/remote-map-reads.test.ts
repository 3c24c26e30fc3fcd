// Inside real workerd: a read of remote offsets finds its objects in the map (`remote_segments`,
// src/core/log/tiering.ts) through the primary key, so its cost does not grow with the partition
// (issue #20). The map's rows were selected by `last_offset >= ?` alone, a column without an
// index, so SQLite scanned the map from its first row on every read. A Durable Object's cursor
// counts the rows SQLite visited (`rowsRead`, what Cloudflare bills as rows read); they are summed
// over one lookup in a map of 20,000 objects.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Tiering } from "../../src/core/log/tiering.ts";
import type { StoragePort } from "../../src/core/storage-port.ts";
import { loadLogCore } from "../../src/worker/log-core.ts";
import { createTopic, partitionStub, produce } from "./api-support.ts";

const OBJECTS = 20_000;
const PER_OBJECT = 4_000;

const run = runInDurableObject as unknown as (stub: unknown, fn: (instance: unknown, state: DurableObjectState) => unknown) => Promise<any>;

describe("the remote map in a partition object", () => {
  it("finds the rows of any offset, and of a recent timestamp, through an index: a few rows visited, not the map", async () => {
    const topic = await createTopic(1, { "remote.storage.enable": true });
    await produce(topic, [{ value: "opens the partition's tables" }]);
    const result = await run(partitionStub(topic, 0), async (_instance, state) => {
      const sql = state.storage.sql;
      const idx = new Uint8Array(1000).fill(7);
      state.storage.transactionSync(() => {
        for (let i = 0; i < OBJECTS; i++) {
          sql.exec(
            `INSERT INTO remote_segments (base_offset, last_offset, first_ts, max_ts, retain_ts, size, batch_count, object_key, idx)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            1_000_000 + i * PER_OBJECT,
            1_000_000 + i * PER_OBJECT + (i % 10 === 0 ? PER_OBJECT / 2 : PER_OBJECT - 1),
            i,
            i,
            i,
            1_000_000,
            60,
            `x/0/1/${i}`,
            idx,
          );
        }
      });
      let visited = 0;
      const counted: StoragePort = {
        sql: {
          exec(query: string, ...bindings: unknown[]) {
            const cursor = sql.exec(query, ...bindings);
            return {
              toArray() {
                const rows = cursor.toArray();
                visited += cursor.rowsRead;
                return rows;
              },
              one() {
                const row = cursor.one();
                visited += cursor.rowsRead;
                return row;
              },
              [Symbol.iterator]: () => cursor[Symbol.iterator](),
              get rowsRead() {
                return cursor.rowsRead;
              },
              get rowsWritten() {
                return cursor.rowsWritten;
              },
            } as never;
          },
        },
        transactionSync: (fn) => state.storage.transactionSync(fn),
        sync: () => state.storage.sync(),
      };
      const tiering = new Tiering(counted, await loadLogCore(), undefined);
      const out: Array<{ offset: number; bases: number[]; visited: number }> = [];
      for (const offset of [
        1_000_000 + (OBJECTS - 2) * PER_OBJECT + 17, // near the end
        1_000_000 + (OBJECTS / 2) * PER_OBJECT + 17, // the middle
        1_000_000 + (OBJECTS - 10) * PER_OBJECT + PER_OBJECT / 2 + 1, // a gap: the next object serves
      ]) {
        visited = 0;
        const bases = tiering.rowsFrom(offset, 3).map((r) => r.base_offset);
        out.push({ offset, bases, visited });
      }
      // Offsets by timestamp for a T past the remote part (the common ListOffsets case) and a
      // recent one: the (max_ts, last_offset) index answers; the scan in offset order read the map.
      const byTime: Array<{ t: number; base: number | undefined; visited: number }> = [];
      for (const t of [OBJECTS + 5, OBJECTS - 20.5]) {
        visited = 0;
        const base = tiering.rowForTimestamp(t, 0)?.base_offset;
        byTime.push({ t, base, visited });
      }
      return { out, byTime };
    });
    const base = (i: number) => 1_000_000 + i * PER_OBJECT;
    expect(result.byTime.map((r: { base: number | undefined }) => r.base)).toEqual([undefined, 1_000_000 + (OBJECTS - 20) * PER_OBJECT]);
    for (const r of result.byTime) expect(r.visited, `rows visited for timestamp ${r.t}`).toBeLessThan(100);
    expect(result.out.map((r: { bases: number[] }) => r.bases)).toEqual([
      [base(OBJECTS - 2), base(OBJECTS - 1)],
      [base(OBJECTS / 2), base(OBJECTS / 2 + 1), base(OBJECTS / 2 + 2)],
      [base(OBJECTS - 9), base(OBJECTS - 8), base(OBJECTS - 7)],
    ]);
    for (const r of result.out) expect(r.visited, `rows visited for offset ${r.offset}`).toBeLessThan(20);
  });
});
