// Compaction of partitions holding transactions (KIP-98's log cleaner rules), the part of the
// policy that src/core/log/compaction.ts asks about each batch:
// - records of aborted transactions are removed, whatever their keys (they were never visible to
//   read_committed readers, and read_uncommitted readers of a compacted topic get no promise
//   about superseded records either);
// - records of committed transactions are compacted like any other;
// - a marker (control batch) stays while any record of its transaction is still in the log, and
//   then until its timestamp is older than delete.retention.ms, so a reader that saw the
//   transaction's records also gets to see how it ended; an abort marker's aborted-index entry
//   goes with it (a Kafka read_committed consumer skips a producer's batches from an aborted
//   transaction's first offset until it meets the abort marker);
// - nothing at or after the last stable offset counts: an open transaction may still abort, so
//   its records cannot supersede older ones, and rows reaching the LSO are not rewritten.
import { readBatchHeader, CONTROL_FLAG, TRANSACTIONAL_FLAG } from "../batch/record-batch.ts";
import type { AbortedTxn } from "./txn-index.ts";

/** What compaction needs of the partition's transactions. */
export interface TxnView {
  lastStableOffset: number;
  aborted: readonly AbortedTxn[];
}

/** One batch of a row, with the range of its records in the row's scan (log order). */
export interface BatchInfo {
  first: number;
  count: number;
  baseOffset: number;
  producerId: number;
  transactional: boolean;
  control: boolean;
  maxTimestamp: number;
}

export function batchesOf(data: Uint8Array): BatchInfo[] {
  const out: BatchInfo[] = [];
  let first = 0;
  for (let pos = 0; pos < data.length; ) {
    const h = readBatchHeader(data, pos);
    out.push({
      first,
      count: h.recordCount,
      baseOffset: h.baseOffset,
      producerId: h.producerId,
      transactional: (h.attributes & TRANSACTIONAL_FLAG) !== 0,
      control: (h.attributes & CONTROL_FLAG) !== 0,
      maxTimestamp: h.maxTimestamp,
    });
    first += h.recordCount;
    pos += h.size;
  }
  return out;
}

export class TxnRules {
  private readonly byProducer = new Map<number, AbortedTxn[]>();
  private readonly abortMarkers = new Set<number>();
  readonly lastStableOffset: number;

  constructor(view: TxnView) {
    this.lastStableOffset = view.lastStableOffset;
    for (const a of view.aborted) {
      const list = this.byProducer.get(a.producerId) ?? [];
      list.push(a);
      this.byProducer.set(a.producerId, list);
      this.abortMarkers.add(a.lastOffset);
    }
  }

  /** A data batch of an aborted transaction (the read_committed filter's rule, txn-index.ts). */
  aborted(b: BatchInfo): boolean {
    if (!b.transactional || b.control) return false;
    return this.byProducer.get(b.producerId)?.some((a) => a.firstOffset <= b.baseOffset && b.baseOffset < a.lastOffset) ?? false;
  }

  isAbortMarker(b: BatchInfo): boolean {
    return b.control && this.abortMarkers.has(b.baseOffset);
  }

  /**
   * Decides the markers once the data records' fate is known: `keeps[r]` is row r's mask (records
   * in scan order), undefined for a row that is not rewritten. A marker of a row being rewritten
   * is dropped when no record of its transaction is left and it is older than `horizon`. Returns
   * the offsets of the abort markers dropped (their index entries go in the same transaction).
   */
  dropMarkers(rows: BatchInfo[][], keeps: Array<Uint8Array | undefined>, horizon: number): number[] {
    const left = new Map<number, number>();
    const dropped: number[] = [];
    rows.forEach((batches, r) => {
      const keep = keeps[r];
      for (const b of batches) {
        if (!b.control) {
          if (!b.transactional) continue;
          let kept = b.count;
          if (keep) for (let i = b.first; i < b.first + b.count; i++) kept -= keep[i] ? 0 : 1;
          left.set(b.producerId, (left.get(b.producerId) ?? 0) + kept);
          continue;
        }
        const remaining = left.get(b.producerId) ?? 0;
        left.set(b.producerId, 0);
        if (!keep || remaining > 0 || b.maxTimestamp >= horizon) continue;
        for (let i = b.first; i < b.first + b.count; i++) keep[i] = 0;
        if (this.isAbortMarker(b)) dropped.push(b.baseOffset);
      }
    });
    return dropped;
  }
}
