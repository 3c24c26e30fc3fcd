// Tiered storage (KIP-405; docs/tiered-storage.md): a partition of a topic with
// `remote.storage.enable` moves its oldest segment rows, byte for byte, to an object store (R2,
// a directory, S3) once they are past `local.retention.ms` / `local.retention.bytes`, and keeps
// their offset range, timestamps and WASM index in `remote_segments`, so a partition can outgrow
// one Durable Object's 10 GB while lookups stay local.
//
// An upload crashing or failing at any step leaves no gap and no duplicate:
//   1. the new object's key is recorded in `remote_garbage` (committed, and synced) first;
//   2. the object is written (a unique key per upload, so it never replaces a live object);
//   3. one transaction inserts the map row, deletes the local row and the garbage entry.
// Before 3 the local row serves reads and the object is garbage; after 3 the object serves them.
// Removing objects (retention, delete-records, a new topic incarnation) is the same in reverse:
// one transaction moves their keys from the map to `remote_garbage`, and a later sweep deletes
// the objects, then the entries. A key in `remote_garbage` is never read.
//
// Garbage is deleted by the maintenance alarm only, so whoever leaves some asks for an alarm soon:
// a failed upload (partition-log.ts, tierStep), retention and delete-records, and a partition
// opened with garbage from an upload a crash or restart cut short (PartitionLog.open). Before
// the last was added, a restarted standalone host left such objects until an alarm came: the one
// armed before the crash reached the object before any call had opened its log (and was dropped),
// and the next append asked for the normal interval, a minute later (issue #20).
//
// A sweep never deletes the entry of an object an upload may still write (`writing`): were the
// entry gone and the object written afterwards, nothing would name it (an orphan). One Tiering
// never sweeps during its own upload (`running`); the registry covers a second Tiering on the
// same database, which the hosts do not make (one PartitionLog per object) but a replaced log
// could. It is kept per database handle (the port's `sql`), so a restart's new connection, whose
// process wrote nothing yet, starts with none.
import type { LogCore } from "../batch/log-core.ts";
import { readBatchHeader } from "../batch/record-batch.ts";
import type { ObjectStore } from "../objectstore/port.ts";
import { blobBytes, type SqlValue, type StoragePort } from "../storage-port.ts";
import { checkRow } from "./segment-reader.ts";
import { type LogConfig, ROW_HEADS, type RowHead, rowExpired } from "./retention.ts";

export const REMOTE_TABLES = [
  `CREATE TABLE IF NOT EXISTS remote_segments (
    base_offset INTEGER PRIMARY KEY, last_offset INTEGER NOT NULL, first_ts INTEGER NOT NULL, max_ts INTEGER NOT NULL,
    retain_ts INTEGER NOT NULL, size INTEGER NOT NULL, batch_count INTEGER NOT NULL, object_key TEXT NOT NULL, idx BLOB NOT NULL)`,
  "CREATE TABLE IF NOT EXISTS remote_garbage (object_key TEXT PRIMARY KEY)",
  // Offsets by timestamp (rowForTimestamp): the first object holding a timestamp at or after T.
  "CREATE INDEX IF NOT EXISTS remote_segments_by_ts ON remote_segments (max_ts, last_offset)",
];

/** At most this much is uploaded per alarm; a backlog re-arms the alarm at once (bounded work per alarm). */
export const UPLOAD_BYTES_PER_ALARM = 32 * 1024 * 1024;
/** Objects written at once (one garbage commit, one sync and one map commit per group). */
const UPLOAD_PARALLEL = 8;
/** Objects deleted per alarm, at most. */
const SWEEP_PER_ALARM = 1000;
/** Per database connection, keys of uploads whose puts have not settled: never swept (header comment). */
const writingBy = new WeakMap<object, Set<string>>();

export interface RemoteRow extends Record<string, SqlValue> {
  base_offset: number;
  last_offset: number;
  object_key: string;
  size: number;
  idx: ArrayBuffer | Uint8Array;
}

