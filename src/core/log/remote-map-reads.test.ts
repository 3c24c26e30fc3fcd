// A read of remote offsets finds its objects in the map (`remote_segments`, tiering.ts) through
// the primary key, so its cost does not grow with the partition (issue #20: flat read cost past
// 10 GB). The map's rows were selected by `last_offset >= ?` alone, a column without an index:
// SQLite scanned the map from its first row, so a random read at 20 GB (45,000 objects) cost 0.4×
// one at 1 GB (bench/log-size.ts --tiered). The bytes this thread reads from the database file
// (Linux's per-thread I/O counter; node:sqlite runs on the calling thread) are counted across one
// lookup, on real SQLite, with a map larger than SQLite's page cache.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadLogCore } from "../../../test/core-support/load-log-core.ts";
import { openNodeDatabase } from "../../runtime/sqlite-node.ts";
import { openStorage, type SqliteStorage } from "../../runtime/sqlite-port.ts";
import { createPartitionSchema } from "./schema.ts";
import { Tiering } from "./tiering.ts";

const OBJECTS = 20_000;
const PER_OBJECT = 4_000; // offsets per object
const IDX_BYTES = 1_000; // an object's index: 16 bytes per batch, ~60 batches
// Every hundredth object holds a record timestamped 1,000 later than its neighbours': timestamps
// need not grow with offsets, and offsets by timestamp must still find the first object reaching T.
const maxTs = (i: number) => (i % 100 === 0 ? i + 1_000 : i);
const lastOffset = (i: number) => i * PER_OBJECT + (i % 10 === 0 ? PER_OBJECT / 2 : PER_OBJECT - 1);

let dir: string;
let storage: SqliteStorage;
let tiering: Tiering;

function bytesRead(): number {
  return Number(/rchar:\s*(\d+)/.exec(readFileSync("/proc/thread-self/io", "utf8"))![1]);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "eb-remote-map-"));
  storage = openStorage(openNodeDatabase, join(dir, "p.sqlite"));
  createPartitionSchema(storage, Date.now());
  tiering = new Tiering(storage, await loadLogCore(), undefined);
  const idx = new Uint8Array(IDX_BYTES).fill(7);
  storage.transactionSync(() => {
    for (let i = 0; i < OBJECTS; i++) {
      // Every tenth object ends early (compaction or aborted data left a gap before the next).
      storage.sql.exec(
        `INSERT INTO remote_segments (base_offset, last_offset, first_ts, max_ts, retain_ts, size, batch_count, object_key, idx)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        i * PER_OBJECT,
        lastOffset(i),
        i,
        maxTs(i),
        i,
        1_000_000,
        60,
        `t/0/1/${i}`,
        idx,
      );
    }
  });
  tiering.load();
});
afterAll(() => {
  storage.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.runIf(process.platform === "linux")(`the remote map of ${OBJECTS.toLocaleString("en-US")} objects`, () => {
  it("gives the rows from any offset: the one holding it, or the next after a gap, and those after it", () => {
    const bases = (offset: number, limit = 3) => tiering.rowsFrom(offset, limit).map((r) => r.base_offset);
    expect(bases(0)).toEqual([0, 4_000, 8_000]);
    expect(bases(4_001)).toEqual([4_000, 8_000, 12_000]);
    // Past the end of object 10 (it ends at 42,000): the next object serves.
    expect(bases(42_001)).toEqual([44_000, 48_000, 52_000]);
    expect(bases((OBJECTS - 1) * PER_OBJECT + 5, 8)).toEqual([(OBJECTS - 1) * PER_OBJECT]);
    expect(bases(OBJECTS * PER_OBJECT)).toEqual([]);
    expect(bases(-1)).toEqual([0, 4_000, 8_000]);
  });

  it.each([
    ["near its end", (OBJECTS - 2) * PER_OBJECT + 17],
    ["in its middle", (OBJECTS / 2) * PER_OBJECT + 17],
    ["in a gap", (OBJECTS - 10) * PER_OBJECT + PER_OBJECT / 2 + 1],
  ])("finds the rows of an offset %s through the primary key, not by scanning the map", (_where, offset) => {
    const before = bytesRead();
    const rows = tiering.rowsFrom(offset, 8);
    const read = bytesRead() - before;
    expect(rows.length).toBeGreaterThan(0);
    // A few B-tree pages and the eight rows; the map is over 20 MB.
    expect(read, `${read} bytes read by one lookup`).toBeLessThan(200_000);
  });

  it("finds the first object holding a timestamp at or after T, from the log start on", () => {
    const expected = (t: number, logStart: number) => {
      for (let i = 0; i < OBJECTS; i++) if (maxTs(i) >= t && lastOffset(i) >= logStart) return i * PER_OBJECT;
      return undefined;
    };
    for (const [t, logStart] of [
      [0, 0],
      [30.5, 0],
      [30.5, 40 * PER_OBJECT + 1],
      [500.5, 0],
      [10_000.5, 0],
      [19_999.5, 0],
      [OBJECTS + 5_000, 0],
      [700, 9_000 * PER_OBJECT],
    ] as const) {
      expect(tiering.rowForTimestamp(t, logStart)?.base_offset, `T ${t}, log start ${logStart}`).toBe(expected(t, logStart));
    }
  });

  it.each([
    ["past the remote part (the common ListOffsets case)", OBJECTS + 5_000, 1_000_000],
    ["recent", OBJECTS - 50.5, 1_000_000],
    ["in the middle", OBJECTS / 2 + 0.5, 2_000_000],
  ])("finds the object for a timestamp %s without reading the map's rows", (_where, t, limit) => {
    const before = bytesRead();
    tiering.rowForTimestamp(t, 0);
    const read = bytesRead() - before;
    // The old scan in offset order read the whole map (over 20 MB) for the first two.
    expect(read, `${read} bytes read by one lookup`).toBeLessThan(limit);
  });
});
