// Consumer offsets committed inside a transaction (Kafka's TxnOffsetCommit, KIP-98/KIP-447): held
// as pending per producer id, invisible to the group's committed offsets, until the transaction
// coordinator completes the transaction — commit makes them the committed offsets, abort drops
// them. One row per pending offset, written only by transactional commits.
import type { StoragePort } from "../storage-port.ts";
import type { CommitOffset } from "./types.ts";

export const TXN_OFFSETS_TABLE = `CREATE TABLE IF NOT EXISTS txn_offsets (
  producer_id INTEGER NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL, metadata TEXT,
  PRIMARY KEY (producer_id, topic, partition))`;

export class PendingTxnOffsets {
  private readonly storage: StoragePort;

  constructor(storage: StoragePort) {
    this.storage = storage;
    storage.sql.exec(TXN_OFFSETS_TABLE);
  }

  put(producerId: number, offsets: CommitOffset[]): void {
    for (const o of offsets) {
      this.storage.sql.exec(
        "INSERT OR REPLACE INTO txn_offsets (producer_id, topic, partition, next_offset, metadata) VALUES (?, ?, ?, ?, ?)",
        producerId,
        o.topic,
        o.partition,
        o.offset,
        o.metadata ?? null,
      );
    }
  }

  /** Removes and returns a producer's pending offsets. */
  take(producerId: number): CommitOffset[] {
    const rows = this.storage.sql
      .exec<{ topic: string; partition: number; next_offset: number; metadata: string | null }>(
        "SELECT topic, partition, next_offset, metadata FROM txn_offsets WHERE producer_id = ?",
        producerId,
      )
      .toArray();
    if (rows.length > 0) this.storage.sql.exec("DELETE FROM txn_offsets WHERE producer_id = ?", producerId);
    return rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.next_offset, metadata: r.metadata }));
  }
}
