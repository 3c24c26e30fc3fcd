// Writing a group commit as segment rows: appends are concatenated into rows of about
// SEGMENT_TARGET_BYTES, base offsets patched and the index built in WASM, and each batch handed
// its offset. Runs inside the commit's transaction (PartitionLog.commit).
import type { LogCore } from "../batch/log-core.ts";
import { SEGMENT_TARGET_BYTES } from "../limits.ts";
import type { BatchEntry, ProducerStates } from "./producer-state.ts";
import type { StoragePort } from "../storage-port.ts";

/** One queued append, as the writer needs it. */
export interface RowItem {
  bytes: Uint8Array;
  /** Records per batch (lastOffsetDelta + 1), to hand each batch its base offset. */
  counts: number[];
  /** Idempotent batches' entries (undefined for batches without a producer id), by batch. */
  entries: Array<BatchEntry | undefined>;
  producers: number[];
  maxTimestamp: number;
  /** When the append reached the partition: retention never trusts a timestamp later than this. */
  appendedAt: number;
}

/** Groups appends (by size, in order) into rows of at most SEGMENT_TARGET_BYTES; an append is never split. */
export function planRows(sizes: number[]): number[][] {
  const rows: number[][] = [];
  let rowBytes = 0;
  sizes.forEach((size, i) => {
    if (rows.length === 0 || rowBytes + size > SEGMENT_TARGET_BYTES) {
      rows.push([]);
      rowBytes = 0;
    }
    rows[rows.length - 1]!.push(i);
    rowBytes += size;
  });
  return rows;
}

/** Inserts one row holding `items` from offset `base`; returns each item's batch base offsets. */
export function writeRow(
  storage: StoragePort,
  core: LogCore,
  producers: ProducerStates,
  items: RowItem[],
  base: number,
): { baseOffsets: number[][]; next: number; rowsWritten: number; bytes: number } {
  const size = items.reduce((n, p) => n + p.bytes.length, 0);
  const data = new Uint8Array(size);
  let at = 0;
  for (const p of items) {
    data.set(p.bytes, at);
    at += p.bytes.length;
  }
  const last = core.patchBaseOffsets(data, base);
  const idx = core.buildIndex(data, base);
  let offset = base;
  const baseOffsets = items.map((p) =>
    p.counts.map((count, k) => {
      const o = offset;
      offset += count;
      const e = p.entries[k];
      if (e) e.baseOffset = o;
      return o;
    }),
  );
  // Idempotent producers' state travels in the row holding their batches (no extra row).
  const producerState = producers.rowState(new Set(items.flatMap((p) => p.producers)));
  const cursor = storage.sql.exec(
    "INSERT INTO segments (base_offset, last_offset, max_ts, retain_ts, size, batch_count, producers, data, idx) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    base,
    last,
    Math.max(...items.map((p) => p.maxTimestamp)),
    Math.max(...items.map((p) => Math.min(p.maxTimestamp, p.appendedAt))),
    size,
    items.reduce((n, p) => n + p.counts.length, 0),
    producerState,
    exactBuffer(data),
    exactBuffer(idx),
  );
  return { baseOffsets, next: last + 1, rowsWritten: cursor.rowsWritten, bytes: size };
}

/** Durable Object SQLite binds ArrayBuffer blobs; hand it a buffer holding exactly the bytes. */
export function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes.buffer;
  }
  return bytes.slice().buffer as ArrayBuffer;
}
