// The producer: send() places a record in its partition's queue (producer-queue.ts) and resolves
// once the broker has acknowledged it (durably stored) with its partition and offset. Keyed
// records go to Kafka's partition for the key — computed here with the broker's own function —
// and unkeyed ones stick to one random partition per batch (Kafka's sticky partitioner), so a
// batch is always one request to one partition.
import { encodeRecord } from "./codec.ts";
import { closedError, EdgebrokerError, invalidArgument } from "./errors.ts";
import { HttpClient } from "./http.ts";
import { PartitionCounts } from "./metadata.ts";
import { partitionForKey } from "./partitioner.ts";
import { deliverBatch, type DeliveryContext } from "./producer-delivery.ts";
import { ProducerIdentity } from "./producer-identity.ts";
import { Generation, PartitionQueue, settle, type Pending, type QueueLimits } from "./producer-queue.ts";
import { type SendOffsetsRequest, type Transaction, Transactions } from "./transaction.ts";
import type { ClientOptions, ProducerRecord, RecordMetadata } from "./types.ts";

export interface ProducerOptions extends ClientOptions {
  /** How long a record waits for others to fill its batch, in ms (default 5). */
  lingerMs?: number;
  /** Records per produce request (default 5000; the broker's default limit is 10000). */
  maxBatchRecords?: number;
  /** Estimated bytes per produce request (default 786432; the broker's default request limit is 1 MiB). */
  maxBatchBytes?: number;
  /**
   * Idempotent producing (default true, as in Kafka 3): retries never duplicate a record and a
   * partition's records stay in order. Costs one POST /v1/producers per producer, on first send.
   */
  idempotent?: boolean;
  /** With `idempotent`: a stable name for this producer; a new producer with the same name fences this one. */
  name?: string;
  /** Requests in flight per partition when not idempotent (default 5; idempotent: always 1). */
  maxInFlight?: number;
  /** Aborting closes the producer at once: queued records are rejected with `aborted`. */
  signal?: AbortSignal;
  /**
   * Makes this a transactional producer (docs/transactions.md): records are sent inside
   * `transaction(fn)` or between `beginTransaction()` and `commitTransaction()`. A new producer
   * with the same id fences this one (ProducerFencedError). Implies `idempotent`.
   */
  transactionalId?: string;
  /** The broker aborts a transaction open longer than this (default: the broker's, 60000; capped by its maximum). */
  transactionTimeoutMs?: number;
}

function positiveInteger(name: string, v: number | undefined, fallback: number, min = 1): number {
  if (v === undefined) return fallback;
  if (!Number.isSafeInteger(v) || v < min) throw invalidArgument(`${name}: expected an integer >= ${min}, got ${v}`);
  return v;
}

export class Producer {
  private readonly http: HttpClient;
  private readonly counts: PartitionCounts;
  private readonly limits: QueueLimits;
  private readonly ctx: DeliveryContext;
  private readonly queues = new Map<string, PartitionQueue>();
  private readonly sticky = new Map<string, number>();
  /** Generations of sent records not yet all settled; the last one takes new sends. */
  private generations: Generation[] = [new Generation()];
  /** Sends waiting for their topic's metadata; later sends queue behind them to keep order. */
  private waiting = 0;
  private readonly abort = new AbortController();
  /** Sends that wait for metadata are chained so records keep their send() order. */
  private chain: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;
  private fenced: EdgebrokerError | undefined;
  private readonly txn: Transactions | undefined;

