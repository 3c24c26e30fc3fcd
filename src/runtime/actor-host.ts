// The local actor host: Durable Object semantics for the standalone servers (Node, Bun, Deno).
//
// - One live instance per (kind, name). `stub(kind, name)` returns an object whose methods are
//   calls into that instance; the instance is created on first call, from the factory registered
//   for its kind, with its own SQLite database (object-files.ts, sqlite-port.ts).
// - Calls cross the boundary copied, as Durable Object RPC serialises them: arguments and results
//   are isolated (isolate.ts: a structural copy of plain data, structuredClone for anything
//   else), so caller and object never share a buffer or an object, and non-cloneable data fails
//   here as it would on Cloudflare. The exception is the methods named in `byReference`, whose
//   callers hand over what they pass (a partition's append, the hot path of every produce).
// - Input gate: calls are delivered in arrival order, and a call's synchronous part (which is where
//   every storage access happens: the SQL port is synchronous) runs to completion before the next
//   call starts — JavaScript's run-to-completion gives that for free. While the object is inside
//   `blockConcurrencyWhile` (its asynchronous start-up), calls wait and are then delivered in
//   order. Like a Durable Object, an instance is NOT blocked while one of its calls awaits
//   something other than storage (a timer, another object): PartitionLog relies on that to queue
//   appends during a flush and to park long-poll reads. See docs/ARCHITECTURE.md.
// - Output gate: storage commits are durable when they return (synchronous=FULL), so a result
//   can never get ahead of the writes it depends on.
// - Alarms: `state.storage.setAlarm(time)` is persisted in the host database and re-armed when the
//   host starts; `alarm()` is called on the object at that time, retried with backoff if it throws
//   (at least once, as on Cloudflare).
// - Eviction: an instance with no call in flight for `idleMs` is closed (its database too), as an
//   idle Durable Object is evicted; the next call starts a fresh one from storage. Objects keep
//   nothing in memory that storage cannot rebuild, and use alarms rather than timers for work that
//   must happen while nobody calls.
import type { StoragePort } from "../core/storage-port.ts";
import { AlarmStore } from "./alarm-store.ts";
import { isolate } from "./isolate.ts";
import { objectFile } from "./object-files.ts";
import type { OpenDatabase } from "./sqlite-driver.ts";
import { openStorage, type SqliteStorage } from "./sqlite-port.ts";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";

/** The storage an object gets: the core's SQL port plus Durable-Object-style alarms. */
export interface ActorStorage extends StoragePort {
  /** Removes every table and the object's file (ctx.storage.deleteAll()); alarms too. */
  deleteAll(): Promise<void>;
  getAlarm(): Promise<number | null>;
  setAlarm(scheduledTime: number | Date): Promise<void>;
  deleteAlarm(): Promise<void>;
}

/** What an object's constructor gets, the local counterpart of DurableObjectState. */
export interface ActorState {
  readonly id: { readonly name: string };
  readonly storage: ActorStorage;
  blockConcurrencyWhile<T>(fn: () => Promise<T>): Promise<T>;
}

export type ActorFactory = (state: ActorState) => object;

export interface AlarmInfo {
  retryCount: number;
  isRetry: boolean;
}

export interface ActorHostOptions {
  dataDir: string;
  openDatabase: OpenDatabase;
  /** The object kinds this host can run: kind → factory (objects.ts). */
  kinds: Record<string, ActorFactory>;
  /** Close instances idle this long; 0 keeps them for the life of the process. */
  idleMs?: number;
  /**
   * Methods, by kind, whose arguments and results cross by reference instead of being isolated:
   * for calls where neither side can reach what the other keeps — the caller builds the
   * arguments for this one call and never touches them again, the object builds a new result
   * for each call — so a copy would buy nothing (a partition's append: issue #20).
   */
  byReference?: Record<string, readonly string[]>;
  now?: () => number;
}

