// Log lifecycle, run by the partition object in the background (alarms) or on an admin call:
// retention by time and size (whole segment rows, oldest first, as Kafka deletes whole segments),
// delete-records (the log start offset moves up), and merging small rows into ~1 MiB segments so
// reads cost few rows however small the produce requests were. Each step is one transaction.
import type { LogCore } from "../batch/log-core.ts";
import { SEGMENT_TARGET_BYTES } from "../limits.ts";
import { blobBytes, type SqlValue, type StoragePort } from "../storage-port.ts";
import { checkRow } from "./segment-reader.ts";
import { CorruptRowError } from "../errors.ts";
import { effectiveConfig, type TopicConfig } from "../topics/config.ts";

export interface LogConfig {
  /** Delete segments whose newest record is older than this; -1 keeps forever. */
  retentionMs: number;
  /** Delete oldest segments while the partition holds more than this; -1: no limit. */
  retentionBytes: number;
  cleanupPolicy: string;
  deleteRetentionMs: number;
  /** max.message.bytes: the largest batch an append may carry. */
  maxMessageBytes: number;
  /** message.timestamp.before.max.ms / after.max.ms (KIP-937), CreateTime against the broker clock. */
  timestampBeforeMaxMs: number;
  timestampAfterMaxMs: number;
  /** Tiered storage (tiering.ts): remote.storage.enable, local.retention.ms / .bytes (-2: retention's). */
  remoteStorage: boolean;
  localRetentionMs: number;
  localRetentionBytes: number;
}

/** The lifecycle part of a topic's configs, defaults (TOPIC_CONFIGS) filled in. */
export function logConfigFrom(config: TopicConfig): LogConfig {
  const c = effectiveConfig(config);
  return {
    retentionMs: c["retention.ms"] as number,
    retentionBytes: c["retention.bytes"] as number,
    cleanupPolicy: c["cleanup.policy"] as string,
    deleteRetentionMs: c["delete.retention.ms"] as number,
    maxMessageBytes: c["max.message.bytes"] as number,
    timestampBeforeMaxMs: c["message.timestamp.before.max.ms"] as number,
    timestampAfterMaxMs: c["message.timestamp.after.max.ms"] as number,
    remoteStorage: c["remote.storage.enable"] === "true",
    localRetentionMs: c["local.retention.ms"] as number,
    localRetentionBytes: c["local.retention.bytes"] as number,
  };
}

export const DEFAULT_LOG_CONFIG: LogConfig = logConfigFrom({});

/** A stored config (partition_config), written before some fields existed: the defaults fill them. */
export function storedLogConfig(json: string): LogConfig {
  return { ...DEFAULT_LOG_CONFIG, ...(JSON.parse(json) as Partial<LogConfig>) };
}

export function sameLogConfig(a: LogConfig, b: LogConfig): boolean {
  return (Object.keys(DEFAULT_LOG_CONFIG) as (keyof LogConfig)[]).every((k) => a[k] === b[k]);
}

/** Rows smaller than this are merged with their neighbours in the background. */
export const SMALL_ROW_BYTES = 256 * 1024;

export interface RowHead extends Record<string, number> {
  base_offset: number;
  last_offset: number;
  max_ts: number;
  size: number;
}

/**
 * Row heads in offset order: only columns stored before the row's blobs. A column after `data` is
 * reached by walking the blob's overflow pages, so selecting `retain_ts` (added after the blobs by
 * ALTER TABLE, and kept last in new tables so both have one layout) read the whole local log on
 * every alarm: retention, merging and tiering each scanned it (issue #20, log size). `retain_ts`
 * is read per row by rowExpired, for the rows max_ts alone cannot decide.
 */
export const ROW_HEADS = "SELECT base_offset, last_offset, max_ts, size FROM segments ORDER BY base_offset";

/**
 * Whether a row is past a time cutoff by its retain_ts (max_ts, but never later than the row's
 * append time, so a record timestamped in the future cannot keep the row forever). Every writer
 * keeps retain_ts ≤ max_ts (segment-writer: min(max_ts, append time); merges: the max of the
 * parts'; compaction: min with the new max_ts; the migration: min(max_ts, now)), so a row whose
 * max_ts is before the cutoff is past it without reading retain_ts; only the others read it.
 */
export function rowExpired(storage: StoragePort, row: RowHead, cutoff: number): boolean {
  if (row.max_ts < cutoff) return true;
  if (cutoff === -Infinity) return false;
  const at = storage.sql
    .exec<{ retain_ts: number }>("SELECT coalesce(retain_ts, max_ts) AS retain_ts FROM segments WHERE base_offset = ?", row.base_offset)
    .toArray()[0];
  return at !== undefined && at.retain_ts < cutoff;
}

export interface Trim {
  rowsDeleted: number;
  bytesDeleted: number;
  rowsWritten: number;
  /** The first offset still in the log after the trim. */
  logStartOffset: number;
}

/**
 * Retention: with `cleanup.policy` including `delete`, deletes the oldest rows while their newest
 * record is past `retention.ms`, or while the partition exceeds `retention.bytes`. Stops at the
 * first row that may stay, so the log stays a contiguous range of offsets.
 */
