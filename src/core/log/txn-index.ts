// A partition's view of transactions (KIP-98): the aborted-transactions index, and the
// read_committed filter over stored batches. The open transactions themselves (their first
// offsets, which give the last stable offset) live with the producers' state (producer-state.ts),
// persisted in the `producers` column of the rows that hold their batches, so they cost no row.
import { readBatchHeader, CONTROL_FLAG, TRANSACTIONAL_FLAG } from "../batch/record-batch.ts";
import { TXN_ABORTED_TABLE } from "./schema.ts";
import type { StoragePort } from "../storage-port.ts";

export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
  /** The offset of the abort marker. */
  lastOffset: number;
}

export class AbortedIndex {
  private readonly storage: StoragePort;
  /** By lastOffset, ascending (markers are appended in offset order). */
  private entries: AbortedTxn[] = [];

  constructor(storage: StoragePort) {
    this.storage = storage;
    storage.sql.exec(TXN_ABORTED_TABLE);
    this.load();
  }

  load(): void {
    this.entries = this.storage.sql
      .exec<{ producer_id: number; first_offset: number; last_offset: number }>(
        "SELECT producer_id, first_offset, last_offset FROM txn_aborted ORDER BY last_offset",
      )
      .toArray()
      .map((r) => ({ producerId: r.producer_id, firstOffset: r.first_offset, lastOffset: r.last_offset }));
  }

  /** Inside the marker's commit transaction. */
  add(txn: AbortedTxn): number {
    this.entries.push(txn);
    return this.storage.sql.exec(
      "INSERT OR REPLACE INTO txn_aborted (last_offset, producer_id, first_offset) VALUES (?, ?, ?)",
      txn.lastOffset,
      txn.producerId,
      txn.firstOffset,
    ).rowsWritten;
  }

  /** The log start moved: aborted transactions wholly before it are gone with their rows. */
  trim(logStartOffset: number): number {
    if (this.entries.length === 0 || this.entries[0]!.lastOffset >= logStartOffset) return 0;
    this.entries = this.entries.filter((e) => e.lastOffset >= logStartOffset);
    return this.storage.sql.exec("DELETE FROM txn_aborted WHERE last_offset < ?", logStartOffset).rowsWritten;
  }

  /** Compaction dropped these abort markers (offsets): their entries' rows go, inside its transaction. */
  remove(markerOffsets: number[]): number {
    let written = 0;
    for (const o of markerOffsets) written += this.storage.sql.exec("DELETE FROM txn_aborted WHERE last_offset = ?", o).rowsWritten;
    return written;
  }

  /** The in-memory half of remove(), once its transaction committed. */
  forget(markerOffsets: number[]): void {
    if (markerOffsets.length === 0) return;
    const gone = new Set(markerOffsets);
    this.entries = this.entries.filter((e) => !gone.has(e.lastOffset));
  }

  clear(): void {
    this.entries = [];
    this.storage.sql.exec("DELETE FROM txn_aborted");
  }

  /** Aborted transactions overlapping [from, to) (Kafka's FetchResponse abortedTransactions). */
  overlapping(from: number, to: number): AbortedTxn[] {
    return this.entries.filter((e) => e.lastOffset >= from && e.firstOffset < to);
  }

  get size(): number {
    return this.entries.length;
  }
}

/**
 * read_committed: whole batches below the last stable offset, minus the batches of aborted
 * transactions. Control batches stay (binary readers see the markers, as Kafka consumers do; the
 * JSON and MessagePack views never show them). `next` is the offset after the last batch kept or
 * dropped, so a reader whose page held only aborted data or markers still moves on.
 */
export function committedBatches(bytes: Uint8Array, lso: number, aborted: AbortedTxn[]): { bytes: Uint8Array; next: number } {
  const keep: Array<[number, number]> = [];
  let pos = 0;
  let next = -1;
  let dropped = false;
  while (pos < bytes.length) {
    const h = readBatchHeader(bytes, pos);
    if (h.baseOffset >= lso) {
      dropped = true;
      break;
    }
    const abortedBatch =
      (h.attributes & TRANSACTIONAL_FLAG) !== 0 &&
      (h.attributes & CONTROL_FLAG) === 0 &&
      aborted.some((a) => a.producerId === h.producerId && a.firstOffset <= h.baseOffset && h.baseOffset < a.lastOffset);
    if (abortedBatch) dropped = true;
    else keep.push([pos, h.size]);
    next = h.baseOffset + h.lastOffsetDelta + 1;
    pos += h.size;
  }
  if (!dropped) return { bytes, next };
  const out = new Uint8Array(keep.reduce((n, [, size]) => n + size, 0));
  let at = 0;
  for (const [p, size] of keep) {
    out.set(bytes.subarray(p, p + size), at);
    at += size;
  }
  return { bytes: out, next };
}

/**
 * read_committed for a Kafka Fetch: the whole batches below the last stable offset, aborted ones
 * included (the client drops them with the FetchResponse's aborted transactions), and the offset
 * after the last one. A batch never straddles the last stable offset: it is the first offset of a
 * producer's first open batch.
 */
export function stableBatches(bytes: Uint8Array, lso: number): { bytes: Uint8Array; next: number } {
  let pos = 0;
  let next = -1;
  while (pos < bytes.length) {
    const h = readBatchHeader(bytes, pos);
    if (h.baseOffset >= lso) break;
    next = h.baseOffset + h.lastOffsetDelta + 1;
    pos += h.size;
  }
  // A copy, not a view: an RPC answer would carry a view's whole buffer.
  return { bytes: pos === bytes.length ? bytes : bytes.slice(0, pos), next };
}