interface Instance {
  kind: string;
  name: string;
  object?: object;
  storage: SqliteStorage;
  /** Set while blockConcurrencyWhile runs: calls wait for it. */
  gate?: Promise<void>;
  /** Set when start-up failed: the instance is gone and its waiting calls get this error. */
  broken?: unknown;
  inFlight: number;
  idleTimer?: ReturnType<typeof setTimeout>;
}

/** Largest delay setTimeout accepts (about 24.8 days); longer alarms are re-armed in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const ALARM_MAX_RETRIES = 6;
/** Stubs kept for reuse (see stub()). */
const STUB_CACHE_LIMIT = 1024;

function unref(timer: ReturnType<typeof setTimeout>): void {
  (timer as { unref?: () => void }).unref?.();
}

export class ActorHost {
  private readonly options: ActorHostOptions;
  private readonly now: () => number;
  private readonly instances = new Map<string, Instance>();
  private readonly stubs = new Map<string, object>();
  private readonly byReference: Map<string, ReadonlySet<string>>;
  private readonly hostStorage: SqliteStorage;
  private readonly alarms: AlarmStore;
  /** Armed alarms by instance key; an alarm being delivered is not here (getAlarm() is null then). */
  private readonly alarmTimers = new Map<string, { time: number; timer: ReturnType<typeof setTimeout> }>();
  private inFlight = 0;
  private drained?: () => void;
  private closed = false;

  constructor(options: ActorHostOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.byReference = new Map(Object.entries(options.byReference ?? {}).map(([kind, methods]) => [kind, new Set(methods)]));
    mkdirSync(options.dataDir, { recursive: true });
    // Held exclusively for the life of the host: a second broker on this directory fails here.
    this.hostStorage = openStorage(options.openDatabase, join(options.dataDir, "host.sqlite"));
    this.alarms = new AlarmStore(this.hostStorage);
    for (const row of this.alarms.list()) {
      if (row.kind in options.kinds) this.armAlarm(row.kind, row.name, row.time, 0);
    }
  }

  /**
   * A stub for the object: each method call is a call into the one live instance. A stub holds
   * nothing but its address, so the stubs of recently named objects are kept and handed out
   * again, and a stub keeps the method functions it gave out: a produce names its partition on
   * every request, and a new Proxy with a new function per call was garbage on the hot path.
   */
  stub<T extends object>(kind: string, name: string): T {
    if (!(kind in this.options.kinds)) throw new Error(`unknown object kind "${kind}"`);
    const key = `${kind}\u0000${name}`;
    let stub = this.stubs.get(key);
    if (!stub) {
      // A bound on memory for hosts that name many objects (keys, groups): the oldest go first.
      if (this.stubs.size >= STUB_CACHE_LIMIT) this.stubs.delete(this.stubs.keys().next().value!);
      // A plain object over a Proxy: a method is made on its first use and kept as the object's
      // own property, so later uses are ordinary property reads (a Proxy trap costs every read).
      const methods = new Proxy({} as object, {
        get: (_, method, receiver: object) => {
          // Not a thenable: a stub returned from an async function must not be awaited into a call.
          if (typeof method !== "string" || method === "then") return undefined;
          const fn = (...args: unknown[]) => this.call(kind, name, method, args);
          Object.defineProperty(receiver, method, { value: fn });
          return fn;
        },
      });
      stub = Object.create(methods) as object;
      this.stubs.set(key, stub);
    }
    return stub as T;
  }

