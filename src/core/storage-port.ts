// The storage port the core talks to. It is shaped exactly like the SQLite-backed Durable Object
// storage (`ctx.storage.sql`, `transactionSync`, `sync`) so the Worker passes `ctx.storage` as is,
// and the standalone hosts implement the same three members over node:sqlite / bun:sqlite.

export type SqlValue = string | number | null | ArrayBuffer | Uint8Array;

export interface SqlCursor<T> extends Iterable<T> {
  toArray(): T[];
  one(): T;
  readonly rowsRead: number;
  readonly rowsWritten: number;
}

export interface SqlPort {
  exec<T extends Record<string, SqlValue>>(query: string, ...bindings: unknown[]): SqlCursor<T>;
}

export interface StoragePort {
  readonly sql: SqlPort;
  /** Runs `fn` in one SQLite transaction: all of it commits, or none of it does. */
  transactionSync<T>(fn: () => T): T;
  /** Resolves once every write issued so far is durable (Durable Objects: `storage.sync()`). */
  sync(): Promise<void>;
}

/** SQLite hands blobs back as ArrayBuffer (Durable Objects) or Uint8Array (node:sqlite, bun:sqlite). */
export function blobBytes(value: SqlValue): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new TypeError(`expected a blob column, got ${value === null ? "null" : typeof value}`);
}
