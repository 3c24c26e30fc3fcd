// Reading whole batches out of one stored segment row, from an offset, within a byte and record
// budget. The WASM index finds the starting batch; the batch headers are walked from there; every
// byte handed out has had its CRC checked in WASM, so a corrupted row is reported, never served.
import type { LogCore } from "../batch/log-core.ts";
import { BATCH_HEADER_SIZE, INDEX_ENTRY_SIZE } from "../batch/log-core.ts";
import { fail, type Failure } from "../errors.ts";
import { blobBytes, type SqlValue, type StoragePort } from "../storage-port.ts";
import { concatBytes } from "../bytes.ts";

export interface SegmentRow extends Record<string, SqlValue> {
  base_offset: number;
  last_offset: number;
  data: ArrayBuffer | Uint8Array;
  idx: ArrayBuffer | Uint8Array;
}

export interface Budget {
  bytes: number;
  records: number;
}

export type SegmentSlice = { ok: true; bytes: Uint8Array; full: boolean } | Failure;

function corrupt(row: SegmentRow, position: number, why: string): Failure {
  return fail("corrupt_log", `stored segment at offset ${row.base_offset} is corrupt at byte ${position}: ${why}; it will not be served`, {
    first_offset: row.base_offset,
    last_offset: row.last_offset,
  });
}

/** The index entry (16 bytes: i32 offset delta, i32 byte position, i64 max timestamp) whose position is `pos`, or -1. */
function entryAt(idx: DataView, pos: number): number {
  let lo = 0;
  let hi = idx.byteLength / INDEX_ENTRY_SIZE - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = idx.getInt32(mid * INDEX_ENTRY_SIZE + 4, true);
    if (at === pos) return mid;
    if (at < pos) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Takes batches from `row` whose records reach `offset` or later, spending `budget` (mutated).
 * The first batch of a read is always taken whole even when larger than the byte budget, as in
 * Kafka, so a consumer can never be stuck behind a batch bigger than its max_bytes.
 *
 * baseOffset and batchLength lie outside the CRC, so every batch walked is also checked against
 * the row and its index before it is served: its offsets must match its index entry, follow the
 * previous batch's and end within the row's [base_offset, last_offset]. A mismatch (an altered
 * row, a bad magic or length) is `corrupt_log`, never an exception and never records served at
 * offsets the log does not hold.
 */
export function readBatch(core: LogCore, row: SegmentRow, offset: number, budget: Budget, first: boolean): SegmentSlice {
  const data = blobBytes(row.data);
  const idxBytes = blobBytes(row.idx);
  const idx = new DataView(idxBytes.buffer, idxBytes.byteOffset, idxBytes.byteLength);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = 0;
  if (offset > row.base_offset) {
    const located = core.locate(idxBytes, row.base_offset, offset);
    if (located > 0) pos = located;
  }
  let entry = entryAt(idx, pos);
  if (entry < 0 && data.length > 0) return corrupt(row, pos, "the row's index has no entry for this batch");
  let prevLast = entry > 0 ? row.base_offset + idx.getInt32((entry - 1) * INDEX_ENTRY_SIZE, true) - 1 : row.base_offset - 1;
  let start = -1;
  let full = false;
  let takeAnyway = first;
  while (pos < data.length) {
    if (pos + BATCH_HEADER_SIZE > data.length) return corrupt(row, pos, "truncated batch header");
    const magic = view.getInt8(pos + 16);
    if (magic !== 2) return corrupt(row, pos, `magic byte is ${magic}, not 2`);
    const size = view.getInt32(pos + 8) + 12;
    if (size < BATCH_HEADER_SIZE || pos + size > data.length) return corrupt(row, pos, `batch length ${size - 12} does not fit the row`);
    const base = view.getInt32(pos) * 4294967296 + view.getUint32(pos + 4);
    const last = base + view.getInt32(pos + 23);
    const indexed =
      entry * INDEX_ENTRY_SIZE < idx.byteLength && idx.getInt32(entry * INDEX_ENTRY_SIZE + 4, true) === pos
        ? row.base_offset + idx.getInt32(entry * INDEX_ENTRY_SIZE, true)
        : undefined;
    if (indexed !== base || base <= prevLast || last < base || last > row.last_offset) {
      return corrupt(
        row,
        pos,
        `batch offsets ${base}..${last} disagree with the row (${row.base_offset}..${row.last_offset}, previous batch ending at ${prevLast}) or its index (${indexed ?? "no entry"})`,
      );
    }
    entry++;
    prevLast = last;
    if (last < offset) {
      pos += size;
      continue;
    }
    if (!takeAnyway && (size > budget.bytes || budget.records <= 0)) {
      full = true;
      break;
    }
    takeAnyway = false;
    if (start < 0) start = pos;
    budget.bytes -= size;
    budget.records -= last - Math.max(base, offset) + 1;
    pos += size;
    if (budget.bytes <= 0 || budget.records <= 0) {
      full = true;
      break;
    }
  }
  if (start < 0) return { ok: true, bytes: new Uint8Array(0), full };
  const checked = core.checkBatches(data, start, pos);
  if (!checked.ok) return corrupt(row, checked.position, checked.message);
  return { ok: true, bytes: data.subarray(start, pos), full };
}

/**
 * Every check a read makes, over a whole row: maintenance (merging, compaction) runs it before it
 * rewrites a row, so a corrupt row is reported (PartitionLog.maintain records it) instead of
 * being folded into a new row whose index would then agree with the corruption.
 */
export function checkRow(core: LogCore, row: SegmentRow): Failure | undefined {
  const whole = readBatch(core, row, row.base_offset, { bytes: Infinity, records: Infinity }, true);
  return whole.ok ? undefined : whole;
}

/**
 * Reads whole batches from `offset` on, across as many segment rows as the budget allows, starting
 * at the row that holds `offset`. Returns the rows read too: they are the partition's cost figure.
 */
export function collectBatches(
  storage: StoragePort,
  core: LogCore,
  offset: number,
  budget: Budget,
): { result: { ok: true; bytes: Uint8Array } | Failure; rowsRead: number } {
  const cursor = storage.sql.exec<SegmentRow>(
    `SELECT base_offset, last_offset, data, idx FROM segments
     WHERE base_offset >= (SELECT max(base_offset) FROM segments WHERE base_offset <= ?)
     ORDER BY base_offset`,
    offset,
  );
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const row of cursor) {
    const part = readBatch(core, row, offset, budget, total === 0);
    if (!part.ok) return { result: part, rowsRead: cursor.rowsRead };
    if (part.bytes.length > 0) parts.push(part.bytes);
    total += part.bytes.length;
    if (part.full) break;
  }
  return { result: { ok: true, bytes: concatBytes(parts, total) }, rowsRead: cursor.rowsRead };
}
