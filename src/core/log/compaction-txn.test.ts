// Compaction, retention and delete-records of partitions holding transactions (KIP-98's log
// cleaner rules, src/core/log/compaction-txn.ts), on real SQLite and the real WASM core: aborted
// records go, committed ones are compacted by key, markers stay until no record of their
// transaction is left and delete.retention.ms has passed (an abort marker's index entry goes with
// it), nothing at or after the last stable offset is compacted or counts, and read_committed
// answers the same before and after, also after the partition restarts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CONTROL_FLAG, decodeRecords, encodeBatch, readBatchHeader, TRANSACTIONAL_FLAG } from "../batch/record-batch.ts";
import type { LogCore } from "../batch/log-core.ts";
import { openStorage, type SqliteStorage } from "../../runtime/sqlite-port.ts";
import { openNodeDatabase } from "../../runtime/sqlite-node.ts";
import { loadLogCore } from "../../../test/core-support/load-log-core.ts";
import { PartitionLog } from "./partition-log.ts";

const ADDR = { topic: "t", partition: 0, epoch: 1 };
const T0 = 1_700_000_000_000;
const DAY = 86_400_000;
let dir: string;
let core: LogCore;
let store: SqliteStorage;
let clock = T0;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "eb-compact-txn-"));
  core = await loadLogCore();
  store = openStorage(openNodeDatabase, join(dir, "p.sqlite"));
  clock = T0;
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const open = () => PartitionLog.open(store, core, { now: () => clock });

/** The partition restarts: the database is closed and the log opened again from its file. */
function restart(): PartitionLog {
  store.close();
  store = openStorage(openNodeDatabase, join(dir, "p.sqlite"));
  return open();
}

interface Producer {
  id: number;
  epoch: number;
  seq: number;
}

/** One append (one row): keyed records, transactional when `p` is given. */
async function append(log: PartitionLog, records: Array<[string, string | null]>, p?: Producer): Promise<number> {
  const batch = encodeBatch(
    records.map(([k, v]) => ({
      key: new TextEncoder().encode(k),
      value: v === null ? null : new TextEncoder().encode(v),
      headers: [],
      timestamp: clock,
    })),
    {
      crc32c: (b) => core.crc32c(b),
      ...(p ? { producerId: p.id, producerEpoch: p.epoch, baseSequence: p.seq, attributes: TRANSACTIONAL_FLAG } : {}),
    },
  );
  const r = await log.append({ ...ADDR, batches: batch, ...(p ? { transactional: true } : {}) });
  if (!r.ok) throw new Error(JSON.stringify(r));
  if (p) p.seq += records.length;
  return r.baseOffsets[0]!;
}

/** The coordinator's marker (KIP-890: it carries the next epoch, which the producer then uses). */
async function end(log: PartitionLog, p: Producer, commit: boolean): Promise<number> {
  p.epoch++;
  p.seq = 0;
  const r = await log.writeMarker({ ...ADDR, producerId: p.id, producerEpoch: p.epoch, commit, coordinatorEpoch: 0 });
  if (!r.ok || !r.written) throw new Error(JSON.stringify(r));
  return r.offset!;
}

/** Every record from the log start. */
async function read(log: PartitionLog, isolation: "read_committed" | "read_uncommitted"): Promise<string[]> {
  const start = (log.stats(ADDR) as { start_offset: number }).start_offset;
  const r = await log.read({ ...ADDR, offset: start, maxBytes: 1 << 20, maxRecords: 10_000, waitMs: 0, isolation });
  if (!r.ok) throw new Error(JSON.stringify(r));
  return decodeRecords(r.batches).map(
    (x) => `${x.offset}:${new TextDecoder().decode(x.key!)}=${x.value ? new TextDecoder().decode(x.value) : "∅"}`,
  );
}

/** Offsets of the control batches (markers) left in the log. */
function markers(): number[] {
  const out: number[] = [];
  for (const row of store.sql.exec<{ data: ArrayBuffer }>("SELECT data FROM segments ORDER BY base_offset")) {
    const data = new Uint8Array(row.data);
    for (let pos = 0; pos < data.length; ) {
      const h = readBatchHeader(data, pos);
      if (h.attributes & CONTROL_FLAG) out.push(h.baseOffset);
      pos += h.size;
    }
  }
  return out;
}

