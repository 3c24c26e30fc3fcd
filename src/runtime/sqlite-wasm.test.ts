// The WebAssembly SQLite driver (Node 20's) under the storage port, on real files: the same
// settings as node:sqlite (WAL, exclusive, FULL), commits that survive reopening, lazy reads that
// stop early, empty blobs stored as X'' (not NULL), the second opener refused while the first
// holds the file, and the data-directory claim that clears a crashed owner's lock directories.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openStorage } from "./sqlite-port.ts";
import { claimDataDir, openWasmDatabase } from "./sqlite-wasm.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), "sqlite-wasm-"));
  dirs.push(d);
  return d;
}

describe("SQLite in WebAssembly behind the storage port", () => {
  it("keeps every committed row across a reopen, in WAL mode, with lazy reads and empty blobs", () => {
    const file = join(dir(), "o.sqlite");
    const s = openStorage(openWasmDatabase, file);
    expect(s.sql.exec<{ journal_mode: string }>("PRAGMA journal_mode").one().journal_mode).toBe("wal");
    s.sql.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL)");
    s.transactionSync(() => {
      for (let i = 0; i < 50; i++) s.sql.exec("INSERT INTO t (k, v) VALUES (?, ?)", i, new Uint8Array([i, i + 1]));
    });
    s.sql.exec("INSERT INTO t (k, v) VALUES (?, ?)", 50, new Uint8Array(0));
    expect(() =>
      s.transactionSync(() => {
        s.sql.exec("INSERT INTO t (k, v) VALUES (?, ?)", 51, new Uint8Array([1]));
        throw new Error("rolled back");
      }),
    ).toThrow("rolled back");
    // A read that stops early leaves the statement usable and the next write unblocked.
    for (const row of s.sql.exec<{ k: number }>("SELECT k FROM t ORDER BY k")) if (row.k === 3) break;
    s.sql.exec("INSERT INTO t (k, v) VALUES (?, ?)", 52, new Uint8Array([9]));
    s.close();
    const again = openStorage(openWasmDatabase, file);
    const rows = again.sql.exec<{ k: number; v: Uint8Array }>("SELECT k, v FROM t ORDER BY k").toArray();
    expect(rows.map((r) => r.k)).toEqual([...Array.from({ length: 51 }, (_, i) => i), 52]);
    expect([...rows[7]!.v]).toEqual([7, 8]);
    expect(again.sql.exec<{ t: string; n: number }>("SELECT typeof(v) AS t, length(v) AS n FROM t WHERE k = 50").one()).toEqual({
      t: "blob",
      n: 0,
    });
    again.close();
  });

  it("refuses a second opener while the first holds the file", () => {
    const file = join(dir(), "o.sqlite");
    const first = openStorage(openWasmDatabase, file);
    first.sql.exec("CREATE TABLE t (k INTEGER)");
    expect(() => openStorage(openWasmDatabase, file)).toThrow(/in use by another process/);
    first.close();
    openStorage(openWasmDatabase, file).close();
  });
});

describe("claimDataDir", () => {
  it("refuses a directory another claim holds, and removes lock directories a crashed owner left", async () => {
    const data = dir();
    mkdirSync(join(data, "partition", "t%2F0.sqlite.lock"), { recursive: true });
    mkdirSync(join(data, "host.sqlite.lock"));
    await claimDataDir(data);
    expect(existsSync(join(data, "partition", "t%2F0.sqlite.lock"))).toBe(false);
    expect(existsSync(join(data, "host.sqlite.lock"))).toBe(false);
    await expect(claimDataDir(data)).rejects.toThrow(/in use by another process/);
  });
});
