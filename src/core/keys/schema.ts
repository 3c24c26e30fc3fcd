// The key object's one table (one row: the key), created by service.ts's create() only, so the object
// of an id that was never created has no storage.

export const API_KEY_TABLE = `CREATE TABLE IF NOT EXISTS api_key (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, grants TEXT NOT NULL, quotas TEXT NOT NULL,
  salt TEXT NOT NULL, hash TEXT NOT NULL, previous_hash TEXT, previous_until INTEGER,
  created_at INTEGER NOT NULL, rotated_at INTEGER, revoked_at INTEGER)`;