export interface RemoteTotals {
  rows: number;
  bytes: number;
  /** First and last offsets held remotely (-1 when none). */
  first: number;
  last: number;
  firstTs: number | null;
}

/** Local retention as Kafka defines it: -2 means "the same as retention.ms / retention.bytes". */
export function localLimits(config: LogConfig): { ms: number; bytes: number } {
  return {
    ms: config.localRetentionMs === -2 ? config.retentionMs : config.localRetentionMs,
    bytes: config.localRetentionBytes === -2 ? config.retentionBytes : config.localRetentionBytes,
  };
}

export function tieringEnabled(config: LogConfig): boolean {
  // Compacted topics are not tiered (as in Kafka: KIP-405 leaves them out).
  return config.remoteStorage && !config.cleanupPolicy.includes("compact");
}

export class Tiering {
  totals: RemoteTotals = { rows: 0, bytes: 0, first: -1, last: -1, firstTs: null };
  /** "<topic>/<partition>", learnt from the first call that names it (the object is not told its name). */
  name: string | undefined;
  private running = false;
  /** Keys being written by an upload on this database (shared by every Tiering on it). */
  private readonly writing: Set<string>;
  private readonly storage: StoragePort;
  private readonly core: LogCore;
  readonly store: ObjectStore | undefined;

  constructor(storage: StoragePort, core: LogCore, store: ObjectStore | undefined) {
    this.storage = storage;
    this.core = core;
    this.store = store;
    let writing = writingBy.get(storage.sql);
    if (!writing) writingBy.set(storage.sql, (writing = new Set()));
    this.writing = writing;
    for (const t of REMOTE_TABLES) storage.sql.exec(t);
    this.name = storage.sql.exec<{ value: string }>("SELECT value FROM partition_config WHERE key = 'tier_name'").toArray()[0]?.value;
    this.load();
  }

  /**
   * The partition's name from a call that carries it, kept in partition_config: an alarm after a
   * restart uploads before any call has named the object again. Cheap when already known.
   */
  learn(topic: string, partition: number): void {
    if (this.name !== undefined) return;
    this.name = `${topic}/${partition}`;
    this.storage.sql.exec("INSERT OR REPLACE INTO partition_config (key, value) VALUES ('tier_name', ?)", this.name);
  }

  load(): void {
    const t = this.storage.sql
      .exec<{ rows: number; bytes: number; first: number; last: number }>(
        `SELECT count(*) AS rows, coalesce(sum(size), 0) AS bytes, coalesce(min(base_offset), -1) AS first,
                coalesce(max(last_offset), -1) AS last FROM remote_segments`,
      )
      .one();
    const head =
      t.rows > 0
        ? this.storage.sql.exec<{ ts: number }>("SELECT first_ts AS ts FROM remote_segments ORDER BY base_offset LIMIT 1").one().ts
        : null;
    this.totals = { ...t, firstTs: head };
  }

  /** Whether a read from `offset` starts in a remote segment. */
  holds(offset: number): boolean {
    return this.totals.rows > 0 && offset <= this.totals.last;
  }

  /**
   * Remote rows whose records reach `offset` or later, oldest first. The search starts at the row
   * holding `offset` (the last one based at or before it, found through the primary key):
   * `last_offset` has no index, so filtering on it alone scanned the map from its first row, and a
   * read's cost grew with the partition (issue #20: 1.1 ms per read at 37,000 objects).
   */
  rowsFrom(offset: number, limit: number): RemoteRow[] {
    return this.storage.sql
      .exec<RemoteRow>(
        `SELECT base_offset, last_offset, object_key, size, idx FROM remote_segments
         WHERE base_offset >= coalesce((SELECT max(base_offset) FROM remote_segments WHERE base_offset <= ?), -1)
           AND last_offset >= ?
         ORDER BY base_offset LIMIT ?`,
        offset,
        offset,
        limit,
      )
      .toArray();
  }

