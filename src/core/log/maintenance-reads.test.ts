// The alarm's bookkeeping reads the rows' small columns, not the log. A column stored after a
// row's blob is reached through the blob's overflow pages; retention, small-row merging and
// tiering each selected `retain_ts` (stored after the blobs) for every row, so every alarm read the
// whole local log two or three times (issue #20: a partition's cost must stay flat as it grows).
// The bytes this thread reads from the database file (Linux's per-thread I/O counter; node:sqlite
// runs on the calling thread) are counted across one alarm, on real SQLite.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadLogCore } from "../../../test/core-support/load-log-core.ts";
import { DirObjectStore } from "../../runtime/dir-object-store.ts";
import { openNodeDatabase } from "../../runtime/sqlite-node.ts";
import { openStorage, type SqliteStorage } from "../../runtime/sqlite-port.ts";
import { encodeBatch } from "../batch/record-batch.ts";
import type { LogCore } from "../batch/log-core.ts";
import { PartitionLog } from "./partition-log.ts";

const ADDR = { topic: "history", partition: 0, epoch: 1 };
const ROWS = 40;
const ROW_BYTES = 1_000_000;

let dir: string;
let core: LogCore;
let storage: SqliteStorage;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "eb-maint-"));
  core = await loadLogCore();
  storage = openStorage(openNodeDatabase, join(dir, "p.sqlite"));
});
afterEach(() => {
  storage.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Bytes read by this thread so far (read(2)/pread(2) calls, whether or not the page cache served them). */
function bytesRead(): number {
  return Number(/rchar:\s*(\d+)/.exec(readFileSync("/proc/thread-self/io", "utf8"))![1]);
}

async function fill(log: PartitionLog, config: Record<string, unknown>, timestamp: number): Promise<void> {
  const value = new Uint8Array(ROW_BYTES / 1000).fill(120);
  for (let n = 0; n < ROWS; n++) {
    const records = Array.from({ length: 1000 }, (_, i) => ({ key: null, value, headers: [], timestamp: timestamp + i }));
    const r = await log.append({ ...ADDR, batches: encodeBatch(records, { crc32c: (b) => core.crc32c(b) }), config: config as never });
    expect(r.ok).toBe(true);
  }
}

describe.runIf(process.platform === "linux")("an alarm over a 40 MB partition", () => {
  const cases: Array<[string, Record<string, unknown>, number]> = [
    // Nothing is due: retention stops at the first row, merging finds no small rows.
    ["time retention, nothing expired", { "retention.ms": 7 * 86_400_000 }, Date.now()],
    // Records timestamped a day ahead: max_ts cannot decide, so the first row's retain_ts is read.
    ["time retention, records timestamped in the future", { "retention.ms": 3_600_000 }, Date.now() + 86_400_000],
    ["size retention under its limit", { "retention.ms": -1, "retention.bytes": 1_000_000_000 }, Date.now()],
    [
      "tiered storage with nothing past local retention",
      { "retention.ms": -1, "remote.storage.enable": "true", "local.retention.bytes": 1_000_000_000 },
      Date.now(),
    ],
  ];
  it.each(cases)("reads the rows' small columns, not the log (%s)", async (_name, config, timestamp) => {
    const log = PartitionLog.open(storage, core, { objectStore: new DirObjectStore(join(dir, "objects")) });
    await fill(log, config, timestamp);
    const before = bytesRead();
    await log.alarm();
    const read = bytesRead() - before;
    // At most the one row whose retain_ts is read, and the B-tree pages; the log is 40 MB.
    expect(read, `${read} bytes read by one alarm`).toBeLessThan(4 * ROW_BYTES);
  });
});