  /**
   * One call into the instance. Not an async function: a call with no start-up to wait for (nearly
   * every call) runs the method at once, and the method's promise gets one `then` for the
   * bookkeeping, where an async function added its own promise and an await to every append
   * (issue #20). Whatever fails — the host closing, no such method, a method that throws — comes
   * back as a rejected promise, as from an async function.
   */
  call(kind: string, name: string, method: string, args: unknown[]): Promise<unknown> {
    let instance: Instance;
    try {
      instance = this.instance(kind, name);
    } catch (err) {
      return Promise.reject(err);
    }
    instance.inFlight++;
    this.inFlight++;
    // `args` is the stub's own rest array, new for this call; its members are the caller's.
    const shared = this.byReference.get(kind)?.has(method) === true;
    let result: Promise<unknown>;
    try {
      const input = shared ? args : args.map(isolate);
      result = instance.gate ? this.invokeAfterGate(instance, method, input) : Promise.resolve(this.invoke(instance, method, input));
    } catch (err) {
      result = Promise.reject(err);
    }
    return result.then(
      (value) => {
        this.settled(instance);
        return shared ? value : isolate(value);
      },
      (err: unknown) => {
        this.settled(instance);
        throw err;
      },
    );
  }

  /** The method's own result: calls wait while the object is inside blockConcurrencyWhile. */
  private async invokeAfterGate(instance: Instance, method: string, input: unknown[]): Promise<unknown> {
    while (instance.gate) await instance.gate;
    return this.invoke(instance, method, input);
  }

  private invoke(instance: Instance, method: string, input: unknown[]): unknown {
    if (instance.broken !== undefined) throw instance.broken;
    const fn = (instance.object as Record<string, unknown>)[method];
    if (typeof fn !== "function" || method === "constructor") {
      throw new TypeError(`the ${instance.kind} object has no method "${method}"`);
    }
    return fn.apply(instance.object, input);
  }

  /** A call has ended, answered or failed. */
  private settled(instance: Instance): void {
    instance.inFlight--;
    this.inFlight--;
    if (instance.inFlight === 0) this.scheduleIdle(instance);
    if (this.inFlight === 0) this.drained?.();
  }

  private instance(kind: string, name: string): Instance {
    if (this.closed) throw new Error("the broker is shutting down");
    const key = `${kind}\u0000${name}`;
    const existing = this.instances.get(key);
    if (existing) {
      if (existing.idleTimer) clearTimeout(existing.idleTimer);
      existing.idleTimer = undefined;
      return existing;
    }
    const path = objectFile(this.options.dataDir, kind, name);
    mkdirSync(dirname(path), { recursive: true });
    // No file until the object first writes: naming an object (an invented key id) costs no disk.
    const storage = openStorage(this.options.openDatabase, path, { createOnWrite: true });
    const instance: Instance = { kind, name, storage, inFlight: 0 };
    this.instances.set(key, instance);
    const state: ActorState = {
      id: { name },
      storage: {
        sql: storage.sql,
        transactionSync: (fn) => storage.transactionSync(fn),
        sync: () => storage.sync(),
        deleteAll: async () => {
          storage.deleteAll();
          try {
            this.deleteAlarm(kind, name);
          } catch {
            // A full disk refuses even this delete: the timer is disarmed; should the stored
            // alarm fire after a restart, it reaches an object without storage, which ignores it.
            this.disarm(key);
          }
        },
        getAlarm: async () => this.alarmTimers.get(key)?.time ?? null,
        setAlarm: async (time: number | Date) => this.setAlarm(kind, name, typeof time === "number" ? time : time.getTime()),
        deleteAlarm: async () => this.deleteAlarm(kind, name),
      },
      blockConcurrencyWhile: (fn) => this.blockConcurrencyWhile(instance, fn),
    };
    try {
      instance.object = this.options.kinds[kind]!(state);
    } catch (err) {
      this.discard(instance, err);
      throw err;
    }
    return instance;
  }

  private blockConcurrencyWhile<T>(instance: Instance, fn: () => Promise<T>): Promise<T> {
    const run = (instance.gate ?? Promise.resolve()).then(fn);
    const gate = run.then(
      () => undefined,
      // As on Cloudflare, a failed blockConcurrencyWhile resets the object: it is discarded, the
      // calls waiting for it fail, and the next call starts a new instance from storage.
      (err) => this.discard(instance, err),
    );
    instance.gate = gate;
    void gate.then(() => {
      if (instance.gate === gate) instance.gate = undefined;
    });
    return run;
  }