  /** The first remote row at or after `logStart` holding a timestamp at or after `timestamp`. */
  /**
   * Timestamps need not grow with offsets, so the answer is the lowest base_offset among the rows
   * whose max_ts reaches T. Scanning the map in offset order for it read every object's row when T
   * is recent (or past the remote part, the common ListOffsets case); instead the first 64 rows
   * from the log start are looked at (an old T), then the (max_ts, last_offset) index gives the
   * lowest base_offset among the rows reaching T, without reading the rows themselves.
   */
  rowForTimestamp(timestamp: number, logStart: number): RemoteRow | undefined {
    return this.storage.sql
      .exec<RemoteRow>(
        `SELECT base_offset, last_offset, object_key, size, idx FROM remote_segments WHERE base_offset = coalesce(
           (SELECT base_offset FROM (
              SELECT base_offset, max_ts, last_offset FROM remote_segments
              WHERE base_offset >= coalesce((SELECT max(base_offset) FROM remote_segments WHERE base_offset <= ?), -1)
              ORDER BY base_offset LIMIT 64)
            WHERE max_ts >= ? AND last_offset >= ? LIMIT 1),
           (SELECT min(base_offset) FROM remote_segments INDEXED BY remote_segments_by_ts WHERE max_ts >= ? AND last_offset >= ?))`,
        logStart,
        timestamp,
        logStart,
        timestamp,
        logStart,
      )
      .toArray()[0];
  }

  /**
   * Inside a transaction that moves the log start to `before` (retention, delete-records): the
   * remote segments wholly below it leave the map for the garbage list. Returns rows written.
   */
  dropBefore(before: number): number {
    if (this.totals.rows === 0 || this.totals.first >= before) return 0;
    const sql = this.storage.sql;
    let written = sql.exec(
      "INSERT OR IGNORE INTO remote_garbage (object_key) SELECT object_key FROM remote_segments WHERE last_offset < ?",
      before,
    ).rowsWritten;
    written += sql.exec("DELETE FROM remote_segments WHERE last_offset < ?", before).rowsWritten;
    return written;
  }

  /** Inside the transaction that drops or replaces the log: every remote segment becomes garbage. */
  dropAll(): void {
    if (this.totals.rows === 0) return;
    this.storage.sql.exec("INSERT OR IGNORE INTO remote_garbage (object_key) SELECT object_key FROM remote_segments");
    this.storage.sql.exec("DELETE FROM remote_segments");
  }

  /**
   * Retention over the remote segments (the oldest part of the log): the rows past retention.ms,
   * or while the whole partition holds more than retention.bytes, go, oldest first. Returns the
   * new log start offset, or -1 when nothing went. Called before local retention.
   */
  retention(config: LogConfig, now: number, localBytes: number, beforeCommit: () => number): { logStart: number; rowsWritten: number } {
    const none = { logStart: -1, rowsWritten: 0 };
    if (this.totals.rows === 0 || !config.cleanupPolicy.includes("delete")) return none;
    if (config.retentionMs < 0 && config.retentionBytes < 0) return none;
    const cutoff = config.retentionMs >= 0 ? now - config.retentionMs : -Infinity;
    let bytes = localBytes + this.totals.bytes;
    let lastDoomed = -1;
    for (const row of this.storage.sql.exec<{ last_offset: number; retain_ts: number; size: number }>(
      "SELECT last_offset, retain_ts, size FROM remote_segments ORDER BY base_offset",
    )) {
      const oversize = config.retentionBytes >= 0 && bytes > config.retentionBytes;
      if (row.retain_ts >= cutoff && !oversize) break;
      lastDoomed = row.last_offset;
      bytes -= row.size;
    }
    if (lastDoomed < 0) return none;
    let rowsWritten = 0;
    this.storage.transactionSync(() => {
      rowsWritten += this.dropBefore(lastDoomed + 1);
      rowsWritten += this.storage.sql.exec(
        "INSERT OR REPLACE INTO partition_meta (key, value) VALUES ('log_start_offset', ?)",
        lastDoomed + 1,
      ).rowsWritten;
      rowsWritten += beforeCommit();
    });
    this.load();
    return { logStart: lastDoomed + 1, rowsWritten };
  }

