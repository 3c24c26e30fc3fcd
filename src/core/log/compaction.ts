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
// All rewrites happen in one transaction: an interrupted run (eviction) leaves the log as it was,
// and the next alarm starts over.
import type { LogCore } from "../batch/log-core.ts";
import { RECORD_NULL_KEY, RECORD_NULL_VALUE } from "../batch/log-core.ts";
import type { LogConfig } from "./retention.ts";
import { blobBytes, type SqlValue, type StoragePort } from "../storage-port.ts";
import { checkRow } from "./segment-reader.ts";
import { CorruptRowError } from "../errors.ts";

export interface Compaction {
  rowsRewritten: number;
  recordsRemoved: number;
  bytesBefore: number;
  bytesAfter: number;
  rowsWritten: number;
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

export function compactLog(storage: StoragePort, core: LogCore, config: LogConfig, now: number): Compaction {
  const result: Compaction = { rowsRewritten: 0, recordsRemoved: 0, bytesBefore: 0, bytesAfter: 0, rowsWritten: 0 };
  if (!config.cleanupPolicy.includes("compact")) return result;
  const rows = storage.sql.exec<Row>("SELECT base_offset, last_offset, data, idx FROM segments ORDER BY base_offset").toArray();
  if (rows.length < 2) return result;
  const scans = rows.map((r) => {
    try {
      return core.scanRecords(blobBytes(r.data));
    } catch (err) {
      throw new CorruptRowError(`stored segment at offset ${r.base_offset}: ${(err as Error).message}`);
    }
  });
  // Pass 1: the latest offset of every key, over the whole log including the active segment.
  const latest = new Map<string, number>();
  for (const scan of scans) {
    for (let i = 0; i < scan.count; i++) if (!(scan.flags[i]! & RECORD_NULL_KEY)) latest.set(hashKey(scan.keyHashes, i), scan.offsets[i]!);
  }
  // Pass 2: rewrite every row but the active one where something goes.
  const tombstoneHorizon = now - config.deleteRetentionMs;
  const rewrites: Array<{ base: number; data: Uint8Array; removed: number; before: number }> = [];
  for (let r = 0; r < rows.length - 1; r++) {
    const scan = scans[r]!;
    const keep = new Uint8Array(scan.count);
    let removed = 0;
    for (let i = 0; i < scan.count; i++) {
      const flags = scan.flags[i]!;
      const stays =
        flags & RECORD_NULL_KEY
          ? true
          : latest.get(hashKey(scan.keyHashes, i)) === scan.offsets[i] &&
            !(flags & RECORD_NULL_VALUE && scan.timestamps[i]! < tombstoneHorizon);
      keep[i] = stays ? 1 : 0;
      if (!stays) removed++;
    }
    if (removed === 0) continue;
    // A row is rewritten only when it passes the reader's checks (offsets against the row and
    // index): a corrupt one stops the run before anything changes (PartitionLog.maintain records it).
    const bad = checkRow(core, rows[r]!);
    if (bad) throw new CorruptRowError(bad.error.message);
    const before = blobBytes(rows[r]!.data);
    rewrites.push({ base: rows[r]!.base_offset, data: core.rewriteSegment(before, keep), removed, before: before.length });
  }
  if (rewrites.length === 0) return result;
  storage.transactionSync(() => {
    for (const w of rewrites) {
      const idx = core.buildIndex(w.data, w.base);
      const maxTs = w.data.length > 0 ? Math.max(...Array.from(core.scanRecords(w.data).timestamps)) : 0;
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
  return result;
}