  constructor(opts: ProducerOptions) {
    this.http = new HttpClient(opts);
    this.counts = new PartitionCounts(this.http);
    const tid = opts.transactionalId;
    if (tid !== undefined && (typeof tid !== "string" || tid.length === 0))
      throw invalidArgument("transactionalId: expected a non-empty string");
    if (tid !== undefined && opts.idempotent === false) throw invalidArgument("transactionalId: a transactional producer is idempotent");
    const timeoutMs =
      opts.transactionTimeoutMs === undefined ? undefined : positiveInteger("transactionTimeoutMs", opts.transactionTimeoutMs, 1);
    const idempotent = opts.idempotent ?? true;
    this.limits = {
      lingerMs: positiveInteger("lingerMs", opts.lingerMs, 5, 0),
      maxBatchRecords: positiveInteger("maxBatchRecords", opts.maxBatchRecords, 5000),
      maxBatchBytes: positiveInteger("maxBatchBytes", opts.maxBatchBytes, 786_432),
      maxInFlight: idempotent ? 1 : positiveInteger("maxInFlight", opts.maxInFlight, 5),
    };
    this.ctx = {
      http: this.http,
      counts: this.counts,
      identity: idempotent
        ? new ProducerIdentity(this.http, opts.name, tid === undefined ? undefined : { transactionalId: tid, timeoutMs })
        : undefined,
      signal: this.abort.signal,
      fence: (err) => this.fence(err),
    };
    if (tid !== undefined)
      this.txn = new Transactions({
        http: this.http,
        identity: this.ctx.identity!,
        transactionalId: tid,
        send: (r) => this.send(r),
        flush: () => this.flush(),
        failQueued: (err) => {
          for (const q of this.queues.values()) q.failQueued(err);
        },
        fence: (err) => this.fence(err),
      });
    if (opts.signal) {
      if (opts.signal.aborted) this.abortNow(opts.signal.reason);
      else opts.signal.addEventListener("abort", () => this.abortNow(opts.signal!.reason), { once: true });
    }
  }

  /** Sends one record; resolves with its partition and offset once the broker stored it. */
  send(record: ProducerRecord): Promise<RecordMetadata> {
    const refused = this.fenced ?? (this.closing || this.abort.signal.aborted ? closedError("producer") : undefined);
    if (refused) return Promise.reject(refused);
    if (this.txn) {
      if (!this.txn.isOpen)
        return Promise.reject(
          new EdgebrokerError(
            "invalid_txn_state",
            "a transactional producer sends inside a transaction: transaction(fn) or beginTransaction()",
            {
              retriable: false,
            },
          ),
        );
      return this.txn.track(this.enqueue(record));
    }
    return this.enqueue(record);
  }

  private enqueue(record: ProducerRecord): Promise<RecordMetadata> {
    let encoded;
    try {
      if (!record || typeof record.topic !== "string" || record.topic.length === 0) throw invalidArgument("topic: required");
      if (record.partition !== undefined && (!Number.isSafeInteger(record.partition) || record.partition < 0)) {
        throw invalidArgument(`partition: expected an integer >= 0, got ${record.partition}`);
      }
      encoded = encodeRecord(record, this.http.encoding);
    } catch (err) {
      return Promise.reject(err);
    }
    const generation = this.generations[this.generations.length - 1]!;
    generation.pending++;
    return new Promise<RecordMetadata>((resolve, reject) => {
      const p: Pending = { record: encoded, generation, resolve, reject, state: "queued" };
      const known = record.partition ?? this.counts.known(record.topic);
      if (this.waiting === 0 && known !== undefined) return this.place(record, p, record.partition === undefined ? known : undefined);
      this.waiting++;
      this.chain = this.chain
        .then(async () =>
          this.place(record, p, record.partition === undefined ? await this.counts.get(record.topic, this.abort.signal) : undefined),
        )
        .catch((err: unknown) => settle(p, err))
        .finally(() => this.waiting--);
    });
  }

  /** Puts a record in its partition's queue; `count` is the topic's partition count when the record names no partition. */
  private place(record: ProducerRecord, p: Pending, count: number | undefined): void {
    if (record.signal?.aborted)
      return settle(
        p,
        new EdgebrokerError("aborted", "the send was aborted before the record was queued", {
          retriable: false,
          cause: record.signal.reason,
        }),
      );
    if (this.fenced) return settle(p, this.fenced);
    if (this.abort.signal.aborted) return settle(p, closedError("producer"));
    const partition =
      record.partition ?? (p.record.keyBytes ? partitionForKey(p.record.keyBytes, count!) : this.stickyPartition(record.topic, count!));
    this.queue(record.topic, partition).add(p, record.signal);
  }

