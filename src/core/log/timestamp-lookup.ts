// Kafka's ListOffsets by timestamp: the first offset whose record timestamp is at or after T.
// Rows are found by their newest timestamp (small columns only), the batch inside a row by the
// WASM time index (running maximum of batch timestamps, so a binary search works even when
// producers' clocks disagree), the record by decoding that one batch.
import type { LogCore } from "../batch/log-core.ts";
import { decodeRecords, readBatchHeader } from "../batch/record-batch.ts";
import { blobBytes, type StoragePort } from "../storage-port.ts";

export interface TimestampHit {
  offset: number;
  timestamp: number;
}

export function offsetForTimestamp(
  storage: StoragePort,
  core: LogCore,
  timestamp: number,
  logStartOffset: number,
): { hit: TimestampHit | undefined; rowsRead: number } {
  let rowsRead = 0;
  const candidates = storage.sql.exec<{ base_offset: number }>(
    "SELECT base_offset FROM segments WHERE max_ts >= ? AND last_offset >= ? ORDER BY base_offset",
    timestamp,
    logStartOffset,
  );
  try {
    for (const { base_offset } of candidates) {
      const row = storage.sql
        .exec<{ data: ArrayBuffer | Uint8Array; idx: ArrayBuffer | Uint8Array }>(
          "SELECT data, idx FROM segments WHERE base_offset = ?",
          base_offset,
        )
        .one();
      rowsRead++;
      const hit = timestampInRow(core, blobBytes(row.data), row.idx, timestamp, logStartOffset);
      if (hit) return { hit, rowsRead };
    }
  } finally {
    rowsRead += candidates.rowsRead;
  }
  return { hit: undefined, rowsRead };
}

/** The first record at or after `timestamp` (and the log start) in one segment's bytes, by its time index. */
export function timestampInRow(
  core: LogCore,
  data: Uint8Array,
  idx: ArrayBuffer | Uint8Array,
  timestamp: number,
  logStartOffset: number,
): TimestampHit | undefined {
  let pos = Math.max(0, core.locateTimestamp(blobBytes(idx), timestamp));
  while (pos < data.length) {
    const h = readBatchHeader(data, pos);
    if (h.maxTimestamp >= timestamp && h.baseOffset + h.lastOffsetDelta >= logStartOffset) {
      for (const r of decodeRecords(data.subarray(pos, pos + h.size))) {
        if (r.timestamp >= timestamp && r.offset >= logStartOffset) return { offset: r.offset, timestamp: r.timestamp };
      }
    }
    pos += h.size;
  }
  return undefined;
}
