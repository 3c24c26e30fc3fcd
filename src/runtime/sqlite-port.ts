// The core's StoragePort (src/core/storage-port.ts: `sql.exec`, `transactionSync`, `sync`) over a
// local SQLite file, with the behaviour of Durable Object SQLite storage:
//   - `exec(query, ...bindings)` returns a cursor (`toArray`, `one`, iteration, `rowsRead`,
//     `rowsWritten`). SELECTs step lazily, as on Durable Objects, so a reader that stops early
//     (PartitionLog.collect) never loads the rest of the log; every other statement runs at once.
//   - `transactionSync(fn)` commits all of `fn` or none of it; nested calls are savepoints.
//   - `sync()` resolves once every write issued so far is durable. Durability comes from the
//     database settings below: in WAL mode with `synchronous=FULL` SQLite fsyncs the WAL before
//     COMMIT (or an autocommit statement) returns, so by the time any write has returned it is on
//     disk and `sync()` has nothing left to wait for.
//   - An object that never writes gets no file, as a Durable Object that never writes has no
//     storage: until the first statement that is not a read, a database that did not exist is an
//     empty in-memory one (so invented API key ids or topic names cost no disk), and `deleteAll()`
//     removes the file and returns to that state (ctx.storage.deleteAll()).
//   - ArrayBuffer bindings become Uint8Array (node:sqlite silently binds an ArrayBuffer as NULL);
//     blobs come back as Uint8Array, which the core reads through `blobBytes`.
import { existsSync, rmSync } from "node:fs";
import type { SqlCursor, StoragePort } from "../core/storage-port.ts";
import type { DriverStatement, OpenDatabase, Row, SqliteDriver } from "./sqlite-driver.ts";

/** Statements that only read step lazily; everything else (writes, `… RETURNING`, PRAGMA) runs eagerly. */
const LAZY = /^\s*(SELECT|VALUES)\b/i;
const STATEMENT_CACHE_LIMIT = 256;

export interface SqliteStorage extends StoragePort {
  close(): void;
  /** Deletes every table and the file itself; the next write creates a new one. */
  deleteAll(): void;
}

/**
 * The settings every database file gets (docs/ARCHITECTURE.md, "Standalone hosts"):
 * - `locking_mode=EXCLUSIVE` before WAL: the process holds the file for as long as it is open, so
 *   a second broker on the same data directory fails instead of running a second instance of the
 *   same object; it also keeps the WAL index in process memory (no -shm file).
 * - `journal_mode=WAL`: a commit appends to the WAL, readers never block the writer.
 * - `synchronous=FULL`: the WAL is fsynced at every commit, so an acknowledged write survives a
 *   power cut, not only a process crash (NORMAL would only sync at checkpoints).
 */
export function openStorage(open: OpenDatabase, path: string, options: { createOnWrite?: boolean } = {}): SqliteStorage {
  const file = () => openFile(open, path);
  if (options.createOnWrite && !existsSync(path)) return new SqliteStoragePort(open(":memory:"), path, file, open);
  return new SqliteStoragePort(file(), path, undefined, options.createOnWrite ? open : undefined);
}

function openFile(open: OpenDatabase, path: string): SqliteDriver {
  const db = open(path);
  try {
    db.exec("PRAGMA locking_mode=EXCLUSIVE");
    const mode = db.prepare("PRAGMA journal_mode=WAL").all([])[0]?.journal_mode;
    if (mode !== "wal") throw new Error(`could not switch ${path} to WAL mode (got ${String(mode)})`);
    db.exec("PRAGMA synchronous=FULL");
    // Take the exclusive lock now: a second process on the same file fails here, at start.
    db.exec("BEGIN IMMEDIATE; COMMIT");
  } catch (err) {
    db.close();
    if (/locked|busy/i.test(String(err))) {
      throw new Error(`${path} is in use by another process (is another edgebroker running on this data directory?)`, { cause: err });
    }
    throw err;
  }
  return db;
}

/**
 * A zero-length blob whose view points into a real allocation. node:sqlite binds a view with no
 * backing memory (e.g. `new Uint8Array(new ArrayBuffer(0))`, what `.slice().buffer` of an empty
 * array gives) as NULL instead of an empty blob, which broke every NOT NULL blob column (a
 * compacted-empty segment); Bun, Deno and Durable Objects store X''. Every empty blob is bound as
 * this view, so every host stores the same value.
 */
const EMPTY_BLOB = new Uint8Array(new ArrayBuffer(8), 8, 0);

