// The transaction coordinator's state machine and the partitions' transaction state, on real
// SQLite (node:sqlite through the standalone hosts' storage port) and the real WASM core: the
// coordinator's ports call PartitionLog instances directly, and "a restart" is closing a
// database and opening the object again from the same file, as an eviction or a kill does.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeBatch, TRANSACTIONAL_FLAG } from "../batch/record-batch.ts";
import type { LogCore } from "../batch/log-core.ts";
import { PartitionLog } from "../log/partition-log.ts";
import { openStorage, type SqliteStorage } from "../../runtime/sqlite-port.ts";
import { openNodeDatabase } from "../../runtime/sqlite-node.ts";
import { loadLogCore } from "../../../test/core-support/load-log-core.ts";
import { TxnService, type TxnPorts } from "./service.ts";
import type { MarkerResult } from "../log/partition-types.ts";

let dir: string;
let core: LogCore;
let nextProducerId = 100;
const open: SqliteStorage[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "eb-txn-"));
  core = await loadLogCore();
});
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

function storage(name: string): SqliteStorage {
  const s = openStorage(openNodeDatabase, join(dir, `${name}.sqlite`));
  open.push(s);
  return s;
}

function close(s: SqliteStorage): void {
  s.close();
  open.splice(open.indexOf(s), 1);
}

const ADDR = (partition: number) => ({ topic: "t", partition, epoch: 1 });

class Cluster {
  logs = new Map<number, PartitionLog>();
  stores = new Map<number, SqliteStorage>();
  /** Partitions whose marker writes fail (a partition object that is down). */
  down = new Set<number>();
  markers: Array<{ partition: number; written: boolean }> = [];

  log(p: number): PartitionLog {
    let log = this.logs.get(p);
    if (!log) {
      const s = storage(`p${p}`);
      this.stores.set(p, s);
      log = PartitionLog.open(s, core);
      this.logs.set(p, log);
    }
    return log;
  }

  /** The partition object restarts: its database is closed and the log is opened again from it. */
  restart(p: number): void {
    close(this.stores.get(p)!);
    this.logs.delete(p);
    this.stores.delete(p);
  }

  ports(coordinator: string): TxnPorts & { alarmAt: number | undefined } {
    const ports = {
      alarmAt: undefined as number | undefined,
      writeMarker: async (
        p: { partition: number; epoch: number; topic: string },
        m: Parameters<TxnPorts["writeMarker"]>[1],
      ): Promise<MarkerResult> => {
        if (this.down.has(p.partition)) throw new Error(`partition ${p.partition} is down`);
        const r = await this.log(p.partition).writeMarker({ ...p, ...m });
        if (r.ok) this.markers.push({ partition: p.partition, written: r.written });
        return r;
      },
      newProducerId: async () => ({ ok: true as const, producer_id: nextProducerId++, producer_epoch: 0 }),
      alarms: { setAlarm: (at: number) => (ports.alarmAt = at) },
    };
    void coordinator;
    return ports;
  }

  async produce(p: number, producer: { producer_id: number; producer_epoch: number }, seq: number, values: string[], transactional = true) {
    const batch = encodeBatch(
      values.map((v) => ({ key: null, value: new TextEncoder().encode(v), headers: [], timestamp: 1_700_000_000_000 })),
      {
        crc32c: (b) => core.crc32c(b),
        producerId: producer.producer_id,
        producerEpoch: producer.producer_epoch,
        baseSequence: seq,
        attributes: transactional ? TRANSACTIONAL_FLAG : 0,
      },
    );
    return this.log(p).append({ ...ADDR(p), batches: batch, transactional });
  }

  async committed(p: number): Promise<string[]> {
    const r = await this.log(p).read({
      ...ADDR(p),
      offset: 0,
      maxBytes: 1 << 20,
      maxRecords: 1000,
      waitMs: 0,
      isolation: "read_committed",
    });
    if (!r.ok) throw new Error(r.error.message);
    const { decodeRecords } = await import("../batch/record-batch.ts");
    return decodeRecords(r.batches).map((x) => new TextDecoder().decode(x.value!));
  }
}

const ident = (r: { ok: boolean }) => {
  if (!r.ok) throw new Error(JSON.stringify(r));
  const x = r as unknown as { producer_id: number; producer_epoch: number };
  return { producer_id: x.producer_id, producer_epoch: x.producer_epoch };
};
const who = (id: string, p: { producer_id: number; producer_epoch: number }) => ({
  transactionalId: id,
  producerId: p.producer_id,
  producerEpoch: p.producer_epoch,
});

