// The little a SQLite binding has to offer for the storage port (sqlite-port.ts): prepare a
// statement, run it eagerly or step through its rows lazily, and execute plain SQL. node:sqlite
// (Node, Deno) and bun:sqlite (Bun) each implement it in a few lines (sqlite-node.ts,
// sqlite-bun.ts); everything Durable-Object-shaped is built once on top of it.

export type Row = Record<string, unknown>;

export interface DriverStatement {
  /** True when the statement produces rows (SELECT, PRAGMA, … RETURNING). */
  readonly returnsRows: boolean;
  run(params: unknown[]): { changes: number };
  all(params: unknown[]): Row[];
  /** Steps through the rows lazily; `return()` on the iterator resets the statement. */
  iterate(params: unknown[]): IterableIterator<Row>;
}

export interface SqliteDriver {
  /** Runs SQL without bindings or results (schema, PRAGMA, BEGIN/COMMIT). */
  exec(sql: string): void;
  prepare(sql: string): DriverStatement;
  close(): void;
}

/** Opens (creating if needed) the database file at `path`. */
export type OpenDatabase = (path: string) => SqliteDriver;
