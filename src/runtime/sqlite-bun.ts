// bun:sqlite as a SqliteDriver. `strict: true` binds `?` parameters positionally and refuses
// missing ones, like Durable Object SQLite; integers come back as numbers, blobs as Uint8Array.
import { Database } from "bun:sqlite";
import type { OpenDatabase, Row, SqliteDriver } from "./sqlite-driver.ts";

export const openBunDatabase: OpenDatabase = (path): SqliteDriver => {
  const db = new Database(path, { create: true, strict: true });
  return {
    exec: (sql) => void db.run(sql),
    prepare(sql) {
      const stmt = db.prepare(sql);
      return {
        returnsRows: stmt.columnNames.length > 0,
        run: (params) => ({ changes: stmt.run(...params).changes }),
        all: (params) => stmt.all(...params) as Row[],
        iterate: (params) => stmt.iterate(...params) as IterableIterator<Row>,
      };
    },
    close: () => db.close(),
  };
};
