// The transaction coordinator's API (one object per transactional id; docs/transactions.md).
// Each method is one Kafka request, so the Kafka protocol layer maps onto it one-to-one:
// init = InitProducerId with a transactional id, addPartitions = AddPartitionsToTxn,
// addOffsets = AddOffsetsToTxn, offsetCommit = TxnOffsetCommit, end = EndTxn,
// describe = DescribeTransactions, list (the registry object) = ListTransactions.
import type { Failure } from "../errors.ts";

/** Kafka's TransactionState (kafka.coordinator.transaction.TransactionState), minus Dead/PrepareEpochFence. */
export type TxnState = "Empty" | "Ongoing" | "PrepareCommit" | "PrepareAbort" | "CompleteCommit" | "CompleteAbort";

/** A partition in a transaction, with the topic incarnation (epoch) the producer wrote to. */
export interface TxnPartition {
  topic: string;
  partition: number;
  epoch: number;
}

export interface TxnProducer {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
}

export interface InitRequest {
  transactionalId: string;
  /** Kafka's transaction.timeout.ms; the coordinator aborts a transaction open longer. */
  timeoutMs?: number;
}

export interface ProducerIdentity {
  ok: true;
  producer_id: number;
  producer_epoch: number;
}

/** A consumer-group offset committed inside a transaction (TxnOffsetCommit). */
export interface TxnOffset {
  topic: string;
  partition: number;
  offset: number;
  metadata?: string | null;
}

export interface TxnDescription {
  ok: true;
  transactional_id: string;
  producer_id: number;
  producer_epoch: number;
  state: TxnState;
  transaction_timeout_ms: number;
  /** When the open transaction started (Ongoing and Prepare* states), else null. */
  transaction_start_time: number | null;
  partitions: Array<{ topic: string; partition: number }>;
  groups: string[];
  /** Prepare* only: the markers not yet acknowledged by their partition. */
  pending_markers?: number;
}

export interface TxnListing {
  transactional_id: string;
  producer_id: number;
  state: TxnState;
}

export type EndResult = (ProducerIdentity & { state: TxnState; markers_pending?: boolean }) | Failure;

export interface TxnApi {
  init(req: InitRequest): Promise<ProducerIdentity | Failure>;
  /** The HTTP begin: checks the producer and opens a transaction with no partitions yet (Kafka begins on the client). */
  begin(req: TxnProducer): Promise<{ ok: true; state: TxnState } | Failure>;
  addPartitions(req: TxnProducer & { partitions: TxnPartition[] }): Promise<{ ok: true } | Failure>;
  addOffsets(req: TxnProducer & { group: string }): Promise<{ ok: true } | Failure>;
  /** `bumpEpoch: false`: the markers carry the producer's own epoch and it keeps it (Kafka clients before KIP-890 part 2). */
  end(req: TxnProducer & { commit: boolean; bumpEpoch?: boolean }): Promise<EndResult>;
  /** InitProducerId v3+ (KIP-360): init, refused unless `expected` is the current producer id and epoch. */
  initKafka(req: InitRequest & { expected?: { producerId: number; producerEpoch: number } }): Promise<ProducerIdentity | Failure>;
  /** KIP-890 part 1: the partitions and groups the producer's open transaction does not hold. */
  verify(
    req: TxnProducer & { partitions: Array<{ topic: string; partition: number }>; groups?: string[] },
  ): Promise<{ ok: true; missing: Array<{ topic: string; partition: number }>; missingGroups: string[] } | Failure>;
  describe(transactionalId: string): Promise<TxnDescription | Failure>;
  /** Registry object (TXN_REGISTRY_NAME) only. */
  register(entry: TxnListing): Promise<{ ok: true }>;
  list(): Promise<TxnListing[]>;
}

/** The object that lists transactional ids (transactional ids cannot start with "/"). */
export const TXN_REGISTRY_NAME = "/registry";
/** Kafka's transaction.timeout.ms default and transaction.max.timeout.ms. */
export const DEFAULT_TXN_TIMEOUT_MS = 60_000;
export const MAX_TXN_TIMEOUT_MS = 900_000;