  /**
   * Deletes up to SWEEP_PER_ALARM garbage objects from the store, then their entries; an object
   * an upload on this database is still writing waits for a later sweep.
   */
  async sweep(): Promise<number> {
    if (!this.store) return 0;
    const keys = this.storage.sql
      .exec<{ object_key: string }>("SELECT object_key FROM remote_garbage LIMIT ?", SWEEP_PER_ALARM + this.writing.size)
      .toArray()
      .map((r) => r.object_key)
      .filter((k) => !this.writing.has(k))
      .slice(0, SWEEP_PER_ALARM);
    if (keys.length === 0) return 0;
    await this.store.delete(keys);
    let written = 0;
    this.storage.transactionSync(() => {
      for (const k of keys) written += this.storage.sql.exec("DELETE FROM remote_garbage WHERE object_key = ?", k).rowsWritten;
    });
    return written;
  }

  /** Garbage entries waiting for the sweep (stats). */
  garbage(): number {
    return this.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM remote_garbage").one().n;
  }

  /**
   * Moves local rows past local retention to the store, oldest first, up to UPLOAD_BYTES_PER_ALARM.
   * The newest row always stays local (small rows are still merged into it). `moved` is told of
   * each row that left (the partition's local totals). Returns whether rows past local retention
   * remain (the caller re-arms its alarm at once), and the rows written.
   */
  async upload(
    config: LogConfig,
    now: number,
    epoch: number,
    localBytes: number,
    beforeCommit: () => number,
    moved: (size: number) => void,
  ): Promise<{ backlog: boolean; rowsWritten: number; due: boolean; moved: number }> {
    const out = { backlog: false, rowsWritten: 0, due: false, moved: 0 };
    if (!this.store || this.running) return out;
    this.running = true;
    try {
      // Garbage goes even when nothing is uploaded any more (tiering turned off for the topic).
      out.rowsWritten += await this.sweep();
      if (!this.name || !tieringEnabled(config)) return out;
      const limits = localLimits(config);
      if (limits.ms < 0 && limits.bytes < 0) return out;
      const cutoff = limits.ms >= 0 ? now - limits.ms : -Infinity;
      const heads = this.storage.sql.exec<RowHead>(ROW_HEADS).toArray();
      let bytes = localBytes;
      let budget = UPLOAD_BYTES_PER_ALARM;
      // Rows due, oldest first, in groups of UPLOAD_PARALLEL: one sync and one commit per group.
      const due: typeof heads = [];
      for (let i = 0; i < heads.length - 1; i++) {
        const h = heads[i]!;
        if (!((limits.bytes >= 0 && bytes > limits.bytes) || rowExpired(this.storage, h, cutoff))) break;
        out.due = true;
        if (budget <= 0) {
          out.backlog = true;
          break;
        }
        due.push(h);
        bytes -= h.size;
        budget -= h.size;
      }
      for (let i = 0; i < due.length; i += UPLOAD_PARALLEL) {
        const done = await this.uploadRows(
          due.slice(i, i + UPLOAD_PARALLEL).map((h) => h.base_offset),
          epoch,
          beforeCommit,
        );
        out.rowsWritten += done.written;
        for (const size of done.moved) {
          out.moved++;
          moved(size);
        }
        if (done.stop) break;
      }
    } finally {
      this.running = false;
    }
    return out;
  }

