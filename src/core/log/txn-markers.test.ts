// A marker re-driven while the first request for it is still queued at the partition (the
// coordinator restarted, or two of its drives overlapped) is written once: found by the eviction
// chaos test (test/workers/txn-chaos.test.ts) as a second marker of one producer epoch.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { CONTROL_FLAG, encodeBatch, readBatchHeader, TRANSACTIONAL_FLAG } from "../batch/record-batch.ts";
import { openStorage, type SqliteStorage } from "../../runtime/sqlite-port.ts";
import { openNodeDatabase } from "../../runtime/sqlite-node.ts";
import { loadLogCore } from "../../../test/core-support/load-log-core.ts";
import { PartitionLog } from "./partition-log.ts";

const ADDR = { topic: "t", partition: 0, epoch: 1 };
let dir: string | undefined;
let store: SqliteStorage | undefined;
afterEach(() => {
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it.each([true, false])("concurrent requests for one marker write it once (with data of the transaction here: %s)", async (withData) => {
  dir = mkdtempSync(join(tmpdir(), "eb-markers-"));
  store = openStorage(openNodeDatabase, join(dir, "p.sqlite"));
  const core = await loadLogCore();
  const log = PartitionLog.open(store, core);
  if (withData) {
    const batch = encodeBatch([{ key: null, value: new TextEncoder().encode("x"), headers: [], timestamp: 1 }], {
      crc32c: (b) => core.crc32c(b),
      producerId: 7,
      producerEpoch: 0,
      baseSequence: 0,
      attributes: TRANSACTIONAL_FLAG,
    });
    expect((await log.append({ ...ADDR, batches: batch, transactional: true })).ok).toBe(true);
  }
  const marker = { ...ADDR, producerId: 7, producerEpoch: 1, commit: true, coordinatorEpoch: 0 };
  const answers = await Promise.all([log.writeMarker(marker), log.writeMarker(marker), log.writeMarker(marker)]);
  expect(answers.map((a) => a.ok && a.written)).toEqual([true, false, false]);
  expect(await log.writeMarker(marker)).toEqual({ ok: true, written: false });
  const r = await log.read({ ...ADDR, offset: 0, maxBytes: 1 << 20, maxRecords: 100, waitMs: 0 });
  if (!r.ok) throw new Error(JSON.stringify(r));
  let controls = 0;
  for (let pos = 0; pos < r.batches.length; pos += readBatchHeader(r.batches, pos).size)
    if (readBatchHeader(r.batches, pos).attributes & CONTROL_FLAG) controls++;
  expect(controls).toBe(1);
});
