// Consumer offsets committed inside a transaction (Kafka's TxnOffsetCommit, KIP-98/KIP-447): held
// as pending per producer id, invisible to the group's committed offsets, until the transaction
// coordinator completes the transaction — commit makes them the committed offsets, abort drops
// them. One row per pending offset, written only by transactional commits.
import type { StoragePort } from "../storage-port.ts";
import type { CommitOffset } from "./types.ts";

export const TXN_OFFSETS_TABLE = `CREATE TABLE IF NOT EXISTS txn_offsets (
  producer_id INTEGER NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL, metadata TEXT,
  topic_epoch INTEGER, PRIMARY KEY (producer_id, topic, partition))`;

/** A pending offset; `topicEpoch` when the caller resolved the topic (Kafka's TxnOffsetCommit), else the group's own view is used. */
export type PendingOffset = CommitOffset & { topicEpoch?: number | null };

export class PendingTxnOffsets {
  private readonly storage: StoragePort;

  constructor(storage: StoragePort) {
    this.storage = storage;
    storage.sql.exec(TXN_OFFSETS_TABLE);
    // Tables made before the Kafka TxnOffsetCommit lack topic_epoch (the topic incarnation the
    // offsets belong to, which a classic group does not track by subscription).
    const columns = storage.sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('txn_offsets')").toArray();
    if (!columns.some((c) => c.name === "topic_epoch")) storage.sql.exec("ALTER TABLE txn_offsets ADD COLUMN topic_epoch INTEGER");
  }

  put(producerId: number, offsets: PendingOffset[]): void {
    for (const o of offsets) {
      this.storage.sql.exec(
        "INSERT OR REPLACE INTO txn_offsets (producer_id, topic, partition, next_offset, metadata, topic_epoch) VALUES (?, ?, ?, ?, ?, ?)",
        producerId,
        o.topic,
        o.partition,
        o.offset,
        o.metadata ?? null,
        o.topicEpoch ?? null,
      );
    }
  }

  /** Removes and returns a producer's pending offsets. */
  take(producerId: number): PendingOffset[] {
    const rows = this.storage.sql
      .exec<{ topic: string; partition: number; next_offset: number; metadata: string | null; topic_epoch: number | null }>(
        "SELECT topic, partition, next_offset, metadata, topic_epoch FROM txn_offsets WHERE producer_id = ?",
        producerId,
      )
      .toArray();
    if (rows.length > 0) this.storage.sql.exec("DELETE FROM txn_offsets WHERE producer_id = ?", producerId);
    return rows.map((r) => ({
      topic: r.topic,
      partition: r.partition,
      offset: r.next_offset,
      metadata: r.metadata,
      topicEpoch: r.topic_epoch,
    }));
  }
}