export function applyRetention(
  storage: StoragePort,
  config: LogConfig,
  now: number,
  totals: { bytes: number },
  beforeCommit: () => number,
): Trim {
  const trim: Trim = { rowsDeleted: 0, bytesDeleted: 0, rowsWritten: 0, logStartOffset: -1 };
  if (!config.cleanupPolicy.includes("delete")) return trim;
  if (config.retentionMs < 0 && config.retentionBytes < 0) return trim;
  const cutoff = config.retentionMs >= 0 ? now - config.retentionMs : -Infinity;
  let bytes = totals.bytes;
  const doomed: RowHead[] = [];
  for (const row of storage.sql.exec<RowHead>(ROW_HEADS).toArray()) {
    const oversize = config.retentionBytes >= 0 && bytes > config.retentionBytes;
    if (!oversize && !rowExpired(storage, row, cutoff)) break;
    doomed.push(row);
    bytes -= row.size;
  }
  if (doomed.length === 0) return trim;
  const last = doomed[doomed.length - 1]!;
  storage.transactionSync(() => {
    trim.rowsWritten += storage.sql.exec("DELETE FROM segments WHERE base_offset <= ?", last.base_offset).rowsWritten;
    trim.rowsWritten += setLogStart(storage, last.last_offset + 1);
    trim.rowsWritten += beforeCommit();
  });
  trim.rowsDeleted = doomed.length;
  trim.bytesDeleted = doomed.reduce((n, r) => n + r.size, 0);
  trim.logStartOffset = last.last_offset + 1;
  return trim;
}

function setLogStart(storage: StoragePort, offset: number): number {
  return storage.sql.exec("INSERT OR REPLACE INTO partition_meta (key, value) VALUES ('log_start_offset', ?)", offset).rowsWritten;
}

/**
 * Kafka's DeleteRecords: the log start offset becomes `before`; rows wholly below it are deleted.
 * A row straddling it stays (its earlier records are no longer served: reads start at the log
 * start offset).
 */
export function deleteBefore(storage: StoragePort, before: number, beforeCommit: () => number): Trim {
  const trim: Trim = { rowsDeleted: 0, bytesDeleted: 0, rowsWritten: 0, logStartOffset: before };
  storage.transactionSync(() => {
    const gone = storage.sql
      .exec<{ n: number; bytes: number }>(
        "SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM segments WHERE last_offset < ?",
        before,
      )
      .one();
    trim.rowsDeleted = gone.n;
    trim.bytesDeleted = gone.bytes;
    if (gone.n > 0) trim.rowsWritten += storage.sql.exec("DELETE FROM segments WHERE last_offset < ?", before).rowsWritten;
    trim.rowsWritten += setLogStart(storage, before);
    trim.rowsWritten += beforeCommit();
  });
  return trim;
}

interface FullRow extends Record<string, SqlValue> {
  base_offset: number;
  last_offset: number;
  max_ts: number;
  retain_ts: number;
  size: number;
  batch_count: number;
  producers: string | null;
  data: ArrayBuffer | Uint8Array;
  idx: ArrayBuffer | Uint8Array;
}

export interface Merge {
  rowsBefore: number;
  rowsAfter: number;
  rowsWritten: number;
}

/**
 * Merges runs of consecutive small rows into rows of up to SEGMENT_TARGET_BYTES, rebuilding the
 * index in WASM. Idempotent producers' state in the `producers` column is merged in log order
 * (later rows win per producer). The caller snapshots producer state in the same transaction,
 * since a merged row may straddle the previous snapshot.
 */
export function mergeSmallRows(storage: StoragePort, core: LogCore, beforeCommit: () => number): Merge {
  const heads = storage.sql.exec<RowHead>(ROW_HEADS).toArray();
  const runs: RowHead[][] = [];
  let run: RowHead[] = [];
  let runBytes = 0;
  const close = () => {
    if (run.length >= 2) runs.push(run);
    run = [];
    runBytes = 0;
  };
  for (const h of heads) {
    if (h.size >= SMALL_ROW_BYTES || runBytes + h.size > SEGMENT_TARGET_BYTES) close();
    if (h.size < SMALL_ROW_BYTES) {
      run.push(h);
      runBytes += h.size;
    }
  }
  close();
  const merge: Merge = { rowsBefore: heads.length, rowsAfter: heads.length, rowsWritten: 0 };
  if (runs.length === 0) return merge;
  storage.transactionSync(() => {
    for (const r of runs) {
      const first = r[0]!.base_offset;
      const last = r[r.length - 1]!.base_offset;
      const rows = storage.sql
        .exec<FullRow>(
          "SELECT base_offset, last_offset, max_ts, coalesce(retain_ts, max_ts) AS retain_ts, size, batch_count, producers, data, idx FROM segments WHERE base_offset BETWEEN ? AND ? ORDER BY base_offset",
          first,
          last,
        )
        .toArray();
      for (const row of rows) {
        const bad = checkRow(core, row);
        if (bad) throw new CorruptRowError(bad.error.message);
      }
      const size = rows.reduce((n, row) => n + row.size, 0);
      const data = new Uint8Array(size);
      let at = 0;
      const producers: Record<string, unknown> = {};
      for (const row of rows) {
        data.set(blobBytes(row.data), at);
        at += row.size;
        if (row.producers) Object.assign(producers, JSON.parse(row.producers));
      }
      const idx = core.buildIndex(data, first);
      merge.rowsWritten += storage.sql.exec("DELETE FROM segments WHERE base_offset BETWEEN ? AND ?", first, last).rowsWritten;
      merge.rowsWritten += storage.sql.exec(
        "INSERT INTO segments (base_offset, last_offset, max_ts, retain_ts, size, batch_count, producers, data, idx) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        first,
        rows[rows.length - 1]!.last_offset,
        Math.max(...rows.map((row) => row.max_ts)),
        Math.max(...rows.map((row) => row.retain_ts)),
        size,
        rows.reduce((n, row) => n + row.batch_count, 0),
        Object.keys(producers).length ? JSON.stringify(producers) : null,
        data.buffer,
        idx.slice().buffer,
      ).rowsWritten;
      merge.rowsAfter -= rows.length - 1;
    }
    merge.rowsWritten += beforeCommit();
  });
  return merge;
}
