// A transactional producer's transactions (docs/transactions.md; Kafka's KIP-98 producer, with
// KIP-890's epoch bump at each end). Begin is client side, as in Kafka: the first record or
// offsets sent make the broker open the transaction at its coordinator, so an empty transaction
// costs no request. Commit waits for every record of the transaction to be acknowledged, then
// asks the coordinator to commit; the answer carries the epoch for the next transaction, and
// sequence numbers start again from 0 on every partition.
import { EdgebrokerError, ProducerFencedError, abortedError, invalidArgument } from "./errors.ts";
import { type HttpClient, seg } from "./http.ts";
import type { ProducerIdentity } from "./producer-identity.ts";
import type { ProducerRecord, RecordMetadata, TopicPartitionOffset } from "./types.ts";

/** A consumer group member as a transaction's offsets need it (Kafka's ConsumerGroupMetadata). */
export interface GroupMetadata {
  groupId: string;
  memberId: string;
  memberEpoch: number;
}

/** What `sendOffsets` needs from a Consumer (src/client/consumer.ts). */
export interface OffsetSource {
  groupMetadata(): GroupMetadata;
  /** The next offset to read of every partition the consumer has yielded records from. */
  processedOffsets(): TopicPartitionOffset[];
}

export interface SendOffsetsRequest {
  /** The consumer whose records the transaction processed; its group, member and epoch are used. */
  consumer?: OffsetSource;
  /** Without `consumer`: the group and the member committing (member id and epoch from its join or poll). */
  groupId?: string;
  memberId?: string;
  memberEpoch?: number;
  /** The next offset to read per partition, as in Kafka; default: everything the consumer has yielded. */
  offsets?: TopicPartitionOffset[];
}

/** The transaction handed to `producer.transaction(async (tx) => …)`. */
export interface Transaction {
  send(record: ProducerRecord): Promise<RecordMetadata>;
  /** Commits the consumer group's offsets with the transaction (visible only when it commits). */
  sendOffsets(req: SendOffsetsRequest): Promise<void>;
}

/** What the transactions need from their Producer. */
export interface TransactionHost {
  http: HttpClient;
  identity: ProducerIdentity;
  transactionalId: string;
  send(record: ProducerRecord): Promise<RecordMetadata>;
  /** Waits until every record sent so far is acknowledged or failed. */
  flush(): Promise<void>;
  /** Rejects records not yet sent. */
  failQueued(err: EdgebrokerError): void;
  /** The producer can send no more (fenced). */
  fence(err: EdgebrokerError): void;
}

interface EndAnswer {
  producer_id: number;
  producer_epoch: number;
}

const txnState = (message: string) => new EdgebrokerError("invalid_txn_state", message, { retriable: false });

export class Transactions {
  private open = false;
  /** Something of this transaction went to the broker: the coordinator has a transaction to end. */
  private touched = false;
  private failure: unknown;
  private busy = false;
  private readonly host: TransactionHost;

  constructor(host: TransactionHost) {
    this.host = host;
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Initialises the transactional id (fencing older producers of it); begin does it on first use. */
  async init(): Promise<void> {
    await this.host.identity.ensure();
  }

  async begin(): Promise<void> {
    if (this.open || this.busy) throw txnState("a transaction is already open: commit or abort it first");
    this.busy = true;
    try {
      await this.host.identity.ensure();
    } finally {
      this.busy = false;
    }
    this.open = true;
    this.touched = false;
    this.failure = undefined;
  }

  /** A send inside the transaction: a failure is remembered, so the transaction cannot commit. */
  track(sent: Promise<RecordMetadata>): Promise<RecordMetadata> {
    this.touched = true;
    sent.catch((err: unknown) => (this.failure ??= err));
    return sent;
  }

  async sendOffsets(req: SendOffsetsRequest): Promise<void> {
    this.requireOpen("sendOffsets");
    const meta = req.consumer?.groupMetadata() ?? { groupId: req.groupId, memberId: req.memberId, memberEpoch: req.memberEpoch };
    if (typeof meta.groupId !== "string" || typeof meta.memberId !== "string" || !Number.isSafeInteger(meta.memberEpoch))
      throw invalidArgument("sendOffsets: give `consumer` (a group member), or `groupId`, `memberId` and `memberEpoch`");
    const offsets = (req.offsets ?? req.consumer?.processedOffsets() ?? []).map(({ topic, partition, offset }) => ({
      topic,
      partition,
      offset,
    }));
    if (offsets.length === 0) return;
    const id = await this.host.identity.ensure();
    this.touched = true;
    try {
      await this.host.http.request("POST", `/v1/transactions/${seg(this.host.transactionalId)}/offsets`, {
        body: {
          producer_id: id.producer_id,
          producer_epoch: id.producer_epoch,
          group: meta.groupId,
          member_id: meta.memberId,
          member_epoch: meta.memberEpoch,
          offsets,
        },
      });
    } catch (err) {
      this.failed(err);
      throw err;
    }
  }

  /**
   * Waits for every record, then commits. When a record or offsets of the transaction failed, the
   * transaction is aborted instead and the first failure is thrown (a fenced producer cannot
   * abort: the coordinator already did).
   */
  async commit(): Promise<void> {
    this.requireOpen("commit");
    await this.host.flush();
    if (this.failure !== undefined) {
      const failure = this.failure;
      if (!(failure instanceof ProducerFencedError)) await this.abort();
      else this.open = false;
      throw failure;
    }
    await this.end("commit");
  }

  /** Drops records not sent yet, waits for those in flight, then aborts at the coordinator. */
  async abort(): Promise<void> {
    this.requireOpen("abort");
    this.host.failQueued(abortedError(new Error("the transaction was aborted before the record was sent")));
    await this.host.flush();
    if (this.failure instanceof ProducerFencedError) {
      this.open = false;
      return;
    }
    try {
      await this.end("abort");
    } catch (err) {
      // Nothing reached the coordinator (every send failed before it): there was nothing to abort.
      if (!(err instanceof EdgebrokerError) || err.code !== "invalid_txn_state") throw err;
      this.open = false;
    }
  }

  private async end(verb: "commit" | "abort"): Promise<void> {
    if (!this.touched) {
      this.open = false;
      return;
    }
    const id = await this.host.identity.ensure();
    let answer: EndAnswer;
    try {
      answer = (
        await this.host.http.request<EndAnswer>("POST", `/v1/transactions/${seg(this.host.transactionalId)}/${verb}`, {
          body: { producer_id: id.producer_id, producer_epoch: id.producer_epoch },
        })
      ).body;
    } catch (err) {
      this.failed(err);
      // Fenced: the coordinator has aborted this producer's transaction; nothing is left to end.
      if (err instanceof ProducerFencedError) this.open = false;
      throw err;
    }
    this.host.identity.restart(answer.producer_id, answer.producer_epoch);
    this.open = false;
  }

  private failed(err: unknown): void {
    this.failure ??= err;
    if (err instanceof ProducerFencedError) this.host.fence(err);
  }

  private requireOpen(what: string): void {
    if (!this.open) throw txnState(`${what}: no transaction is open (beginTransaction() or transaction(fn) first)`);
  }

  /** Begins, runs `fn`, commits when it returns and aborts when it throws (rethrowing its error). */
  async run<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    await this.begin();
    const tx: Transaction = { send: (r) => this.host.send(r), sendOffsets: (r) => this.sendOffsets(r) };
    let result: T;
    try {
      result = await fn(tx);
    } catch (err) {
      if (this.open) await this.abort().catch(() => undefined);
      throw err;
    }
    await this.commit();
    return result;
  }
}