  private discard(instance: Instance, err: unknown): void {
    instance.broken = err ?? new Error("the object failed to start");
    const key = `${instance.kind}\u0000${instance.name}`;
    if (this.instances.get(key) === instance) this.instances.delete(key);
    instance.storage.close();
  }

  private scheduleIdle(instance: Instance): void {
    const idleMs = this.options.idleMs ?? 0;
    if (idleMs <= 0 || this.closed || instance.broken !== undefined) return;
    if (instance.idleTimer) clearTimeout(instance.idleTimer);
    instance.idleTimer = setTimeout(() => {
      instance.idleTimer = undefined;
      if (instance.inFlight > 0 || instance.gate) return;
      this.instances.delete(`${instance.kind}\u0000${instance.name}`);
      instance.storage.close();
    }, idleMs);
    unref(instance.idleTimer);
  }

  // --- alarms ---------------------------------------------------------------------------------

  private setAlarm(kind: string, name: string, time: number): void {
    if (!Number.isFinite(time)) throw new TypeError("setAlarm: expected a time in milliseconds since the epoch");
    this.alarms.set(kind, name, time);
    this.armAlarm(kind, name, time, 0);
  }

  private deleteAlarm(kind: string, name: string): void {
    this.alarms.delete(kind, name);
    this.disarm(`${kind}\u0000${name}`);
  }

  private disarm(key: string): void {
    const armed = this.alarmTimers.get(key);
    if (armed) clearTimeout(armed.timer);
    this.alarmTimers.delete(key);
  }

  private armAlarm(kind: string, name: string, time: number, retryCount: number, delay = time - this.now()): void {
    if (this.closed) return;
    const key = `${kind}\u0000${name}`;
    this.disarm(key);
    const timer = setTimeout(
      () => {
        if (this.now() < time && retryCount === 0) {
          this.armAlarm(kind, name, time, 0); // a long alarm: the next step of the wait
          return;
        }
        this.alarmTimers.delete(key);
        void this.deliverAlarm(kind, name, time, retryCount);
      },
      Math.min(Math.max(0, delay), MAX_TIMER_MS),
    );
    this.alarmTimers.set(key, { time, timer });
  }

  private async deliverAlarm(kind: string, name: string, time: number, retryCount: number): Promise<void> {
    if (this.closed) return;
    try {
      await this.call(kind, name, "alarm", [{ retryCount, isRetry: retryCount > 0 } satisfies AlarmInfo]);
      // Done: unless the handler set a new alarm, it is consumed.
      if (!this.closed) this.alarms.delete(kind, name, time);
    } catch (err) {
      if (this.closed) return;
      if (this.alarms.get(kind, name) !== time) return; // re-set or deleted meanwhile
      if (retryCount + 1 > ALARM_MAX_RETRIES) {
        console.error(`edgebroker: alarm of ${kind} "${name}" failed ${retryCount + 1} times, giving up`, err);
        this.alarms.delete(kind, name, time);
        return;
      }
      console.error(`edgebroker: alarm of ${kind} "${name}" failed, retrying`, err);
      this.armAlarm(kind, name, time, retryCount + 1, 1000 * 2 ** retryCount);
    }
  }

  // --- shutdown -------------------------------------------------------------------------------

  /**
   * Graceful stop: waits (up to `graceMs`) for the calls in flight — queued appends are flushed
   * and answered — then closes every database. Commits are atomic and synchronous, so closing
   * can never cut a write in half; a call still running after the grace period (a long-poll
   * waiting on its timer) fails.
   */
  async close(graceMs = 5_000): Promise<void> {
    if (this.closed) return;
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.closed = true;
    for (const key of [...this.alarmTimers.keys()]) this.disarm(key);
    for (const instance of this.instances.values()) {
      if (instance.idleTimer) clearTimeout(instance.idleTimer);
      instance.storage.close();
    }
    this.instances.clear();
    this.hostStorage.close();
  }

  /** Live instances (for tests and diagnostics). */
  get size(): number {
    return this.instances.size;
  }
}
