// Idempotent producing (Kafka's KIP-98 as the broker implements it, docs/producing.md "Idempotent
// producers"): one producer id and epoch from POST /v1/producers, and per partition the sequence
// number of the next record. A batch is numbered when it is first sent and keeps its numbers on
// every retry, so the broker recognises a retry of an appended batch and answers its original
// offsets instead of appending it again.
import { type HttpClient, seg } from "./http.ts";

/** Sequence numbers are 31-bit and wrap to 0 after 2^31 - 1, as in Kafka. */
const SEQUENCE_SPACE = 2 ** 31;

export interface Numbered {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
}

/** A transactional producer's id (docs/transactions.md): its producer id comes from the coordinator's init. */
export interface TransactionalSettings {
  transactionalId: string;
  timeoutMs: number | undefined;
}

export class ProducerIdentity {
  private id: Promise<{ producer_id: number; producer_epoch: number }> | undefined;
  private readonly next = new Map<string, number>();
  private readonly http: HttpClient;
  private readonly name: string | undefined;
  readonly transactional: TransactionalSettings | undefined;

  constructor(http: HttpClient, name: string | undefined, transactional?: TransactionalSettings) {
    this.http = http;
    this.name = name;
    this.transactional = transactional;
  }

  /**
   * The producer id, registered on first use (retried like any request). A transactional
   * producer initialises its transactional id instead (InitProducerId): the epoch goes up and
   * every earlier producer with the same id is fenced.
   */
  ensure(signal?: AbortSignal): Promise<{ producer_id: number; producer_epoch: number }> {
    if (!this.id) {
      const t = this.transactional;
      const [path, body] = t
        ? [`/v1/transactions/${seg(t.transactionalId)}/init`, t.timeoutMs === undefined ? {} : { transaction_timeout_ms: t.timeoutMs }]
        : ["/v1/producers", this.name === undefined ? {} : { name: this.name }];
      const id = this.http.request<{ producer_id: number; producer_epoch: number }>("POST", path, { body, signal }).then((r) => r.body);
      this.id = id;
      id.catch(() => this.id === id && (this.id = undefined));
    }
    return this.id;
  }

  /**
   * A transaction ended: the coordinator bumped the epoch (KIP-890), and sequence numbers start
   * from 0 again on every partition for the next transaction.
   */
  restart(producerId: number, producerEpoch: number): void {
    this.id = Promise.resolve({ producer_id: producerId, producer_epoch: producerEpoch });
    this.next.clear();
  }

  /** Numbers a batch of `count` records for a partition: its base sequence, and the id/epoch. */
  async number(topic: string, partition: number, count: number, signal?: AbortSignal): Promise<Numbered> {
    const { producer_id, producer_epoch } = await this.ensure(signal);
    const key = `${topic}\u0000${partition}`;
    const base = this.next.get(key) ?? 0;
    this.next.set(key, (base + count) % SEQUENCE_SPACE);
    return { producerId: producer_id, producerEpoch: producer_epoch, baseSequence: base };
  }

  /**
   * The partition answered out_of_order_sequence expecting `expected`. Every earlier batch to it
   * was acknowledged (one request in flight per partition), so the broker's expectation is the
   * truth: it has forgotten this producer (state expired) when it expects 0. The next batch is
   * numbered from there.
   */
  resync(topic: string, partition: number, expected: number): void {
    this.next.set(`${topic}\u0000${partition}`, expected % SEQUENCE_SPACE);
  }
}