function bind(bindings: unknown[]): unknown[] {
  return bindings.map((v) => {
    if (v instanceof ArrayBuffer) return v.byteLength === 0 ? EMPTY_BLOB : new Uint8Array(v);
    if (ArrayBuffer.isView(v)) {
      if (v.byteLength === 0) return EMPTY_BLOB;
      if (!(v instanceof Uint8Array)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    }
    return v;
  });
}

class Cursor<T> implements SqlCursor<T> {
  rowsRead = 0;
  rowsWritten = 0;
  private readonly rows: Iterator<Row>;

  constructor(rows: Iterator<Row>, rowsWritten = 0) {
    this.rows = rows;
    this.rowsWritten = rowsWritten;
  }

  next(): IteratorResult<T> {
    const step = this.rows.next();
    if (!step.done) this.rowsRead++;
    return step as IteratorResult<T>;
  }

  [Symbol.iterator](): Iterator<T> {
    return {
      next: () => this.next(),
      return: (value?: unknown) => {
        this.rows.return?.();
        return { done: true, value: value as T };
      },
    };
  }

  toArray(): T[] {
    const out: T[] = [];
    for (let step = this.next(); !step.done; step = this.next()) out.push(step.value);
    return out;
  }

  one(): T {
    const rows = this.toArray();
    if (rows.length !== 1) throw new Error(`expected exactly one row from the query, got ${rows.length}`);
    return rows[0]!;
  }
}

class SqliteStoragePort implements SqliteStorage {
  readonly sql: StoragePort["sql"];
  private db: SqliteDriver;
  private readonly path: string;
  /** Set while the database is the empty in-memory stand-in: opens the file at the first write. */
  private materialize: (() => SqliteDriver) | undefined;
  /** For deleteAll: how to get a new in-memory stand-in (absent: the file is never removed). */
  private readonly open: OpenDatabase | undefined;
  private readonly statements = new Map<string, DriverStatement>();
  /** Statements prepared on an earlier database (before materializing) are never cached again. */
  private current = new WeakSet<DriverStatement>();
  private depth = 0;
  private closed = false;

  constructor(db: SqliteDriver, path: string, materialize?: () => SqliteDriver, open?: OpenDatabase) {
    this.db = db;
    this.path = path;
    this.materialize = materialize;
    this.open = open;
    this.sql = { exec: (query, ...bindings) => this.exec(query, bindings) };
  }

  /** Before a statement that may write: the file, if the database was only the stand-in so far. */
  private writable(): void {
    if (!this.materialize || this.closed) return;
    const db = this.materialize();
    this.materialize = undefined;
    // Not closed: a lazy cursor may still be stepping through it; it holds nothing and is collected.
    this.statements.clear();
    this.current = new WeakSet();
    this.db = db;
  }

  private statement(query: string): DriverStatement {
    let stmt = this.statements.get(query);
    if (stmt) {
      this.statements.delete(query);
    } else {
      if (this.closed) throw new Error(`database ${this.path} is closed`);
      stmt = this.db.prepare(query);
      this.current.add(stmt);
    }
    return stmt;
  }

  private release(query: string, stmt: DriverStatement): void {
    if (this.closed || this.statements.has(query) || !this.current.has(stmt)) return;
    if (this.statements.size >= STATEMENT_CACHE_LIMIT) this.statements.delete(this.statements.keys().next().value!);
    this.statements.set(query, stmt);
  }

  private exec<T>(query: string, bindings: unknown[]): SqlCursor<T> {
    if (!LAZY.test(query)) this.writable();
    const stmt = this.statement(query);
    const params = bind(bindings);
    if (!stmt.returnsRows) {
      try {
        return new Cursor<T>([][Symbol.iterator](), stmt.run(params).changes);
      } finally {
        this.release(query, stmt);
      }
    }
    if (!LAZY.test(query)) {
      try {
        const rows = stmt.all(params);
        return new Cursor<T>(rows[Symbol.iterator](), /^\s*PRAGMA\b/i.test(query) ? 0 : rows.length);
      } finally {
        this.release(query, stmt);
      }
    }
    // A lazy cursor owns its statement until it is drained or closed; meanwhile another exec of
    // the same query prepares its own, so two open cursors never share (and reset) one statement.
    const rows = stmt.iterate(params);
    let open = true;
    const finish = () => {
      if (!open) return;
      open = false;
      this.release(query, stmt);
    };
    return new Cursor<T>({
      next: () => {
        const step = rows.next();
        if (step.done) finish();
        return step;
      },
      return: () => {
        rows.return?.();
        finish();
        return { done: true, value: undefined };
      },
    });
  }

  transactionSync<T>(fn: () => T): T {
    if (this.depth === 0) this.writable();
    const savepoint = `tx${this.depth}`;
    this.db.exec(this.depth === 0 ? "BEGIN IMMEDIATE" : `SAVEPOINT ${savepoint}`);
    this.depth++;
    let result: T;
    try {
      result = fn();
    } catch (err) {
      this.depth--;
      this.db.exec(this.depth === 0 ? "ROLLBACK" : `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`);
      throw err;
    }
    this.depth--;
    this.db.exec(this.depth === 0 ? "COMMIT" : `RELEASE ${savepoint}`);
    return result;
  }

  sync(): Promise<void> {
    // synchronous=FULL: every commit that has returned is already fsynced (see the file comment).
    return this.closed ? Promise.reject(new Error(`database ${this.path} is closed`)) : Promise.resolve();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.statements.clear();
    this.db.close();
  }

  deleteAll(): void {
    if (this.closed) throw new Error(`database ${this.path} is closed`);
    if (this.depth > 0) throw new Error("deleteAll() inside a transaction");
    if (this.materialize) return; // nothing was ever written
    if (!this.open) throw new Error(`database ${this.path} cannot be deleted (opened without createOnWrite)`);
    this.statements.clear();
    this.current = new WeakSet();
    this.db.close();
    // Closing the last connection checkpoints and removes the WAL; remove whatever is left.
    for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(this.path + suffix, { force: true });
    const open = this.open;
    this.db = open(":memory:");
    this.materialize = () => openFile(open, this.path);
  }
}
