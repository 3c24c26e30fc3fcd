// Log compaction (cleanup.policy=compact, Kafka's LogCleaner): keep at least the latest record of
// every key. The scan and the rewrite of segments run in WASM (LogCore.scanRecords /
// rewriteSegment); this file holds the policy:
// - the newest row is the "active segment" and is never rewritten (its records still count as the
//   latest of their keys);
// - a record stays when it is the latest of its key, or has a null key (Kafka refuses those on
//   compacted topics; we keep them rather than lose data);
// - a tombstone (null value) that is the latest of its key is removed once its timestamp is older
//   than delete.retention.ms, so consumers had that long to see the delete;
// - offsets never change: batches keep their base offsets and offset deltas, rows keep
//   base_offset/last_offset even when a rewrite empties them (merging folds empty rows away later).
// Rows with compressed batches are scanned and rewritten through src/core/compression/compaction.ts.
// Transactions (aborted records, markers, the last stable offset): src/core/log/compaction-txn.ts.
// All rewrites happen in one transaction: an interrupted run (eviction) leaves the log as it was,
// and the next alarm starts over.
import type { LogCore } from "../batch/log-core.ts";
import { RECORD_NULL_KEY, RECORD_NULL_VALUE } from "../batch/log-core.ts";
import { rewriteSegment, scanSegment } from "../compression/compaction.ts";
import type { LogConfig } from "./retention.ts";
import { blobBytes, type SqlValue, type StoragePort } from "../storage-port.ts";
import { checkRow } from "./segment-reader.ts";
import { CorruptRowError } from "../errors.ts";
import { batchesOf, TxnRules, type TxnView } from "./compaction-txn.ts";

export interface Compaction {
  rowsRewritten: number;
  recordsRemoved: number;
  bytesBefore: number;
  bytesAfter: number;
  rowsWritten: number;
  /** Abort markers removed (no record of their transaction left, older than delete.retention.ms). */
  abortMarkersDropped: number[];
}

interface Row extends Record<string, SqlValue> {
  base_offset: number;
  last_offset: number;
  data: ArrayBuffer | Uint8Array;
  idx: ArrayBuffer | Uint8Array;
}

/** 16 hash bytes → an 8-character string key (cheaper in a Map than hex). */
function hashKey(hashes: Uint8Array, i: number): string {
  let s = "";
  for (let k = i * 16; k < i * 16 + 16; k += 2) s += String.fromCharCode(hashes[k]! | (hashes[k + 1]! << 8));
  return s;
}

/**
 * `txn`: the partition's transactions (compaction-txn.ts); without it the log is taken to hold
 * none (every offset stable, nothing aborted). `removeAborted` deletes the aborted-index rows of
 * abort markers compaction dropped, inside the rewrite's transaction.
 */
export function compactLog(
  storage: StoragePort,
  core: LogCore,
  config: LogConfig,
  now: number,
  txn: TxnView & { removeAborted?: (markerOffsets: number[]) => number } = { lastStableOffset: Infinity, aborted: [] },
): Compaction {
  const result: Compaction = {
    rowsRewritten: 0,
    recordsRemoved: 0,
    bytesBefore: 0,
    bytesAfter: 0,
    rowsWritten: 0,
    abortMarkersDropped: [],
  };
  if (!config.cleanupPolicy.includes("compact")) return result;
  const rows = storage.sql.exec<Row>("SELECT base_offset, last_offset, data, idx FROM segments ORDER BY base_offset").toArray();
  if (rows.length < 2) return result;
  const scans = rows.map((r) => {
    try {
      return scanSegment(core, blobBytes(r.data));
    } catch (err) {
      throw new CorruptRowError(`stored segment at offset ${r.base_offset}: ${(err as Error).message}`);
    }
  });
  const rules = new TxnRules(txn);
  const lso = rules.lastStableOffset;
  const batches = rows.map((r) => batchesOf(blobBytes(r.data)));
  // Pass 1: the latest offset of every key, over the whole log including the active segment, up
  // to the last stable offset, leaving out aborted records and markers.
  const latest = new Map<string, number>();
  scans.forEach((scan, r) => {
    for (const b of batches[r]!) {
      if (b.control || rules.aborted(b)) continue;
      for (let i = b.first; i < b.first + b.count; i++) {
        if (scan.offsets[i]! < lso && !(scan.flags[i]! & RECORD_NULL_KEY)) latest.set(hashKey(scan.keyHashes, i), scan.offsets[i]!);
      }
    }
  });
  // Pass 2: the masks of every row but the active one and those reaching the last stable offset.
  const tombstoneHorizon = now - config.deleteRetentionMs;
  const keeps = rows.map((row, r): Uint8Array | undefined => {
    if (r === rows.length - 1 || row.last_offset >= lso) return undefined;
    const scan = scans[r]!;
    const keep = new Uint8Array(scan.count);
    for (const b of batches[r]!) {
      const dead = rules.aborted(b);
      for (let i = b.first; i < b.first + b.count; i++) {
        const flags = scan.flags[i]!;
        const stays =
          b.control ||
          (!dead &&
            (flags & RECORD_NULL_KEY
              ? true
              : latest.get(hashKey(scan.keyHashes, i)) === scan.offsets[i] &&
                !(flags & RECORD_NULL_VALUE && scan.timestamps[i]! < tombstoneHorizon)));
        keep[i] = stays ? 1 : 0;
      }
    }
    return keep;
  });
  const droppedAborts = rules.dropMarkers(batches, keeps, tombstoneHorizon);
  const rewrites: Array<{ base: number; data: Uint8Array; removed: number; before: number }> = [];
  keeps.forEach((keep, r) => {
    if (!keep) return;
    const removed = keep.reduce((n, k) => n + (k ? 0 : 1), 0);
    if (removed === 0) return;
    // A row is rewritten only when it passes the reader's checks (offsets against the row and
    // index): a corrupt one stops the run before anything changes (PartitionLog.maintain records it).
    const bad = checkRow(core, rows[r]!);
    if (bad) throw new CorruptRowError(bad.error.message);
    const before = blobBytes(rows[r]!.data);
    rewrites.push({ base: rows[r]!.base_offset, data: rewriteSegment(core, before, keep), removed, before: before.length });
  });
  if (rewrites.length === 0) return result;
  storage.transactionSync(() => {
    if (droppedAborts.length > 0 && txn.removeAborted) result.rowsWritten += txn.removeAborted(droppedAborts);
    for (const w of rewrites) {
      const idx = core.buildIndex(w.data, w.base);
      const maxTs = w.data.length > 0 ? Math.max(...Array.from(scanSegment(core, w.data).timestamps)) : 0;
      result.rowsWritten += storage.sql.exec(
        "UPDATE segments SET data = ?, idx = ?, size = ?, batch_count = ?, max_ts = ?, retain_ts = min(coalesce(retain_ts, max_ts), ?) WHERE base_offset = ?",
        w.data.slice().buffer,
        idx.slice().buffer,
        w.data.length,
        idx.length / 16,
        maxTs,
        maxTs,
        w.base,
      ).rowsWritten;
      result.rowsRewritten++;
      result.recordsRemoved += w.removed;
      result.bytesBefore += w.before;
      result.bytesAfter += w.data.length;
    }
  });
  result.abortMarkersDropped = droppedAborts;
  return result;
}