const abortedIndex = () =>
  store.sql
    .exec<{ last_offset: number }>("SELECT last_offset FROM txn_aborted ORDER BY last_offset")
    .toArray()
    .map((r) => r.last_offset);

function compactConfig(log: PartitionLog, deleteRetentionMs = DAY): void {
  expect(log.configure(ADDR, { "cleanup.policy": "compact", "delete.retention.ms": deleteRetentionMs })).toEqual({ ok: true });
}

describe("compaction of transactional partitions", () => {
  it("removes aborted records whatever their keys, compacts committed ones by key, keeps the markers and the index", async () => {
    const log = open();
    compactConfig(log);
    const a: Producer = { id: 1, epoch: 0, seq: 0 };
    const b: Producer = { id: 2, epoch: 0, seq: 0 };
    await append(
      log,
      [
        ["k1", "a1"],
        ["k2", "a2"],
      ],
      a,
    ); // 0, 1
    await append(
      log,
      [
        ["k1", "b1"],
        ["k9", "b9"],
      ],
      b,
    ); // 2, 3 — aborted below: k1's latest stays a1
    const commitA = await end(log, a, true); // 4
    const abortB = await end(log, b, false); // 5
    await append(log, [["k2", "n2"]]); // 6: supersedes a2
    await append(log, [["k3", "n3"]]); // 7: the active row
    const committedBefore = await read(log, "read_committed");
    expect(committedBefore).toEqual(["0:k1=a1", "1:k2=a2", "6:k2=n2", "7:k3=n3"]);
    const { compaction } = log.maintain(clock);
    expect(compaction.recordsRemoved).toBe(3); // a2, b1, b9
    expect(await read(log, "read_uncommitted")).toEqual(["0:k1=a1", "6:k2=n2", "7:k3=n3"]);
    expect(await read(log, "read_committed")).toEqual(["0:k1=a1", "6:k2=n2", "7:k3=n3"]);
    // Within delete.retention.ms every marker stays, and so does the abort's index entry.
    expect(markers()).toEqual([commitA, abortB]);
    expect(abortedIndex()).toEqual([abortB]);
    const again = restart();
    expect(await read(again, "read_committed")).toEqual(["0:k1=a1", "6:k2=n2", "7:k3=n3"]);
    expect(again.maintain(clock).compaction.recordsRemoved).toBe(0);
  });

  it("drops a marker once no record of its transaction is left and delete.retention.ms has passed; an abort marker takes its index entry", async () => {
    const log = open();
    compactConfig(log, 1000);
    const a: Producer = { id: 1, epoch: 0, seq: 0 };
    const b: Producer = { id: 2, epoch: 0, seq: 0 };
    await append(log, [["k1", "a1"]], a); // 0
    const commitA = await end(log, a, true); // 1
    await append(log, [["k2", "a2"]], a); // 2
    const commitA2 = await end(log, a, true); // 3
    await append(log, [["k1", "b1"]], b); // 4
    const abortB = await end(log, b, false); // 5
    await append(log, [["k1", "n1"]]); // 6: supersedes a1 — a's first transaction is then empty
    await append(log, [["k5", "n5"]]); // 7: active
    clock += 2000;
    log.maintain(clock);
    // a's first transaction has nothing left (a1 superseded): its marker goes; the second keeps a2, so its marker stays.
    expect(markers()).toEqual([commitA2]);
    expect(abortedIndex()).toEqual([]);
    expect(await read(log, "read_committed")).toEqual(["2:k2=a2", "6:k1=n1", "7:k5=n5"]);
    const again = restart();
    expect(await read(again, "read_committed")).toEqual(["2:k2=a2", "6:k1=n1", "7:k5=n5"]);
    expect(again.stats(ADDR)).toMatchObject({ ok: true });
    void commitA;
    void abortB;
  });

  it("never compacts at or past the last stable offset: an open transaction's records supersede nothing until it commits", async () => {
    const log = open();
    compactConfig(log);
    const c: Producer = { id: 3, epoch: 0, seq: 0 };
    await append(log, [["k1", "old"]]); // 0
    await append(log, [["k1", "c1"]], c); // 1: open — the LSO
    await append(log, [["k2", "x"]]); // 2
    await append(log, [["k2", "y"]]); // 3: would supersede 2, but lies past the LSO
    await append(log, [["k9", "z"]]); // 4: active
    expect(log.maintain(clock).compaction.recordsRemoved).toBe(0);
    expect(await read(log, "read_uncommitted")).toEqual(["0:k1=old", "1:k1=c1", "2:k2=x", "3:k2=y", "4:k9=z"]);
    // It aborts: its record goes, the older k1 stays, and everything after the old LSO is compacted now.
    await end(log, c, false); // 5
    await append(log, [["k8", "w"]]); // 6: active
    log.maintain(clock);
    expect(await read(log, "read_committed")).toEqual(["0:k1=old", "3:k2=y", "4:k9=z", "6:k8=w"]);
    // Another transaction that commits does supersede the old record.
    await append(log, [["k1", "c2"]], c); // 7
    await end(log, c, true); // 8
    await append(log, [["k7", "v"]]); // 9: active
    log.maintain(clock);
    expect(await read(log, "read_committed")).toEqual(["3:k2=y", "4:k9=z", "6:k8=w", "7:k1=c2", "9:k7=v"]);
  });
});

