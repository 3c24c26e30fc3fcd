// Runs the partition log's maintenance on this runtime's own SQLite binding (node:sqlite on Node
// and Deno, bun:sqlite on Bun), exactly as the standalone host stores it, and prints what came
// out as one JSON line. Spawned by maintenance-hosts.test.ts once per runtime (#14 item 10:
// compaction never ran on Node because node:sqlite stored an emptied segment as NULL).
//   <runtime> test/contract/probes/maintenance-probe.ts <data dir>
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LogCore } from "../../../src/core/batch/log-core.ts";
import { PartitionLog } from "../../../src/core/log/partition-log.ts";
import { decodeRecords, encodeBatch } from "../../../src/core/batch/record-batch.ts";
import type { OpenDatabase } from "../../../src/runtime/sqlite-driver.ts";
import { openStorage } from "../../../src/runtime/sqlite-port.ts";

const dir = process.argv[2] ?? Deno.args[0];
declare const Deno: { args: string[] };
const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
const open: OpenDatabase = isBun
  ? (await import("../../../src/runtime/sqlite-bun.ts")).openBunDatabase
  : (await import("../../../src/runtime/sqlite-node.ts")).openNodeDatabase;
const core = await LogCore.instantiate(new Uint8Array(readFileSync(new URL("../../../build/edgebroker.wasm", import.meta.url))));
const addr = { topic: "t", partition: 0, epoch: 1 };
const config = { "cleanup.policy": "compact" };
const utf8 = new TextEncoder();
const now = Date.now();

const path = join(dir!, "partition.sqlite");
const storage = openStorage(open, path);
let log = PartitionLog.open(storage, core);
// Three rows, each a newer value of one key: compaction empties the first two (the third is the
// active segment), which is the zero-length blob node:sqlite used to bind as NULL.
for (const v of ["v1", "v2", "v3"]) {
  const batches = encodeBatch([{ key: utf8.encode("k"), value: utf8.encode(v), headers: [], timestamp: now }], {
    crc32c: (b) => core.crc32c(b),
  });
  const appended = await log.append({ ...addr, batches, config });
  if (!appended.ok) throw new Error(JSON.stringify(appended));
}
const result = log.maintain(now);
const blobs = storage.sql
  .exec<{ t: string; n: number }>("SELECT typeof(data) AS t, length(data) AS n FROM segments ORDER BY base_offset")
  .toArray();
// A new instance over the same database, as after an eviction: everything comes from storage.
log = PartitionLog.open(storage, core);
const read = await log.read({ ...addr, offset: 0, maxBytes: 1 << 20, maxRecords: 100, waitMs: 0 });
if (!read.ok) throw new Error(JSON.stringify(read));
const records = decodeRecords(read.batches).map((r) => ({ offset: r.offset, value: new TextDecoder().decode(r.value!) }));
const stats = log.stats(addr);
storage.close();
console.log(
  JSON.stringify({ compaction: result.compaction, merge: result.merge, blobs, records, highWatermark: read.highWatermark, stats }),
);
