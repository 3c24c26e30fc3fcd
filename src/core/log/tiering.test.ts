// Tiered storage (tiering.ts, remote-reader.ts) on real SQLite (node:sqlite through the standalone
// hosts' storage port), the real WASM core and a real directory object store: segments move out
// past local retention and stay readable, CRC-checked; retention and delete-records remove their
// objects; and a store failing at each step of an upload leaves no gap, no duplicate, no orphan.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadLogCore } from "../../../test/core-support/load-log-core.ts";
import { DirObjectStore } from "../../runtime/dir-object-store.ts";
import { openNodeDatabase } from "../../runtime/sqlite-node.ts";
import { openStorage, type SqliteStorage } from "../../runtime/sqlite-port.ts";
import { decodeRecords, encodeBatch } from "../batch/record-batch.ts";
import type { LogCore } from "../batch/log-core.ts";
import type { ObjectMeta, ObjectStore } from "../objectstore/port.ts";
import { PartitionLog } from "./partition-log.ts";
import type { PartitionStats } from "./partition-types.ts";

const ADDR = { topic: "tiered", partition: 0, epoch: 1 };
const VALUE = 1000;
const PER_BATCH = 300; // ~300 KB per append: one row each, above the small-row merge threshold
const CONFIG = { "remote.storage.enable": "true", "local.retention.bytes": 700_000 };

let dir: string;
let core: LogCore;
let storage: SqliteStorage;
let objects: DirObjectStore;

/** A real directory store that fails on demand: before a put writes, or after it wrote (as a crash would). */
class FailingStore implements ObjectStore {
  failPut: "before" | "after" | undefined;
  failDelete = false;
  constructor(readonly inner: ObjectStore) {}
  async put(key: string, bytes: Uint8Array, meta?: ObjectMeta) {
    if (this.failPut === "before") throw new Error("store down (before put)");
    await this.inner.put(key, bytes, meta);
    if (this.failPut === "after") throw new Error("connection lost (after put)");
  }
  /** Gets per key, to see which objects a read fetched and which it found in the cache. */
  readonly gets = new Map<string, number>();
  get = (key: string, range?: { offset: number; length?: number }) => {
    this.gets.set(key, (this.gets.get(key) ?? 0) + 1);
    return this.inner.get(key, range);
  };
  head = (key: string) => this.inner.head(key);
  list = (prefix: string) => this.inner.list(prefix);
  async delete(keys: string[]) {
    if (this.failDelete) throw new Error("store down (delete)");
    await this.inner.delete(keys);
  }
}

/**
 * A real directory store whose puts wait at a gate: "before" writing (released by the test), or
 * "after" writing, never released (the process died before the upload's commit heard back).
 */
class GatedStore implements ObjectStore {
  /** Resolves once the first put of the upload was issued (they are all issued together). */
  readonly started: Promise<void>;
  readonly written: Promise<void>[] = [];
  private began!: () => void;
  private open!: () => void;
  private readonly gate = new Promise<void>((r) => (this.open = r));
  constructor(
    readonly inner: ObjectStore,
    readonly at: "before" | "after",
  ) {
    this.started = new Promise((r) => (this.began = r));
  }
  async put(key: string, bytes: Uint8Array, meta?: ObjectMeta) {
    this.began();
    if (this.at === "before") await this.gate;
    const write = this.inner.put(key, bytes, meta);
    this.written.push(write);
    await write;
    if (this.at === "after") await this.gate;
  }
  release = () => this.open();
  get = (key: string, range?: { offset: number; length?: number }) => this.inner.get(key, range);
  head = (key: string) => this.inner.head(key);
  list = (prefix: string) => this.inner.list(prefix);
  delete = (keys: string[]) => this.inner.delete(keys);
}

