// Regression: a stale topic config carried by an append (a process whose topic cache predates a
// PATCH) replaced the newer config the PATCH had configured, and the partition kept the old
// retention until the next PATCH. Configs carry the topic's config revision now and the partition
// ignores an older one (PartitionLog.applyConfig), on real SQLite and the real WASM core.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeBatch } from "../batch/record-batch.ts";
import type { LogCore } from "../batch/log-core.ts";
import { openStorage, type SqliteStorage } from "../../runtime/sqlite-port.ts";
import { openNodeDatabase } from "../../runtime/sqlite-node.ts";
import { loadLogCore } from "../../../test/core-support/load-log-core.ts";
import { PartitionLog } from "./partition-log.ts";
import type { TopicConfig } from "../topics/config.ts";

const ADDR = { topic: "t", partition: 0, epoch: 1 };
const T0 = 1_700_000_000_000;
let dir: string;
let core: LogCore;
let store: SqliteStorage;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "eb-partition-config-"));
  core = await loadLogCore();
  store = openStorage(openNodeDatabase, join(dir, "p.sqlite"));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const open = () => PartitionLog.open(store, core, { now: () => T0 });

function restart(): PartitionLog {
  store.close();
  store = openStorage(openNodeDatabase, join(dir, "p.sqlite"));
  return open();
}

/** One record of `bytes` value bytes, CreateTime `timestamp`. */
const batch = (bytes: number, timestamp = T0) =>
  encodeBatch([{ key: null, value: new Uint8Array(bytes), headers: [], timestamp }], { crc32c: (b) => core.crc32c(b) });

const append = (log: PartitionLog, bytes: number, config?: TopicConfig, configRevision?: number, epoch = ADDR.epoch) =>
  log.append({ ...ADDR, epoch, batches: batch(bytes), config, configRevision });

// Revision 1 keeps everything and takes 1 MiB batches; the PATCH to revision 2 deletes by time and
// takes batches of at most 200 bytes: both are observable, at the append and at maintenance.
const OLD: TopicConfig = { "retention.ms": -1 };
const NEW: TopicConfig = { "retention.ms": 1_000, "max.message.bytes": 200 };

describe("partition config revisions", () => {
  it("keeps revision 2's config when an append carries revision 1's", async () => {
    const log = open();
    expect((await append(log, 10, OLD, 1)).ok).toBe(true);
    expect(log.configure(ADDR, NEW, 2)).toEqual({ ok: true });
    // The stale append is refused by revision 2's max.message.bytes, not let through by revision 1's.
    expect(await append(log, 500, OLD, 1)).toMatchObject({ ok: false, error: { code: "record_too_large" } });
    expect((await append(log, 10, OLD, 1)).ok).toBe(true);
    // Revision 2's retention.ms still applies: every row is older than 1 s at T0 + 60 s.
    expect(log.maintain(T0 + 60_000).retention.rowsDeleted).toBe(2);
    expect(log.stats(ADDR)).toMatchObject({ start_offset: 2, end_offset: 2 });
    // Across a restart too: the revision is stored beside the config.
    const reopened = restart();
    expect(await append(reopened, 500, OLD, 1)).toMatchObject({ ok: false, error: { code: "record_too_large" } });
  });

  it("takes a newer revision from an append, and ignores a configure older than it", async () => {
    const log = open();
    expect((await append(log, 10, OLD, 1)).ok).toBe(true);
    expect((await append(log, 10, NEW, 2)).ok).toBe(true); // an append from a process that saw the PATCH first
    expect(log.configure(ADDR, OLD, 1)).toEqual({ ok: true }); // a configure of revision 1 that arrives late
    expect(await append(log, 500, NEW, 2)).toMatchObject({ ok: false, error: { code: "record_too_large" } });
  });

  it("moves to a newer revision with the same values, so a revision in between cannot come back", async () => {
    const log = open();
    expect(log.configure(ADDR, OLD, 1)).toEqual({ ok: true });
    // Revision 2 (NEW) never reached this partition; revision 3 set the values back to OLD's.
    expect(log.configure(ADDR, OLD, 3)).toEqual({ ok: true });
    expect((await append(log, 500, NEW, 2)).ok).toBe(true); // NEW's 200-byte limit was not taken
    expect(log.maintain(T0 + 60_000).retention.rowsDeleted).toBe(0); // nor its retention
  });

  it("counts a config stored without a revision (before revisions existed) as revision 0", async () => {
    let log = open();
    expect((await append(log, 10, NEW)).ok).toBe(true); // no revision: stored as revision 0
    store.sql.exec("DELETE FROM partition_config WHERE key = 'log_revision'"); // as an older version stored it
    log = restart();
    expect(await append(log, 500)).toMatchObject({ ok: false, error: { code: "record_too_large" } }); // NEW was loaded
    expect((await append(log, 500, OLD, 1)).ok).toBe(true); // revision 1 > 0: taken
    expect((await append(log, 500, NEW)).ok).toBe(true); // revision 0 < 1 now: ignored
  });

  // Appends on one process carry the topic cache's own config object call after call, and the
  // partition skips converting an object it already found in effect: that shortcut must not
  // survive anything that changed the config in effect.
  it("applies the very same config object again once the config in effect changed", async () => {
    const log = open();
    expect((await append(log, 10, NEW, 0)).ok).toBe(true);
    expect(await append(log, 500, NEW, 0)).toMatchObject({ ok: false, error: { code: "record_too_large" } });
    expect(log.configure(ADDR, OLD, 1)).toEqual({ ok: true });
    expect((await append(log, 500, NEW, 0)).ok).toBe(true); // revision 0 < 1: ignored, shortcut or not
    expect(await append(log, 500, NEW, 2)).toMatchObject({ ok: false, error: { code: "record_too_large" } });
    // A new incarnation resets the partition to the defaults; the same object and revision are taken again.
    expect((await append(log, 10, NEW, 0, 2)).ok).toBe(true);
    expect(await append(log, 500, NEW, 0, 2)).toMatchObject({ ok: false, error: { code: "record_too_large" } });
  });

  it("starts again at revision 0 in a new topic incarnation", async () => {
    const log = open();
    expect(log.configure(ADDR, OLD, 5)).toEqual({ ok: true });
    // The topic is deleted and created again (epoch 2): its revisions start at 0.
    expect(await append(log, 500, NEW, 0, 2)).toMatchObject({ ok: false, error: { code: "record_too_large" } });
  });
});
