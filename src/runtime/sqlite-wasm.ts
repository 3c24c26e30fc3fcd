// SQLite for the Node host where node:sqlite is missing (Node 20, and 22 before 22.13 without a
// flag): node-sqlite3-wasm, SQLite compiled to WebAssembly with a file VFS over node:fs, installed
// from npm alone (no native build, no download at install). sqlite-node.ts is used wherever
// node:sqlite exists (serve-node.ts chooses).
//
// Durability, as this VFS implements it: xSync is fsync(2) on the file (fs.fsyncSync), and
// sqlite-port.ts opens every file with locking_mode=EXCLUSIVE, journal_mode=WAL, synchronous=FULL,
// so the WAL is fsynced before each COMMIT returns — the same rule as with node:sqlite. Exclusive
// locking keeps the WAL index in process memory, which this VFS needs (it has no shared memory).
// Differences from the native VFS: the directory is fsynced when a file is deleted but not when
// one is created (a first WAL relies on the filesystem's fsync of a new file, as ext4 and xfs do).
//
// Locks: the VFS locks a file by creating the directory `<file>.lock`, which outlives a crashed
// process. `claimDataDir` therefore takes a lock the kernel releases (a listening Unix socket named
// after the data directory) and, once it holds it, removes the stale `.lock` directories.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import sqliteWasm from "node-sqlite3-wasm";
import type { DriverStatement, OpenDatabase, Row, SqliteDriver } from "./sqlite-driver.ts";

type WasmStatement = InstanceType<typeof sqliteWasm.Statement>;
type Param = null | number | bigint | string | Uint8Array;

// The two members used below that the package's typings leave out (pinned version, package.json).
interface StatementInternals {
  _getColumnNames(): string[];
  _reset(): boolean;
}

/** Statements whose wrapper was collected without the database closing: finalized then (wasm memory is not collected). */
const orphans = new FinalizationRegistry<WasmStatement>((stmt) => {
  if (!stmt.isFinalized && stmt.database.isOpen) stmt.finalize();
});

export const openWasmDatabase: OpenDatabase = (path): SqliteDriver => {
  const db = new sqliteWasm.Database(path);
  const statements = new Set<WeakRef<WasmStatement>>();
  return {
    exec: (sql) => db.exec(sql),
    prepare(sql) {
      const stmt = db.prepare(sql);
      const inner = stmt as unknown as StatementInternals;
      statements.add(new WeakRef(stmt));
      if (statements.size > 1024) for (const ref of statements) if (!ref.deref()) statements.delete(ref);
      const wrapper: DriverStatement = {
        returnsRows: inner._getColumnNames().length > 0,
        run: (params) => ({ changes: stmt.run(params as Param[]).changes }),
        all: (params) => stmt.all(params as Param[]) as Row[],
        iterate: (params) => rows(stmt, inner, params as Param[]),
      };
      orphans.register(wrapper, stmt);
      return wrapper;
    },
    close: () => {
      // A database with unfinalized statements stays open (and locked): finalize them all first.
      for (const ref of statements) {
        const stmt = ref.deref();
        if (stmt && !stmt.isFinalized) stmt.finalize();
      }
      statements.clear();
      db.close();
    },
  };
};

/** Rows stepped lazily; returning early resets the statement, so it holds no read snapshot. */
function* rows(stmt: WasmStatement, inner: StatementInternals, params: Param[]): IterableIterator<Row> {
  try {
    yield* stmt.iterate(params) as IterableIterator<Row>;
  } finally {
    if (!stmt.isFinalized) inner._reset();
  }
}

/**
 * Makes this process the owner of `dataDir` (see the file comment) for as long as it runs: it
 * listens on a Unix socket named after the directory (Linux: in the abstract namespace, so no
 * file is left behind; elsewhere a socket file in the temporary directory). The kernel closes it
 * when the process dies, however it dies, so a second broker on the directory is refused while the
 * first runs and a crashed one never blocks a restart; only then are stale lock directories removed.
 */
export async function claimDataDir(dataDir: string): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  const id = createHash("sha256").update(realpathSync(dataDir)).digest("hex").slice(0, 32);
  const address = process.platform === "linux" ? `\0edgebroker-${id}` : join(tmpdir(), `edgebroker-${id}.sock`);
  if (process.platform !== "linux" && existsSync(address)) {
    if (await answers(address)) throw inUse(dataDir);
    rmSync(address, { force: true });
  }
  await new Promise<void>((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once("error", (err: NodeJS.ErrnoException) => reject(err.code === "EADDRINUSE" ? inUse(dataDir) : err));
    server.listen(address, () => {
      server.unref();
      resolve();
    });
  });
  // Databases sit in the directory itself (the host's) and one level down (<kind>/<name>.sqlite).
  const stale = (dir: string) =>
    readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && e.name.endsWith(".sqlite.lock"));
  for (const entry of stale(dataDir)) rmSync(join(dataDir, entry.name), { recursive: true, force: true });
  for (const kind of readdirSync(dataDir, { withFileTypes: true })) {
    if (!kind.isDirectory() || kind.name.endsWith(".sqlite.lock")) continue;
    for (const entry of stale(join(dataDir, kind.name))) rmSync(join(dataDir, kind.name, entry.name), { recursive: true, force: true });
  }
}

const inUse = (dataDir: string) =>
  new Error(`${dataDir} is in use by another process (is another edgebroker running on this data directory?)`);

function answers(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(address);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
