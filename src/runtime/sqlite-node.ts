// node:sqlite (Node ≥ 22.5, and Deno ≥ 2.2, which implements the same module) as a SqliteDriver.
// The Deno host uses this file too: one binding, one set of behaviours, no npm or jsr SQLite.
import { DatabaseSync } from "node:sqlite";
import type { OpenDatabase, Row, SqliteDriver } from "./sqlite-driver.ts";

type Param = null | number | bigint | string | Uint8Array;

export const openNodeDatabase: OpenDatabase = (path): SqliteDriver => {
  const db = new DatabaseSync(path);
  return {
    exec: (sql) => db.exec(sql),
    prepare(sql) {
      const stmt = db.prepare(sql);
      return {
        returnsRows: stmt.columns().length > 0,
        run: (params) => ({ changes: Number(stmt.run(...(params as Param[])).changes) }),
        all: (params) => stmt.all(...(params as Param[])) as Row[],
        iterate: (params) => stmt.iterate(...(params as Param[])) as IterableIterator<Row>,
      };
    },
    close: () => db.close(),
  };
};