describe("retention and delete-records of transactional partitions", () => {
  it("delete-records inside an aborted transaction: the rest stays filtered, the entry goes only with its marker", async () => {
    const log = open();
    const b: Producer = { id: 2, epoch: 0, seq: 0 };
    await append(log, [["k", "b1"]], b); // 0
    await append(log, [["k", "n1"]]); // 1
    await append(log, [["k", "b2"]], b); // 2
    const abortB = await end(log, b, false); // 3
    await append(log, [["k", "n2"]]); // 4
    expect(log.deleteRecords(ADDR, 2)).toMatchObject({ ok: true, start_offset: 2 });
    const at = async (l: PartitionLog) => {
      const r = await l.read({ ...ADDR, offset: 2, maxBytes: 1 << 20, maxRecords: 100, waitMs: 0, isolation: "read_committed" });
      return r.ok ? decodeRecords(r.batches).map((x) => x.offset) : r;
    };
    expect(await at(log)).toEqual([4]);
    expect(abortedIndex()).toEqual([abortB]);
    expect(await at(restart())).toEqual([4]);
    const reopened = open();
    expect(reopened.deleteRecords(ADDR, 4)).toMatchObject({ ok: true, start_offset: 4 });
    expect(abortedIndex()).toEqual([]);
    expect(markers()).toEqual([]);
  });

  it("retention deletes whole rows, markers with their rows; an open transaction is still held back after its first rows are gone", async () => {
    const log = open();
    expect(log.configure(ADDR, { "cleanup.policy": "delete", "retention.ms": DAY })).toEqual({ ok: true });
    const c: Producer = { id: 3, epoch: 0, seq: 0 };
    await append(log, [["k", "c1"]], c); // 0: open
    clock += 2 * DAY;
    await append(log, [["k", "n1"]]); // 1
    await append(log, [["k", "c2"]], c); // 2
    log.maintain(clock);
    expect(log.stats(ADDR)).toMatchObject({ start_offset: 1, last_stable_offset: 1 }); // the transaction's first record is gone
    expect(await read(log, "read_committed")).toEqual([]);
    const abort = await end(log, c, false); // 3
    await append(log, [["k", "n2"]]); // 4
    expect(await read(log, "read_committed")).toEqual(["1:k=n1", "4:k=n2"]);
    expect(abortedIndex()).toEqual([abort]);
    clock += 3 * DAY;
    await append(log, [["k", "n3"]]); // 5
    log.maintain(clock);
    expect(abortedIndex()).toEqual([]);
    expect(markers()).toEqual([]);
    expect(await read(log, "read_committed")).toEqual(["5:k=n3"]);
  });
});
