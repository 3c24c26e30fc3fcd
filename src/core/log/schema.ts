// The partition object's tables, all of them (docs/ARCHITECTURE.md, "Storage layout"), and the
// migrations of logs created by earlier versions, run once when the object starts. Tables a part
// of the object creates on first use (producer snapshots, a Durable Stream's row, the
// subscriptions object's tables) are defined here too and created by that part.
import type { StoragePort } from "../storage-port.ts";

/** `now` bounds retain_ts for rows stored before the column existed (they were appended before now). */
export function createPartitionSchema(storage: StoragePort, now: number): void {
  const sql = storage.sql;
  // Small columns first: aggregates over them never touch the blob overflow pages.
  sql.exec(`CREATE TABLE IF NOT EXISTS segments (
    base_offset INTEGER PRIMARY KEY, last_offset INTEGER NOT NULL, max_ts INTEGER NOT NULL,
    size INTEGER NOT NULL, batch_count INTEGER NOT NULL, producers TEXT, data BLOB NOT NULL, idx BLOB NOT NULL,
    retain_ts INTEGER)`);
  // Logs created before idempotent producing existed lack the `producers` column.
  const columns = sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('segments')").toArray();
  if (!columns.some((c) => c.name === "producers")) sql.exec("ALTER TABLE segments ADD COLUMN producers TEXT");
  // retain_ts (the timestamp retention trusts: max_ts bounded by the append time) came later; a
  // row stored before was appended before now, so now bounds it (a future max_ts stalls no more).
  if (!columns.some((c) => c.name === "retain_ts")) {
    storage.transactionSync(() => {
      sql.exec("ALTER TABLE segments ADD COLUMN retain_ts INTEGER");
      sql.exec("UPDATE segments SET retain_ts = min(max_ts, ?)", now);
    });
  }
  sql.exec("CREATE TABLE IF NOT EXISTS partition_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
  sql.exec("CREATE TABLE IF NOT EXISTS partition_config (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
}

/** Idempotent producers' periodic snapshot (producer-state.ts), in chunks of up to 512 KiB. */
export const PRODUCER_SNAPSHOT_TABLE = `CREATE TABLE IF NOT EXISTS producer_snapshot (
  chunk INTEGER PRIMARY KEY, through_offset INTEGER NOT NULL, states TEXT NOT NULL)`;

/** The Durable Stream this partition holds, per topic incarnation (core/streams/streams.ts). */
export const DS_STREAM_TABLE = "CREATE TABLE IF NOT EXISTS ds_stream (epoch INTEGER PRIMARY KEY, meta TEXT NOT NULL)";

/**
 * Aborted transactions of this partition (Kafka's .txnindex): one row per abort marker, so an
 * ordinary commit writes none; read_committed reads drop the aborted producer's transactional
 * batches in [first_offset, last_offset]. Trimmed with the log start (retention, delete-records).
 */
export const TXN_ABORTED_TABLE = `CREATE TABLE IF NOT EXISTS txn_aborted (
  last_offset INTEGER PRIMARY KEY, producer_id INTEGER NOT NULL, first_offset INTEGER NOT NULL)`;
