// The cluster object's tables, all of them: topic metadata (registry.ts), the topic epoch
// counter, producer ids (producer-registry.ts) and the API key listing (core/keys/registry.ts).
// Each part creates its own when the object starts.
import type { SqlPort } from "../storage-port.ts";

export const TOPICS_TABLE = `CREATE TABLE IF NOT EXISTS topics (
  name TEXT PRIMARY KEY, partitions INTEGER NOT NULL, epoch INTEGER NOT NULL,
  config TEXT NOT NULL, created_at INTEGER NOT NULL, config_revision INTEGER NOT NULL DEFAULT 0)`;

/**
 * config_revision counts the topic's config changes (registry.ts updateConfig); partitions keep
 * the revision of the config they hold and ignore an older one (PartitionLog.applyConfig). Topics
 * stored before the column existed start at 0, the revision a partition gives a config it stored
 * without one.
 */
export function migrateTopicsTable(sql: SqlPort): void {
  const columns = sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('topics')").toArray();
  if (!columns.some((c) => c.name === "config_revision"))
    sql.exec("ALTER TABLE topics ADD COLUMN config_revision INTEGER NOT NULL DEFAULT 0");
}

/** Counters (the last topic epoch), which never go back. */
export const CLUSTER_META_TABLE = "CREATE TABLE IF NOT EXISTS cluster_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)";

export const PRODUCERS_TABLE = `CREATE TABLE IF NOT EXISTS producers (
  producer_id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, epoch INTEGER NOT NULL)`;

/** The keys' listing for the admin API: no hashes (those live in each key's own object). */
export const API_KEYS_TABLE = `CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, grants TEXT NOT NULL, quotas TEXT NOT NULL,
  created_at INTEGER NOT NULL, rotated_at INTEGER, revoked_at INTEGER)`;
