// The request and result shapes of a partition object. They cross Durable Object RPC (structured
// clone) and the local actor host unchanged, so they are plain data: no classes, no functions.
import type { Failure } from "../errors.ts";
import type { TopicConfig } from "../topics/config.ts";
import type { DsRequest, DsResult, SubResult } from "../streams/types.ts";

/** Every call names the topic incarnation (epoch) it believes in; see PartitionLog.checkEpoch. */
export interface PartitionAddress {
  topic: string;
  partition: number;
  epoch: number;
}

export interface AppendRequest extends PartitionAddress {
  /** One or more RecordBatch v2, concatenated. */
  batches: Uint8Array;
  /** The topic's configs as the caller knows them; the partition stores retention/cleanup changes. */
  config?: TopicConfig;
  /** The revision of `config` (TopicInfo.config_revision; absent: 0): an older one than the partition holds is ignored. */
  configRevision?: number;
  /**
   * The caller added this partition to the producer's transaction at its coordinator first.
   * Transactional batches are refused without it: no coordinator would ever write their marker.
   */
  transactional?: boolean;
  /**
   * The batches are the broker's own encoding of a JSON or MessagePack body, their CRC-32C fields
   * left unwritten: the partition computes each CRC as it validates the batch (one pass over the
   * bytes where sealing them at the route and checking here took two, issue #20). Every other
   * check applies as to any batch. Never set for bytes a client sent.
   */
  fillCrc?: boolean;
}

export interface AppendOk {
  ok: true;
  /** Base offset assigned to each batch of the request, in order. */
  baseOffsets: number[];
  highWatermark: number;
  /** The batches were retries of batches already appended (idempotent producer); nothing was written. */
  duplicate?: boolean;
}

/** Kafka's ListOffsets sentinels: a read may start at the log start or at the end. */
export const EARLIEST = -2;
export const LATEST = -1;

export interface ReadRequest extends PartitionAddress {
  /** An offset, or EARLIEST / LATEST. */
  offset: number;
  maxBytes: number;
  maxRecords: number;
  waitMs: number;
  /**
   * Kafka's isolation level. read_committed stops at the last stable offset and leaves out the
   * batches of aborted transactions; read_uncommitted (the default) reads to the high watermark.
   */
  isolation?: Isolation;
  /**
   * read_committed as a Kafka Fetch serves it (KIP-98): stop at the last stable offset but keep
   * aborted transactions' batches, and list the aborted transactions the answer overlaps
   * (ReadOk.abortedTransactions), so the client leaves them out itself.
   */
  abortedList?: boolean;
}

export type Isolation = "read_uncommitted" | "read_committed";

/** A transaction marker the coordinator writes to each partition of a transaction (Kafka's WriteTxnMarkers). */
export interface MarkerRequest extends PartitionAddress {
  producerId: number;
  /** The epoch the coordinator moved to when it ended the transaction: it fences every older one here. */
  producerEpoch: number;
  commit: boolean;
  coordinatorEpoch: number;
}

/** `written: false`: a duplicate (re-driven) or stale marker, ignored. */
export type MarkerResult = { ok: true; written: boolean; offset?: number } | Failure;

export interface ReadOk {
  ok: true;
  /** The offset read from (sentinels resolved). */
  offset: number;
  /** Whole stored batches, CRC-checked; the first may start before `offset`. */
  batches: Uint8Array;
  highWatermark: number;
  logStartOffset: number;
  /** read_committed reads: the last stable offset, and the offset after the last batch examined (kept or left out). */
  lastStableOffset?: number;
  nextOffset?: number;
  /** `abortedList` reads: the aborted transactions overlapping the answer, by first offset. */
  abortedTransactions?: Array<{ producerId: number; firstOffset: number }>;
}

export interface PartitionStats {
  ok: true;
  partition: number;
  start_offset: number;
  end_offset: number;
  bytes: number;
  /** Stored rows; each row is one segment of whole batches. */
  rows: number;
  /** Segments, local rows and remote objects (tiered storage, docs/tiered-storage.md). */
  segments: number;
  /** `bytes` split: held in the partition object, and in tiered storage. */
  local_bytes: number;
  remote_bytes: number;
  remote_segments: number;
  /** CreateTime of the first stored record, or null when the partition holds none. */
  oldest_timestamp: number | null;
  rows_read: number;
  rows_written: number;
  /** The first offset of the oldest open transaction, or end_offset. */
  last_stable_offset: number;
  open_transactions: number;
  aborted_transactions: number;
  /** A background maintenance step (compaction, merge) that failed on a corrupt row and is skipped until the log start moves. */
  maintenance_error?: { step: string; message: string };
}

export type AppendResult = AppendOk | Failure;
export type ReadResult = ReadOk | Failure;
export type StatsResult = PartitionStats | Failure;

/** What the HTTP layer needs from a partition, whether it is a Durable Object stub or a local actor. */
export interface PartitionApi {
  append(req: AppendRequest): Promise<AppendResult>;
  read(req: ReadRequest): Promise<ReadResult>;
  stats(addr: PartitionAddress): Promise<StatsResult>;
  drop(addr: PartitionAddress): Promise<{ ok: true }>;
  /** `revision`: TopicInfo.config_revision (absent: 0); a config older than the partition's is ignored. */
  configure(addr: PartitionAddress, config: TopicConfig, revision?: number): Promise<{ ok: true } | Failure>;
  deleteRecords(addr: PartitionAddress, before: number): Promise<{ ok: true; start_offset: number } | Failure>;
  offsetForTimestamp(addr: PartitionAddress, timestamp: number): Promise<{ ok: true; offset: number; timestamp: number | null } | Failure>;
  /** A transaction marker from the transaction coordinator (commit or abort), written once. */
  writeMarker(req: MarkerRequest): Promise<MarkerResult>;
  /** A Durable Streams operation (/ds): the partition of a single-partition topic is the stream. */
  ds(req: DsRequest): Promise<DsResult | SubResult>;
}