/** The host's alarm for one object: one time, only ever moved earlier (alarmNoLaterThan), fired by runUntil. */
function hostAlarm() {
  let next: number | undefined;
  return {
    setAlarm(at: number) {
      if (next === undefined || at < next) next = at;
    },
    /** Fires every alarm due up to `until`, in order, moving the clock to each (as the host's timer would). */
    async runUntil(log: PartitionLog, until: number, setClock: (at: number) => void) {
      for (let fired = 0; next !== undefined && next <= until && fired < 100; fired++) {
        setClock(next);
        next = undefined;
        await log.alarm();
      }
    },
  };
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "eb-tier-"));
  core = await loadLogCore();
  storage = openStorage(openNodeDatabase, join(dir, "p.sqlite"));
  objects = new DirObjectStore(join(dir, "objects"));
});
afterEach(() => {
  storage.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(store: ObjectStore | null = objects, now?: () => number): PartitionLog {
  return PartitionLog.open(storage, core, { objectStore: store ?? undefined, now });
}

async function append(log: PartitionLog, count: number, from: number, timestamp = Date.now(), config: object = CONFIG): Promise<void> {
  for (let n = 0; n < count; n++) {
    const records = Array.from({ length: PER_BATCH }, (_, i) => ({
      key: null,
      value: new TextEncoder().encode(String(from + n * PER_BATCH + i).padEnd(VALUE, ".")),
      headers: [],
      timestamp: timestamp + n,
    }));
    const r = await log.append({ ...ADDR, batches: encodeBatch(records, { crc32c: (b) => core.crc32c(b) }), config: config as never });
    expect(r.ok).toBe(true);
  }
}

/** Every record from `from`, read page by page as a consumer would: [offset, value number]. */
async function readAll(log: PartitionLog, from = 0, maxBytes = 200_000): Promise<number[][]> {
  const out: number[][] = [];
  let offset = from;
  for (;;) {
    const r = await log.read({ ...ADDR, offset, maxBytes, maxRecords: 100_000, waitMs: 0 });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    for (const rec of decodeRecords(r.batches)) {
      if (rec.offset < offset) continue;
      out.push([rec.offset, Number.parseInt(new TextDecoder().decode(rec.value!), 10)]);
    }
    if (out.length === 0 || out[out.length - 1]![0]! + 1 >= r.highWatermark) return out;
    offset = out[out.length - 1]![0]! + 1;
  }
}

const stats = (log: PartitionLog) => log.stats(ADDR) as PartitionStats;
const expectContiguous = (rows: number[][], from: number, to: number) =>
  expect(rows).toEqual(Array.from({ length: to - from }, (_, i) => [from + i, from + i]));

describe("tiered storage", () => {
  it("moves rows past local.retention.bytes to the store and reads them back transparently", async () => {
    const log = open();
    await append(log, 10, 0);
    await log.alarm();
    const s = stats(log);
    expect(s.remote_segments).toBeGreaterThan(0);
    expect(s.local_bytes).toBeLessThanOrEqual(700_000 + 310_000);
    expect(s.bytes).toBe(s.local_bytes + s.remote_bytes);
    expect(s.start_offset).toBe(0);
    expect((await objects.list("tiered/0/1/")).length).toBe(s.remote_segments);
    expectContiguous(await readAll(log), 0, 3000);
    // A reopened object (eviction, restart) reads the same from its map and the store.
    const again = open();
    expectContiguous(await readAll(again, 0, 5_000_000), 0, 3000);
    expect(stats(again).remote_segments).toBe(s.remote_segments);
    // Offsets by timestamp find a record in a remote segment.
    const first = await again.offsetForTimestamp(ADDR, 0);
    expect(first).toMatchObject({ ok: true, offset: 0 });
  });

  it("caches remote objects read over the network, not those a directory store reads from the page cache", async () => {
    // Object buffers held across requests made V8 run a major collection every few reads on the
    // Node host: a directory store's get is a page-cache copy, so it is not cached (issue #20).
    const network = new FailingStore(objects); // no localReads: stands for R2 or S3
    const log = open(network);
    await append(log, 10, 0);
    await log.alarm();
    const remote = stats(log).remote_segments;
    expect(remote).toBeGreaterThanOrEqual(2);
    expect(objects.localReads).toBe(true);
    const local = new FailingStore(objects);
    Object.defineProperty(local, "localReads", { value: true });
    for (const [store, fetchesPerObject] of [
      [network, 1],
      [local, 2],
    ] as const) {
      store.gets.clear();
      const reader = open(store);
      for (let i = 0; i < 2; i++) expectContiguous(await readAll(reader, 0, 5_000_000), 0, 3000);
      expect(store.gets.size).toBe(remote);
      expect([...store.gets.values()].every((n) => n === fetchesPerObject)).toBe(true);
    }
  });

  it("fetches the objects one read spans together, and none its budget cannot reach", async () => {
    // Serial gets added up their latencies: a disk read each from a directory store, a round trip
    // each from R2 or S3 (issue #20). Each get here takes a few milliseconds, as a disk's would.
    let inFlight = 0;
    let most = 0;
    const slow = new FailingStore(objects);
    Object.defineProperty(slow, "localReads", { value: true }); // no cache: every read fetches
    const get = slow.get;
    slow.get = async (key, range) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      try {
        return await get(key, range);
      } finally {
        inFlight--;
      }
    };
    const log = open(slow);
    await append(log, 10, 0);
    await log.alarm();
    expect(stats(log).remote_segments).toBeGreaterThanOrEqual(5);
    // Objects of ~300 KB: a 1 MB read from the first offset needs four of them.
    slow.gets.clear();
    const wide = await log.read({ ...ADDR, offset: 0, maxBytes: 1_000_000, maxRecords: 100_000, waitMs: 0 });
    expect(wide.ok).toBe(true);
    expect(most).toBeGreaterThanOrEqual(3);
    expect(slow.gets.size).toBeLessThanOrEqual(5);
    // One record, or a page smaller than the first object: only the object holding the offset.
    for (const limits of [
      { maxBytes: 1_000_000, maxRecords: 1 },
      { maxBytes: 10_000, maxRecords: 100_000 },
    ]) {
      slow.gets.clear();
      most = 0;
      const narrow = await log.read({ ...ADDR, offset: 450, ...limits, waitMs: 0 });
      expect(narrow.ok).toBe(true);
      expect([...slow.gets.keys()]).toHaveLength(1);
      expect(most).toBe(1);
    }
    // And the records come back whole and in order, page after page.
    expectContiguous(await readAll(log, 0, 1_000_000), 0, 3000);
  });

  it("leaves the log whole when the store fails before or after writing, and collects what it wrote", async () => {
    const store = new FailingStore(objects);
    let log = open(store);
    await append(log, 8, 0);
    for (const step of ["before", "after"] as const) {
      store.failPut = step;
      await log.alarm();
      expect(stats(log).remote_segments).toBe(0);
      expectContiguous(await readAll(log), 0, 2400);
    }
    // "after": an object was written that no map row names; it is garbage, not data.
    expect((await objects.list("tiered/")).length).toBeGreaterThan(0); // written, but no map row names them
    // The object restarts (a crash after the put): the garbage entry survived, the sweep deletes it.
    log = open(store);
    store.failPut = undefined;
    await log.alarm();
    const s = stats(log);
    expect(s.remote_segments).toBeGreaterThan(0);
    expect((await objects.list("tiered/")).length).toBe(s.remote_segments);
    expectContiguous(await readAll(log), 0, 2400);
  });

  it("deletes the objects of an upload a crash cut short as soon as the partition is open again, not a minute later (issue #20)", async () => {
    let clock = 5_000_000;
    const crash = new GatedStore(objects, "after");
    const before = PartitionLog.open(storage, core, { objectStore: crash, now: () => clock });
    await append(before, 10, 0, clock);
    void before.alarm(); // never settles: its objects are written, then the process dies before its commit
    await crash.started;
    await Promise.all(crash.written);
    expect((await objects.list("tiered/")).length).toBeGreaterThan(0);
    // The restart: the host opens the file again; the first calls read everything, then append once,
    // too little to bring the upload alarm early (as the crash test's last steps do).
    storage.close();
    storage = openStorage(openNodeDatabase, join(dir, "p.sqlite"));
    const host = hostAlarm();
    const log = PartitionLog.open(storage, core, { objectStore: objects, now: () => clock, alarms: host });
    expectContiguous(await readAll(log), 0, 3000);
    await append(log, 1, 3000, clock);
    await host.runUntil(log, clock + 1000, (at) => (clock = at));
    const s = stats(log);
    expect((await objects.list("tiered/")).length, "the store holds exactly the mapped objects").toBe(s.remote_segments);
    expect(s.remote_segments).toBeGreaterThan(0);
    expectContiguous(await readAll(log), 0, 3300);
  });

  it("never sweeps the garbage entries of an upload still writing on the same database (no orphan)", async () => {
    const parked = new GatedStore(objects, "before");
    const first = open(parked);
    await append(first, 10, 0);
    const upload = first.alarm();
    await parked.started; // its garbage entries are committed, its puts wait
    // A second log on the same database sweeps, and uploads the same rows itself meanwhile.
    const second = open();
    await second.alarm();
    const mapped = stats(second).remote_segments;
    expect(mapped).toBeGreaterThan(0);
    parked.release();
    await upload; // its rows left meanwhile: the objects it wrote stay garbage...
    expect((await objects.list("tiered/")).length).toBe(2 * mapped);
    await second.alarm(); // ...and go at the next sweep
    expect((await objects.list("tiered/")).length, "the store holds exactly the mapped objects").toBe(stats(second).remote_segments);
    expectContiguous(await readAll(second), 0, 3000);
  });

  it("re-arms its alarm at the normal interval, not at once, while the store fails", async () => {
    const store = new FailingStore(objects);
    const alarms: number[] = [];
    const clock = 5_000_000;
    const config = { "remote.storage.enable": "true", "local.retention.bytes": 0 };
    const log = PartitionLog.open(storage, core, { objectStore: store, now: () => clock, alarms: { setAlarm: (at) => alarms.push(at) } });
    await append(log, 20, 0, clock, config); // ~6 MB: past local retention by more than one upload step
    store.failPut = "before";
    await log.alarm();
    await log.alarm();
    expect(alarms.at(-1)! - clock).toBeGreaterThanOrEqual(60_000);
    store.failPut = undefined;
    await log.alarm();
    expect(stats(log).remote_segments).toBeGreaterThan(0);
  });

  it("retention and delete-records remove remote objects; a failed delete is retried", async () => {
    const store = new FailingStore(objects);
    const log = open(store);
    await append(log, 10, 0, Date.now(), { ...CONFIG, "retention.bytes": 2_000_000 });
    await log.alarm();
    await log.alarm();
    const s = stats(log);
    expect(s.start_offset).toBeGreaterThan(0);
    expect(s.bytes).toBeLessThanOrEqual(2_000_000);
    expect((await objects.list("tiered/")).length).toBe(s.remote_segments);
    expectContiguous(await readAll(log, s.start_offset), s.start_offset, 3000);
    // delete-records past every remote segment: their objects go at the next alarm, even after a failed delete.
    const local = (log.stats(ADDR) as PartitionStats).end_offset - 300;
    expect(log.deleteRecords(ADDR, local)).toMatchObject({ ok: true, start_offset: local });
    expect(stats(log).remote_segments).toBe(0);
    store.failDelete = true;
    await log.alarm();
    expect((await objects.list("tiered/")).length).toBeGreaterThan(0);
    store.failDelete = false;
    await log.alarm();
    expect(await objects.list("tiered/")).toEqual([]);
    expectContiguous(await readAll(log, local), local, 3000);
  });

  it("refuses to serve a remote segment whose bytes were altered (CRC), and serves again once it is restored", async () => {
    const log = open();
    await append(log, 6, 0);
    await log.alarm();
    const [key] = await objects.list("tiered/0/1/");
    const file = join(dir, "objects", `${key}.obj`);
    const good = readFileSync(file);
    const bad = Buffer.from(good);
    bad[bad.length - 10] ^= 0xff; // inside the last record's value
    writeFileSync(file, bad);
    const r = await open().read({ ...ADDR, offset: 0, maxBytes: 10_000_000, maxRecords: 100_000, waitMs: 0 });
    expect(r).toMatchObject({ ok: false, error: { code: "corrupt_log" } });
    writeFileSync(file, good);
    expectContiguous(await readAll(open()), 0, 1800);
  });

  it("moves rows by local.retention.ms, keeps them local without a store, and drops their objects with the topic", async () => {
    let clock = 1_000_000;
    const timed = { "remote.storage.enable": "true", "local.retention.ms": 60_000, "retention.ms": -1 };
    const local = open(null, () => clock);
    await append(local, 4, 0, clock, timed);
    clock += 120_000;
    await local.alarm();
    expect(stats(local).remote_segments).toBe(0); // no store configured: nothing leaves
    const log = open(objects, () => clock);
    await log.alarm();
    expect(stats(log).remote_segments).toBe(3); // the newest row always stays local
    await log.purgeRemote(ADDR);
    expect(await objects.list("tiered/")).toEqual([]);
  });
});
