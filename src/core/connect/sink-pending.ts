// A sink's pending batches, one row per partition (connect_pending): the range of the batch being
// delivered, stored before its first attempt so that every retry — after a backoff, a connector
// restart or a broker restart — re-reads exactly that range (and sends the same idempotency key),
// the offset to commit once it is delivered, and its attempts so far.
import type { StoragePort } from "../storage-port.ts";

export const SINK_TABLES = `CREATE TABLE IF NOT EXISTS connect_pending (
  topic TEXT NOT NULL, partition INTEGER NOT NULL,
  first_offset INTEGER NOT NULL, last_offset INTEGER NOT NULL, commit_to INTEGER NOT NULL,
  attempts INTEGER NOT NULL, next_at INTEGER NOT NULL, last_error TEXT,
  PRIMARY KEY (topic, partition))`;

export interface Pending extends Record<string, string | number | null> {
  topic: string;
  partition: number;
  first_offset: number;
  last_offset: number;
  commit_to: number;
  attempts: number;
  next_at: number;
  last_error: string | null;
}

export class PendingBatches {
  private readonly storage: StoragePort;

  constructor(storage: StoragePort) {
    this.storage = storage;
    storage.sql.exec(SINK_TABLES);
  }

  get(topic: string, partition: number): Pending | undefined {
    return this.storage.sql.exec<Pending>("SELECT * FROM connect_pending WHERE topic = ? AND partition = ?", topic, partition).toArray()[0];
  }

  /** A new batch, before its first attempt. */
  put(row: Pending): void {
    this.storage.sql.exec(
      "INSERT OR REPLACE INTO connect_pending (topic, partition, first_offset, last_offset, commit_to, attempts, next_at, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      row.topic,
      row.partition,
      row.first_offset,
      row.last_offset,
      row.commit_to,
      row.attempts,
      row.next_at,
      row.last_error,
    );
  }

  /** Delivered and committed (or gone): the partition's next batch is read afresh. */
  delete(topic: string, partition: number): void {
    this.storage.sql.exec("DELETE FROM connect_pending WHERE topic = ? AND partition = ?", topic, partition);
  }

  /** An attempt failed: the next one is due at `next`. */
  retryAt(topic: string, partition: number, attempts: number, next: number, error: string): void {
    this.storage.sql.exec(
      "UPDATE connect_pending SET attempts = ?, next_at = ?, last_error = ? WHERE topic = ? AND partition = ?",
      attempts,
      next,
      error,
      topic,
      partition,
    );
  }

  /** The last attempt failed and there is no dead-letter topic: the batch stays as the connector stops. */
  givenUp(topic: string, partition: number, attempts: number, error: string): void {
    this.storage.sql.exec(
      "UPDATE connect_pending SET attempts = ?, last_error = ? WHERE topic = ? AND partition = ?",
      attempts,
      error,
      topic,
      partition,
    );
  }

  /** A restart gives every pending batch its attempts back (same range, same key) and retries it now. */
  resetAttempts(): void {
    this.storage.sql.exec("UPDATE connect_pending SET attempts = 0, next_at = 0");
  }
}