  private stickyPartition(topic: string, count: number): number {
    let p = this.sticky.get(topic);
    if (p === undefined || p >= count) {
      p = Math.floor(Math.random() * count);
      this.sticky.set(topic, p);
    }
    return p;
  }

  private queue(topic: string, partition: number): PartitionQueue {
    const key = `${topic}\u0000${partition}`;
    let q = this.queues.get(key);
    if (!q) {
      q = new PartitionQueue(
        topic,
        partition,
        this.limits,
        (queue, batch) => deliverBatch(this.ctx, queue, batch),
        (queue) => {
          // A batch left: unkeyed records move on to another random partition (Kafka's sticky partitioner).
          if (this.sticky.get(queue.topic) === queue.partition) this.sticky.delete(queue.topic);
        },
      );
      this.queues.set(key, q);
    }
    return q;
  }

  /** Sends everything queued now and waits until each record sent so far is acknowledged or failed. */
  async flush(): Promise<void> {
    const before = this.generations;
    this.generations = [...before.filter((g) => g.pending > 0), new Generation()];
    // Records still waiting for metadata join their queues first.
    await this.chain;
    for (const q of this.queues.values()) q.hurry();
    await Promise.all(before.map((g) => g.drained()));
    this.generations = this.generations.filter((g, i) => g.pending > 0 || i === this.generations.length - 1);
  }

  /** Flushes, then refuses further sends (an open transaction is aborted). Idempotent; resolves when everything has settled. */
  close(): Promise<void> {
    this.closing ??= this.txn?.isOpen ? this.txn.abort().finally(() => this.flush()) : this.flush();
    return this.closing;
  }

  // ---- Transactions (transactionalId; docs/transactions.md) ----

  /**
   * Runs `fn` in a transaction: commits when it returns, aborts when it throws (and rethrows).
   * Every record sent through `tx` (or this producer) meanwhile, and the offsets given to
   * `tx.sendOffsets`, become visible to read_committed consumers together, or not at all.
   */
  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.transactions("transaction").run(fn);
  }

  /** Initialises the transactional id now (fencing older producers with it); the first transaction does it otherwise. */
  async initTransactions(): Promise<void> {
    return this.transactions("initTransactions").init();
  }

  async beginTransaction(): Promise<void> {
    return this.transactions("beginTransaction").begin();
  }

  /** Waits for the transaction's records, then commits it; if one of them failed, aborts it and throws that failure. */
  async commitTransaction(): Promise<void> {
    return this.transactions("commitTransaction").commit();
  }

  /** Drops records not yet sent and aborts the transaction. */
  async abortTransaction(): Promise<void> {
    return this.transactions("abortTransaction").abort();
  }

  /** Commits a consumer group's offsets in the open transaction (Kafka's sendOffsetsToTransaction). */
  async sendOffsets(req: SendOffsetsRequest): Promise<void> {
    return this.transactions("sendOffsets").sendOffsets(req);
  }

  private transactions(what: string): Transactions {
    if (!this.txn) throw invalidArgument(`${what}: the producer needs a transactionalId`);
    // A fenced producer can start nothing new (its commit or abort of what is open is answered by the broker).
    if (this.fenced && (what === "transaction" || what === "beginTransaction" || what === "initTransactions")) throw this.fenced;
    return this.txn;
  }

  private fence(err: EdgebrokerError): void {
    this.fenced ??= err;
    for (const q of this.queues.values()) q.failQueued(err);
  }

  private abortNow(reason: unknown): void {
    this.abort.abort(reason);
    this.closing ??= Promise.resolve();
    const err = new EdgebrokerError("aborted", "the producer was aborted; queued records were not sent", {
      retriable: false,
      cause: reason,
    });
    for (const q of this.queues.values()) q.failQueued(err);
  }
}