  /**
   * Rows to objects (the three steps in the header comment), the puts in parallel. The commit
   * takes the rows in offset order and stops at the first that cannot move (its put failed, or it
   * changed meanwhile), so the remote part stays the oldest, contiguous part of the log. A failed
   * put is thrown after the others are committed; its object, if any, stays garbage.
   */
  private async uploadRows(
    bases: number[],
    epoch: number,
    beforeCommit: () => number,
  ): Promise<{ written: number; moved: number[]; stop: boolean }> {
    const sql = this.storage.sql;
    const rows: UploadRow[] = [];
    let stop = false;
    for (const base of bases) {
      const row = sql
        .exec<UploadRow>(
          "SELECT base_offset, last_offset, max_ts, coalesce(retain_ts, max_ts) AS retain_ts, size, batch_count, data, idx FROM segments WHERE base_offset = ?",
          base,
        )
        .toArray()[0];
      // A corrupt row is never copied out: it stays local, where reads report it (corrupt_log).
      if (!row || checkRow(this.core, row)) {
        stop = true;
        break;
      }
      rows.push(row);
    }
    let written = 0;
    if (rows.length === 0) return { written, moved: [], stop };
    const keys = rows.map((r) => `${this.name}/${epoch}/${String(r.base_offset).padStart(16, "0")}-${r.last_offset}-${randomHex()}.seg`);
    for (const key of keys) this.writing.add(key);
    let puts: PromiseSettledResult<void>[];
    try {
      this.storage.transactionSync(() => {
        for (const key of keys) written += sql.exec("INSERT INTO remote_garbage (object_key) VALUES (?)", key).rowsWritten;
      });
      await this.storage.sync();
      puts = await Promise.allSettled(
        rows.map((r, i) =>
          this.store!.put(keys[i]!, blobBytes(r.data), { first_offset: String(r.base_offset), last_offset: String(r.last_offset) }),
        ),
      );
    } finally {
      // Every put has settled (or none started): a sweep may take what stays garbage.
      for (const key of keys) this.writing.delete(key);
    }
    const moved: number[] = [];
    const committed: Array<{ row: UploadRow; firstTs: number }> = [];
    this.storage.transactionSync(() => {
      rows.forEach((row, i) => {
        if (moved.length < i || puts[i]!.status !== "fulfilled") return;
        // The row may have changed while the object was written (merged, trimmed, the topic replaced):
        // then the object stays garbage and the row stays local.
        const now = sql
          .exec<{ last_offset: number; size: number }>("SELECT last_offset, size FROM segments WHERE base_offset = ?", row.base_offset)
          .toArray()[0];
        if (!now || now.last_offset !== row.last_offset || now.size !== row.size) return;
        const firstTs = readBatchHeader(blobBytes(row.data), 0).firstTimestamp;
        written += sql.exec(
          `INSERT INTO remote_segments (base_offset, last_offset, first_ts, max_ts, retain_ts, size, batch_count, object_key, idx)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          row.base_offset,
          row.last_offset,
          firstTs,
          row.max_ts,
          row.retain_ts,
          row.size,
          row.batch_count,
          keys[i],
          row.idx,
        ).rowsWritten;
        written += sql.exec("DELETE FROM segments WHERE base_offset = ?", row.base_offset).rowsWritten;
        written += sql.exec("DELETE FROM remote_garbage WHERE object_key = ?", keys[i]).rowsWritten;
        moved.push(row.size);
        committed.push({ row, firstTs });
      });
      if (moved.length > 0) written += beforeCommit();
    });
    // Committed: the totals follow (a transaction that threw changed nothing, and neither do they).
    for (const { row, firstTs } of committed) {
      if (this.totals.rows === 0) this.totals = { rows: 0, bytes: 0, first: row.base_offset, last: row.last_offset, firstTs };
      this.totals.rows++;
      this.totals.bytes += row.size;
      this.totals.last = Math.max(this.totals.last, row.last_offset);
    }
    const failed = puts.find((p) => p.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    return { written, moved, stop: stop || moved.length < rows.length };
  }
}

interface UploadRow extends Record<string, SqlValue> {
  base_offset: number;
  last_offset: number;
  max_ts: number;
  retain_ts: number;
  size: number;
  batch_count: number;
  data: ArrayBuffer | Uint8Array;
  idx: ArrayBuffer | Uint8Array;
}

function randomHex(): string {
  const b = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
