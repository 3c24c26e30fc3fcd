// The partition object's class (partition-service.ts) over real SQLite: an alarm that reaches a
// restarted object before any call still does the log's maintenance. On the standalone hosts a
// persisted alarm fires as soon as the host starts; it used to find no open log and do nothing,
// so retention (and tiered uploads and sweeps) waited for the partition's next call.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { loadLogCore } from "../../../test/core-support/load-log-core.ts";
import { openNodeDatabase } from "../../runtime/sqlite-node.ts";
import { openStorage, type SqliteStorage } from "../../runtime/sqlite-port.ts";
import { encodeBatch } from "../batch/record-batch.ts";
import type { LogCore } from "../batch/log-core.ts";
import { PartitionLog } from "./partition-log.ts";
import { PartitionService } from "./partition-service.ts";
import type { PartitionStats } from "./partition-types.ts";

const ADDR = { topic: "events", partition: 0, epoch: 1 };
const CONFIG = { "retention.ms": 3_600_000 };

let dir: string;
let core: LogCore;
let storage: SqliteStorage;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "eb-psvc-"));
  core = await loadLogCore();
  storage = openStorage(openNodeDatabase, join(dir, "p.sqlite"));
});
afterEach(() => {
  storage.close();
  rmSync(dir, { recursive: true, force: true });
});

function service(now: () => number): { svc: PartitionService; opened: () => number } {
  let opened = 0;
  const svc = new PartitionService(
    () => {
      opened++;
      return PartitionLog.open(storage, core, { now, alarms: { setAlarm: () => {} } });
    },
    // The drop's file deletion is the host's (sqlite-port deleteAll); what counts here is what opens.
    () => {},
  );
  return { svc, opened: () => opened };
}

it("an alarm before any call after a restart applies retention", async () => {
  const day = 86_400_000;
  let clock = Date.now();
  const first = service(() => clock).svc;
  for (let n = 0; n < 3; n++) {
    const records = [{ key: null, value: new TextEncoder().encode(`r${n}`), headers: [], timestamp: clock - 2 * day + n }];
    const r = await first.append({ ...ADDR, batches: encodeBatch(records, { crc32c: (b) => core.crc32c(b) }), config: CONFIG as never });
    expect(r.ok).toBe(true);
  }
  // Appended a day ago (so the rows' retain_ts is in the past); the process then dies.
  clock += day;
  const restarted = service(() => clock);
  await restarted.svc.alarm();
  expect(restarted.opened(), "the alarm opened the log").toBe(1);
  const stats = restarted.svc.stats(ADDR) as PartitionStats;
  expect(stats.start_offset, "retention moved the log start").toBe(3);
});

it("an alarm after the partition was dropped in this process opens nothing", async () => {
  const { svc, opened } = service(Date.now);
  const records = [{ key: null, value: new TextEncoder().encode("x"), headers: [], timestamp: Date.now() }];
  await svc.append({ ...ADDR, batches: encodeBatch(records, { crc32c: (b) => core.crc32c(b) }), config: CONFIG as never });
  await svc.drop(ADDR);
  const before = opened();
  await svc.alarm();
  expect(opened()).toBe(before);
});

it("a second drop of an incarnation, racing a call of the next one, leaves the next one's data", async () => {
  // Two drops of epoch 1 (a Durable Stream found expired by a read and by the PUT re-creating it)
  // and an append of epoch 2 arrive together; both drops await the remote purge.
  const path = join(dir, "race.sqlite");
  const own = openStorage(openNodeDatabase, path, { createOnWrite: true });
  try {
    const svc = new PartitionService(
      () => PartitionLog.open(own, core, { alarms: { setAlarm: () => {} } }),
      () => own.deleteAll(),
    );
    const batch = (v: string) =>
      encodeBatch([{ key: null, value: new TextEncoder().encode(v), headers: [], timestamp: Date.now() }], {
        crc32c: (b) => core.crc32c(b),
      });
    expect((await svc.append({ ...ADDR, batches: batch("old"), config: CONFIG as never })).ok).toBe(true);
    const drops = [svc.drop(ADDR), svc.drop(ADDR)];
    const next = { ...ADDR, epoch: 2 };
    const appended = svc.append({ ...next, batches: batch("new"), config: CONFIG as never });
    await Promise.all(drops);
    expect((await appended).ok).toBe(true);
    const read = await svc.read({ ...next, offset: 0, maxBytes: 1 << 20, maxRecords: 10, waitMs: 0 });
    expect(read.ok, JSON.stringify(read)).toBe(true);
    expect((svc.stats(next) as PartitionStats).end_offset, "epoch 2's record is still there").toBe(1);
  } finally {
    own.close();
  }
});
