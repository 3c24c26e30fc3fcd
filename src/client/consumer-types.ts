// What the Consumer needs from its two ways of reading: a group session (group-session.ts), where
// the broker assigns partitions and keeps positions, or a plain reader of every partition of the
// topics (partition-reader.ts), where the consumer keeps positions itself.
import type { DecodeMode } from "./codec.ts";
import type { ConsumerRecord, TopicPartition, TopicPartitionOffset } from "./types.ts";

export interface AssignmentListener {
  assigned(partitions: TopicPartition[]): Promise<void>;
  revoked(partitions: TopicPartition[]): Promise<void>;
}

export interface ReadSettings {
  topics: string[];
  autoOffsetReset: "earliest" | "latest";
  maxRecords: number;
  maxBytes: number | undefined;
  waitMs: number;
  decode: DecodeMode;
  /** Kafka's isolation.level (docs/transactions.md). */
  isolation: "read_committed" | "read_uncommitted";
}

export interface RecordSource {
  /** One round: records (possibly none after a long poll's wait). `signal` aborts it (close). */
  fetch(signal: AbortSignal): Promise<ConsumerRecord[]>;
  /** Stores offsets (the next offset to read, as in Kafka). */
  commit(offsets: TopicPartitionOffset[]): Promise<void>;
  /** Moves a partition's position; applied before the next round. */
  seek(to: TopicPartitionOffset): void;
  /** Leaves (group) or stops (reader). */
  close(): Promise<void>;
}

export const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export function fromKey(key: string): TopicPartition {
  const i = key.lastIndexOf("\u0000");
  return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)) };
}
