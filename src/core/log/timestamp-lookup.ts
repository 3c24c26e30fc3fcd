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
      const data = blobBytes(row.data);
      let pos = Math.max(0, core.locateTimestamp(blobBytes(row.idx), timestamp));
      while (pos < data.length) {
        const h = readBatchHeader(data, pos);
        if (h.maxTimestamp >= timestamp && h.baseOffset + h.lastOffsetDelta >= logStartOffset) {
          for (const r of decodeRecords(data.subarray(pos, pos + h.size))) {
            if (r.timestamp >= timestamp && r.offset >= logStartOffset)
              return { hit: { offset: r.offset, timestamp: r.timestamp }, rowsRead };
          }
        }
        pos += h.size;
      }
    }
  } finally {
    rowsRead += candidates.rowsRead;
  }
  return { hit: undefined, rowsRead };
}
