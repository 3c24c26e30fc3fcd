// The actor host's Durable Object semantics, on node:sqlite: one instance per name, the input gate
// (ordered delivery, blocked only by blockConcurrencyWhile, never by an awaited timer), structured
// clone at the boundary, persisted alarms re-armed by a new host, eviction, and the SQL port.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ActorHost, type ActorFactory, type ActorState } from "./actor-host.ts";
import { openNodeDatabase } from "./sqlite-node.ts";
import { openStorage } from "./sqlite-port.ts";

const dirs: string[] = [];
const hosts: ActorHost[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close(0);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function newHost(kinds: Record<string, ActorFactory>, dataDir = mkdtempSync(join(tmpdir(), "actor-host-")), idleMs = 0) {
  if (!dirs.includes(dataDir)) dirs.push(dataDir);
  const host = new ActorHost({ dataDir, openDatabase: openNodeDatabase, kinds, idleMs });
  hosts.push(host);
  return { host, dataDir };
}

let constructed = 0;
class Counter {
  private readonly state: ActorState;
  readonly log: string[] = [];
  alarms = 0;
  failAlarms = 0;

  constructor(state: ActorState) {
    constructed++;
    this.state = state;
    state.storage.sql.exec("CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v INTEGER)");
    void state.blockConcurrencyWhile(async () => {
      await sleep(30);
      this.log.push("started");
    });
  }
  add(n: number): number {
    this.log.push(`add ${n}`);
    const row = this.state.storage.sql.exec<{ v: number }>("SELECT v FROM kv WHERE k = 'n'").toArray()[0];
    const v = (row?.v ?? 0) + n;
    this.state.storage.sql.exec("INSERT OR REPLACE INTO kv (k, v) VALUES ('n', ?)", v);
    return v;
  }
  history(): string[] {
    return this.log;
  }
  async wait(ms: number): Promise<string> {
    await sleep(ms);
    return `waited ${ms}`;
  }
  echo(value: unknown): unknown {
    return value;
  }
  mutate(bytes: Uint8Array): Uint8Array {
    bytes[0] = 99;
    return bytes;
  }
  setAlarm(at: number): Promise<void> {
    return this.state.storage.setAlarm(at);
  }
  getAlarm(): Promise<number | null> {
    return this.state.storage.getAlarm();
  }
  alarmCount(): number {
    return this.alarms;
  }
  failNext(n: number): void {
    this.failAlarms = n;
  }
  alarm(): void {
    if (this.failAlarms-- > 0) throw new Error("alarm failed on purpose");
    this.alarms++;
    this.add(100);
  }
}
type CounterApi = { [K in keyof Counter]: Counter[K] extends (...a: infer A) => infer R ? (...a: A) => Promise<Awaited<R>> : never };
const kinds = { counter: (state: ActorState) => new Counter(state) };

describe("ActorHost", () => {
  it("runs one instance per name, each with its own storage that outlives the host", async () => {
    const { host, dataDir } = newHost(kinds);
    const before = constructed;
    const a = host.stub<CounterApi>("counter", "a/0");
    await Promise.all([a.add(1), host.stub<CounterApi>("counter", "a/0").add(2), host.stub<CounterApi>("counter", "B").add(10)]);
    expect(constructed - before).toBe(2);
    expect(await a.add(0)).toBe(3);
    await host.close(0);
    const again = newHost(kinds, dataDir).host;
    expect(await again.stub<CounterApi>("counter", "a/0").add(0)).toBe(3);
    expect(await again.stub<CounterApi>("counter", "B").add(0)).toBe(10);
  });

  it("hands out the same stub for a name again, and stubs that still work once dropped from its cache", async () => {
    const { host } = newHost(kinds);
    const a = host.stub<CounterApi>("counter", "a");
    expect(host.stub<CounterApi>("counter", "a")).toBe(a);
    expect(a.add).toBe(a.add);
    expect(host.stub<CounterApi>("counter", "b")).not.toBe(a);
    expect(await a.add(2)).toBe(2);
    // More names than the cache keeps: "a" leaves it, and its old stub still calls the one instance.
    for (let i = 0; i < 1100; i++) host.stub<CounterApi>("counter", `n${i}`);
    expect(host.stub<CounterApi>("counter", "a")).not.toBe(a);
    expect(await a.add(1)).toBe(3);
    expect(await host.stub<CounterApi>("counter", "a").add(0)).toBe(3);
    expect((a as unknown as { then?: unknown }).then).toBeUndefined();
    expect(() => host.stub("nope", "x")).toThrow(/unknown object kind/);
    await host.close(0);
  });

  it("holds calls while blockConcurrencyWhile runs, then delivers them in arrival order", async () => {
    const { host } = newHost(kinds);
    const c = host.stub<CounterApi>("counter", "ordered");
    await Promise.all([1, 2, 3, 4].map((n) => c.add(n)));
    expect(await c.history()).toEqual(["started", "add 1", "add 2", "add 3", "add 4"]);
  });

  it("does not block an instance while a call awaits a timer", async () => {
    const { host } = newHost(kinds);
    const c = host.stub<CounterApi>("counter", "busy");
    await c.add(0);
    const slow = c.wait(500);
    const t0 = Date.now();
    expect(await c.add(1)).toBe(1);
    expect(Date.now() - t0).toBeLessThan(400);
    expect(await slow).toBe("waited 500");
  });

  it("copies arguments and results (structured clone), and refuses what cannot be cloned", async () => {
    const { host } = newHost(kinds);
    const c = host.stub<CounterApi>("counter", "clone");
    const bytes = new Uint8Array([1, 2, 3]);
    const back = await c.mutate(bytes);
    expect(bytes[0]).toBe(1);
    expect(back).toEqual(new Uint8Array([99, 2, 3]));
    await expect(c.echo(() => 1)).rejects.toThrow();
    await expect((c as unknown as { nope(): Promise<void> }).nope()).rejects.toThrow(/no method "nope"/);
  });

  it("persists alarms, delivers them, and re-arms them in a new host after a restart", async () => {
    const { host, dataDir } = newHost(kinds);
    const c = host.stub<CounterApi>("counter", "alarmed");
    const at = Date.now() + 150;
    await c.setAlarm(at);
    expect(await c.getAlarm()).toBe(at);
    await host.close(0);
    await sleep(200); // the alarm time passes while no host runs
    const restarted = newHost(kinds, dataDir).host;
    await sleep(150);
    const c2 = restarted.stub<CounterApi>("counter", "alarmed");
    expect(await c2.alarmCount()).toBe(1);
    expect(await c2.getAlarm()).toBe(null);
    expect(await c2.add(0)).toBe(100);
  });

  it("retries a failing alarm with backoff", async () => {
    const { host } = newHost(kinds);
    const c = host.stub<CounterApi>("counter", "retry");
    await c.failNext(1);
    await c.setAlarm(Date.now());
    await sleep(100);
    expect(await c.alarmCount()).toBe(0);
    await sleep(1_200);
    expect(await c.alarmCount()).toBe(1);
  });

  it("evicts idle instances and starts them again from storage", async () => {
    const { host } = newHost(kinds, undefined, 50);
    const c = host.stub<CounterApi>("counter", "idle");
    await c.add(5);
    expect(host.size).toBe(1);
    await sleep(120);
    expect(host.size).toBe(0);
    expect(await c.add(1)).toBe(6);
    expect(await c.history()).toEqual(["started", "add 1"]);
  });
});

describe("SQLite storage port", () => {
  it("commits a transaction whole or not at all, nested transactions as savepoints", () => {
    const dir = mkdtempSync(join(tmpdir(), "sqlite-port-"));
    dirs.push(dir);
    const storage = openStorage(openNodeDatabase, join(dir, "t.sqlite"));
    const { sql } = storage;
    sql.exec("CREATE TABLE t (a INTEGER PRIMARY KEY, b BLOB)");
    expect(() =>
      storage.transactionSync(() => {
        sql.exec("INSERT INTO t (a) VALUES (1)");
        throw new Error("roll back");
      }),
    ).toThrow("roll back");
    storage.transactionSync(() => {
      sql.exec("INSERT INTO t (a) VALUES (2)");
      try {
        storage.transactionSync(() => {
          sql.exec("INSERT INTO t (a) VALUES (3)");
          throw new Error("inner");
        });
      } catch {
        // the inner part is undone, the outer goes on
      }
    });
    expect(
      sql
        .exec<{ a: number }>("SELECT a FROM t")
        .toArray()
        .map((r) => r.a),
    ).toEqual([2]);
    // ArrayBuffer bindings are stored as blobs (node:sqlite alone would bind them as NULL).
    const cursor = sql.exec("INSERT INTO t (a, b) VALUES (4, ?)", new Uint8Array([7, 8]).buffer);
    expect(cursor.rowsWritten).toBe(1);
    expect(sql.exec<{ b: Uint8Array }>("SELECT b FROM t WHERE a = 4").one().b).toEqual(new Uint8Array([7, 8]));
    // SELECT cursors are lazy: stopping early reads no more rows, and the statement is reusable.
    for (let i = 10; i < 20; i++) sql.exec("INSERT INTO t (a) VALUES (?)", i);
    const lazy = sql.exec<{ a: number }>("SELECT a FROM t ORDER BY a");
    for (const row of lazy) if (row.a >= 10) break;
    expect(lazy.rowsRead).toBe(3);
    expect(sql.exec("SELECT a FROM t ORDER BY a").toArray()).toHaveLength(12);
    expect(() => sql.exec("SELECT a FROM t").one()).toThrow(/exactly one row/);
    storage.close();
  });
});
