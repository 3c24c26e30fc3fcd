// bun:sqlite as a SqliteDriver. `strict: true` binds `?` parameters positionally and refuses
// missing ones, like Durable Object SQLite; integers come back as numbers, blobs as Uint8Array.
import { Database, type Statement } from "bun:sqlite";
import type { OpenDatabase, Row, SqliteDriver } from "./sqlite-driver.ts";

export const openBunDatabase: OpenDatabase = (path): SqliteDriver => {
  const db = new Database(path, { create: true, strict: true });
  // bun:sqlite keeps the file open until every prepared statement is finalized: finalized at close,
  // so a deleted object's file really goes (and its space comes back).
  const statements = new Set<WeakRef<Statement>>();
  return {
    exec: (sql) => void db.run(sql),
    prepare(sql) {
      const stmt = db.prepare(sql);
      statements.add(new WeakRef(stmt));
      if (statements.size > 1024) for (const ref of statements) if (!ref.deref()) statements.delete(ref);
      return {
        returnsRows: stmt.columnNames.length > 0,
        run: (params) => ({ changes: stmt.run(...params).changes }),
        all: (params) => stmt.all(...params) as Row[],
        iterate: (params) => stmt.iterate(...params) as IterableIterator<Row>,
      };
    },
    close: () => {
      for (const ref of statements) ref.deref()?.finalize();
      statements.clear();
      db.close();
    },
  };
};
