// Reading whole batches out of one stored segment row, from an offset, within a byte and record
// budget. The WASM index finds the starting batch; the batch headers are walked from there; every
// byte handed out has had its CRC checked in WASM, so a corrupted row is reported, never served.
import type { LogCore } from "./log-core.ts";
import { BATCH_HEADER_SIZE } from "./log-core.ts";
import { readBatchHeader } from "./record-batch.ts";
import { fail, type Failure } from "./errors.ts";
import { blobBytes, type SqlValue, type StoragePort } from "./storage-port.ts";
import { concatBytes } from "./bytes.ts";

export interface SegmentRow extends Record<string, SqlValue> {
  base_offset: number;
  data: ArrayBuffer | Uint8Array;
  idx: ArrayBuffer | Uint8Array;
}

export interface Budget {
  bytes: number;
  records: number;
}

export type SegmentSlice = { ok: true; bytes: Uint8Array; full: boolean } | Failure;

function corrupt(row: SegmentRow, position: number, why: string): Failure {
  return fail("corrupt_log", `stored segment at offset ${row.base_offset} is corrupt at byte ${position}: ${why}; it will not be served`);
}

/**
 * Takes batches from `row` whose records reach `offset` or later, spending `budget` (mutated).
 * The first batch of a read is always taken whole even when larger than the byte budget, as in
 * Kafka, so a consumer can never be stuck behind a batch bigger than its max_bytes.
 */
export function readBatch(core: LogCore, row: SegmentRow, offset: number, budget: Budget, first: boolean): SegmentSlice {
  const data = blobBytes(row.data);
  let pos = 0;
  if (offset > row.base_offset) {
    const located = core.locate(blobBytes(row.idx), row.base_offset, offset);
    if (located > 0) pos = located;
  }
  let start = -1;
  let full = false;
  let takeAnyway = first;
  while (pos < data.length) {
    if (pos + BATCH_HEADER_SIZE > data.length) return corrupt(row, pos, "truncated batch header");
    const { size, baseOffset: base, lastOffsetDelta } = readBatchHeader(data, pos);
    if (size < BATCH_HEADER_SIZE || pos + size > data.length) return corrupt(row, pos, `batch length ${size - 12} does not fit the row`);
    const last = base + lastOffsetDelta;
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
 * Reads whole batches from `offset` on, across as many segment rows as the budget allows, starting
 * at the row that holds `offset`. Returns the rows read too: they are the partition's cost figure.
 */
export function collectBatches(
  storage: StoragePort, core: LogCore, offset: number, budget: Budget,
): { result: { ok: true; bytes: Uint8Array } | Failure; rowsRead: number } {
  const cursor = storage.sql.exec<SegmentRow>(
    `SELECT base_offset, data, idx FROM segments
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