describe("TxnService", () => {
  it("Empty → Ongoing → PrepareCommit → CompleteCommit, the epoch bumped at the end; a retried end gets the same answer", async () => {
    const cluster = new Cluster();
    const c = new TxnService(storage("c"), cluster.ports("c"));
    const p = ident(await c.init({ transactionalId: "x" }));
    expect(c.describe("x")).toMatchObject({ state: "Empty", producer_epoch: 0 });
    expect(c.addPartitions({ ...who("x", p), partitions: [ADDR(0), ADDR(1), ADDR(0)] })).toEqual({ ok: true });
    expect(c.describe("x")).toMatchObject({
      state: "Ongoing",
      partitions: [
        { topic: "t", partition: 0 },
        { topic: "t", partition: 1 },
      ],
    });
    expect((await cluster.produce(0, p, 0, ["a"])).ok).toBe(true);
    expect((await cluster.produce(1, p, 0, ["b"])).ok).toBe(true);
    expect(await cluster.committed(0)).toEqual([]);
    const ended = await c.end({ ...who("x", p), commit: true });
    expect(ended).toMatchObject({ ok: true, state: "CompleteCommit", producer_epoch: 1 });
    expect(await cluster.committed(0)).toEqual(["a"]);
    expect(await cluster.committed(1)).toEqual(["b"]);
    expect(await c.end({ ...who("x", p), commit: true })).toMatchObject({ ok: true, state: "CompleteCommit", producer_epoch: 1 });
    expect(await c.end({ ...who("x", p), commit: false })).toMatchObject({ ok: false, error: { code: "producer_fenced" } });
    expect(cluster.markers).toEqual([
      { partition: 0, written: true },
      { partition: 1, written: true },
    ]);
    // The producer's late write of the ended transaction is fenced by the marker's epoch.
    expect(await cluster.produce(0, p, 1, ["late"])).toMatchObject({ ok: false, error: { code: "producer_fenced" } });
  });

  it("refuses out-of-state requests with Kafka's codes", async () => {
    const cluster = new Cluster();
    const c = new TxnService(storage("c"), cluster.ports("c"));
    expect(c.addPartitions({ transactionalId: "x", producerId: 1, producerEpoch: 0, partitions: [] })).toMatchObject({
      error: { code: "transactional_id_not_found" },
    });
    const p = ident(await c.init({ transactionalId: "x" }));
    expect(await c.end({ ...who("x", p), commit: true })).toMatchObject({ error: { code: "invalid_txn_state" } });
    expect(c.addPartitions({ ...who("x", p), producerEpoch: 5, partitions: [] })).toMatchObject({
      error: { code: "invalid_producer_epoch" },
    });
    expect(c.addPartitions({ ...who("x", p), producerId: 7, partitions: [] })).toMatchObject({
      error: { code: "invalid_producer_id_mapping" },
    });
    expect(await c.init({ transactionalId: "x", timeoutMs: 0 })).toMatchObject({ error: { code: "invalid_transaction_timeout" } });
    expect(c.begin(who("x", p))).toMatchObject({ ok: true, state: "Ongoing" });
    expect(c.begin(who("x", p))).toMatchObject({ error: { code: "invalid_txn_state" } });
  });

  it("a kill between the phases: PrepareCommit survives, the alarm re-drives, every partition gets its marker once", async () => {
    const cluster = new Cluster();
    let cs = storage("c");
    let c = new TxnService(cs, cluster.ports("c"));
    const p = ident(await c.init({ transactionalId: "x" }));
    c.addPartitions({ ...who("x", p), partitions: [ADDR(0), ADDR(1), ADDR(2)] });
    for (const n of [0, 1, 2]) expect((await cluster.produce(n, p, 0, [`v${n}`])).ok).toBe(true);
    cluster.down.add(2); // partition 2 is unreachable: phase two stops half-way
    const ended = await c.end({ ...who("x", p), commit: true });
    expect(ended).toMatchObject({ ok: true, state: "PrepareCommit", markers_pending: true });
    expect(await cluster.committed(0)).toEqual(["v0"]);
    expect(await cluster.committed(2)).toEqual([]);
    // The coordinator and a partition restart; the coordinator's alarm drives the rest.
    close(cs);
    cluster.restart(0);
    cluster.restart(2);
    cluster.down.clear();
    cs = storage("c");
    const ports = cluster.ports("c");
    c = new TxnService(cs, ports);
    expect(c.describe("x")).toMatchObject({ state: "PrepareCommit", pending_markers: 1 });
    await c.alarm();
    expect(c.describe("x")).toMatchObject({ state: "CompleteCommit", producer_epoch: 1 });
    for (const n of [0, 1, 2]) expect(await cluster.committed(n)).toEqual([`v${n}`]);
    // Re-driving everything again (a coordinator that lost its `done` list) writes nothing twice.
    for (const n of [0, 1, 2])
      expect(
        await cluster.log(n).writeMarker({ ...ADDR(n), producerId: p.producer_id, producerEpoch: 1, commit: true, coordinatorEpoch: 0 }),
      ).toEqual({ ok: true, written: false });
    expect(
      cluster.markers
        .filter((m) => m.written)
        .map((m) => m.partition)
        .sort(),
    ).toEqual([0, 1, 2]);
  });

  it("init fences the open transaction of the previous incarnation (aborted everywhere), and the timeout alarm aborts an abandoned one", async () => {
    const cluster = new Cluster();
    let now = 1_000;
    const ports = { ...cluster.ports("c"), now: () => now };
    const c = new TxnService(storage("c"), ports);
    const old = ident(await c.init({ transactionalId: "x", timeoutMs: 500 }));
    c.addPartitions({ ...who("x", old), partitions: [ADDR(0)] });
    await cluster.produce(0, old, 0, ["zombie"]);
    const fresh = ident(await c.init({ transactionalId: "x" }));
    expect(fresh.producer_epoch).toBe(old.producer_epoch + 1);
    expect(c.addPartitions({ ...who("x", old), partitions: [ADDR(1)] })).toMatchObject({ error: { code: "producer_fenced" } });
    expect(await cluster.produce(0, old, 1, ["zombie 2"])).toMatchObject({ ok: false, error: { code: "producer_fenced" } });
    // Abandoned: the alarm after the timeout aborts it and bumps the epoch.
    c.addPartitions({ ...who("x", fresh), partitions: [ADDR(0)] });
    await cluster.produce(0, fresh, 0, ["abandoned"]);
    now += 499;
    await c.alarm();
    expect(c.describe("x")).toMatchObject({ state: "Ongoing" });
    now += 1;
    await c.alarm();
    expect(c.describe("x")).toMatchObject({ state: "CompleteAbort", producer_epoch: fresh.producer_epoch + 1 });
    expect(await c.end({ ...who("x", fresh), commit: false })).toMatchObject({ error: { code: "producer_fenced" } });
    expect(await cluster.committed(0)).toEqual([]);
    const stats = cluster.log(0).stats(ADDR(0));
    expect(stats).toMatchObject({ aborted_transactions: 2, open_transactions: 0 });
  });
});

