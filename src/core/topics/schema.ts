// The cluster object's tables, all of them: topic metadata (registry.ts), the topic epoch
// counter, producer ids (producer-registry.ts) and the API key listing (core/keys/registry.ts).
// Each part creates its own when the object starts.

export const TOPICS_TABLE = `CREATE TABLE IF NOT EXISTS topics (
  name TEXT PRIMARY KEY, partitions INTEGER NOT NULL, epoch INTEGER NOT NULL,
  config TEXT NOT NULL, created_at INTEGER NOT NULL)`;

/** Counters (the last topic epoch), which never go back. */
export const CLUSTER_META_TABLE = "CREATE TABLE IF NOT EXISTS cluster_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)";

export const PRODUCERS_TABLE = `CREATE TABLE IF NOT EXISTS producers (
  producer_id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, epoch INTEGER NOT NULL)`;

/** The keys' listing for the admin API: no hashes (those live in each key's own object). */
export const API_KEYS_TABLE = `CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, grants TEXT NOT NULL, quotas TEXT NOT NULL,
  created_at INTEGER NOT NULL, rotated_at INTEGER, revoked_at INTEGER)`;