describe("a partition's transaction state", () => {
  it("the last stable offset and the aborted index survive a restart, cost no row per ordinary commit, and follow delete-records", async () => {
    const cluster = new Cluster();
    const a = { producer_id: 1, producer_epoch: 0 };
    const b = { producer_id: 2, producer_epoch: 0 };
    await cluster.produce(0, { producer_id: 9, producer_epoch: 0 }, 0, ["plain"], false);
    await cluster.produce(0, a, 0, ["a1"]); // offset 1: a's transaction opens here
    await cluster.produce(0, b, 0, ["b1"]);
    const before = cluster.log(0).stats(ADDR(0)) as { rows_written: number; last_stable_offset: number };
    expect(before.last_stable_offset).toBe(1);
    expect(before.rows_written).toBe(3); // one row per commit, transactional or not: nothing extra
    await cluster.log(0).writeMarker({ ...ADDR(0), producerId: b.producer_id, producerEpoch: 1, commit: false, coordinatorEpoch: 0 });
    cluster.restart(0);
    expect(cluster.log(0).stats(ADDR(0))).toMatchObject({ last_stable_offset: 1, open_transactions: 1, aborted_transactions: 1 });
    expect(await cluster.committed(0)).toEqual(["plain"]);
    await cluster.log(0).writeMarker({ ...ADDR(0), producerId: a.producer_id, producerEpoch: 1, commit: true, coordinatorEpoch: 0 });
    cluster.restart(0);
    expect(await cluster.committed(0)).toEqual(["plain", "a1"]);
    expect(cluster.log(0).stats(ADDR(0))).toMatchObject({ last_stable_offset: 5, open_transactions: 0 });
    // The abort marker (offset 3) goes with delete-records, and its index entry with it.
    expect(cluster.log(0).deleteRecords(ADDR(0), 4)).toMatchObject({ ok: true });
    expect(cluster.log(0).stats(ADDR(0))).toMatchObject({ aborted_transactions: 0 });
    cluster.restart(0);
    expect(cluster.log(0).stats(ADDR(0))).toMatchObject({ aborted_transactions: 0, last_stable_offset: 5 });
  });

  it("refuses a transactional batch not added to a transaction, and a control batch from a client", async () => {
    const cluster = new Cluster();
    const batch = encodeBatch([{ key: null, value: new Uint8Array([1]), headers: [], timestamp: 1 }], {
      crc32c: (b) => core.crc32c(b),
      producerId: 1,
      producerEpoch: 0,
      baseSequence: 0,
      attributes: TRANSACTIONAL_FLAG,
    });
    expect(await cluster.log(0).append({ ...ADDR(0), batches: batch })).toMatchObject({ ok: false, error: { code: "invalid_txn_state" } });
    const control = encodeBatch([{ key: null, value: new Uint8Array([1]), headers: [], timestamp: 1 }], {
      crc32c: (b) => core.crc32c(b),
      producerId: 1,
      producerEpoch: 0,
      baseSequence: 0,
      attributes: 0x30,
    });
    expect(await cluster.log(0).append({ ...ADDR(0), batches: control, transactional: true })).toMatchObject({
      ok: false,
      error: { code: "invalid_batch" },
    });
  });
});
