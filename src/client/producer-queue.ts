// One partition's outgoing records: they wait up to `lingerMs` (or until a batch is full) so that
// many send() calls become one request, then go out as one produce request per batch. At most
// `maxInFlight` requests per partition are outstanding — 1 for an idempotent producer, which is
// what keeps a partition's records in order across retries.
import { abortedError } from "./errors.ts";
import type { EncodedRecord } from "./codec.ts";
import type { RecordMetadata } from "./types.ts";

/**
 * The records sent between two flushes. flush() waits for the generations before it to settle:
 * a counter per generation instead of a promise per record (producing is allocation-bound).
 */
export class Generation {
  pending = 0;
  private waiters: Array<() => void> = [];

  settled(): void {
    if (--this.pending === 0) for (const w of this.waiters.splice(0)) w();
  }

  drained(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

export interface Pending {
  record: EncodedRecord;
  generation: Generation;
  resolve: (meta: RecordMetadata) => void;
  reject: (err: unknown) => void;
  /** queued → sent (in a request) → settled. */
  state: "queued" | "sent" | "settled";
  detach?: () => void;
}

export interface QueueLimits {
  lingerMs: number;
  maxBatchRecords: number;
  maxBatchBytes: number;
  maxInFlight: number;
}

/** Sends one batch and settles its records; may hand records back with `requeue`. */
export type Deliver = (queue: PartitionQueue, batch: Pending[]) => Promise<void>;

export class PartitionQueue {
  readonly topic: string;
  readonly partition: number;
  private readonly records: Pending[] = [];
  private bytes = 0;
  private inFlight = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Linger over for what is queued (timer fired, batch full, or a flush asked). */
  private ready = false;
  /** Lowered when the broker refused a batch as too large; never raised again. */
  private maxRecords: number;
  private readonly limits: QueueLimits;
  private readonly deliver: Deliver;
  private readonly onSent: (queue: PartitionQueue) => void;

  constructor(topic: string, partition: number, limits: QueueLimits, deliver: Deliver, onSent: (queue: PartitionQueue) => void) {
    this.topic = topic;
    this.partition = partition;
    this.limits = limits;
    this.maxRecords = limits.maxBatchRecords;
    this.deliver = deliver;
    this.onSent = onSent;
  }

  get idle(): boolean {
    return this.records.length === 0 && this.inFlight === 0;
  }

  add(p: Pending, signal: AbortSignal | undefined): void {
    if (signal) {
      const onAbort = () => this.abort(p, signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      p.detach = () => signal.removeEventListener("abort", onAbort);
    }
    this.records.push(p);
    this.bytes += p.record.size;
    if (this.full()) this.ready = true;
    if (this.ready) this.pump();
    else
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.ready = true;
        this.pump();
      }, this.limits.lingerMs);
  }

  /** Sends what is queued without waiting for the linger time (flush, close). */
  hurry(): void {
    if (this.records.length === 0) return;
    this.ready = true;
    this.pump();
  }

  /** Records handed back by a delivery (a batch split after 413): first in line again. */
  requeue(batch: Pending[], maxRecords: number): void {
    this.maxRecords = Math.max(1, Math.min(this.maxRecords, maxRecords));
    for (const p of batch) p.state = "queued";
    this.records.unshift(...batch);
    this.bytes += batch.reduce((n, p) => n + p.record.size, 0);
    this.ready = true;
  }

  /** Rejects everything still queued (a fenced producer, an aborted one). */
  failQueued(err: unknown): void {
    for (const p of this.records.splice(0)) settle(p, err);
    this.bytes = 0;
    this.clearTimer();
  }

  private full(): boolean {
    return this.records.length >= this.maxRecords || this.bytes >= this.limits.maxBatchBytes;
  }

  private abort(p: Pending, reason: unknown): void {
    if (p.state !== "queued") return; // already on the wire: it cannot be taken back
    const i = this.records.indexOf(p);
    if (i >= 0) this.records.splice(i, 1);
    this.bytes -= p.record.size;
    settle(p, abortedError(reason));
    if (this.records.length === 0) this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.ready = false;
  }

  private pump(): void {
    while (this.ready && this.records.length > 0 && this.inFlight < this.limits.maxInFlight) {
      const batch = this.take();
      this.inFlight++;
      this.onSent(this);
      this.deliver(this, batch)
        .catch((err: unknown) => batch.forEach((p) => settle(p, err)))
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
    if (this.records.length === 0) this.clearTimer();
  }

  /** The next batch: whole records up to the limits (always at least one). */
  private take(): Pending[] {
    let n = 0;
    let size = 0;
    while (
      n < this.records.length &&
      n < this.maxRecords &&
      (n === 0 || size + this.records[n]!.record.size <= this.limits.maxBatchBytes)
    ) {
      size += this.records[n]!.record.size;
      n++;
    }
    const batch = this.records.splice(0, n);
    this.bytes -= size;
    for (const p of batch) {
      p.state = "sent";
      p.detach?.();
    }
    return batch;
  }
}

/** Settles a record with its place in the log (once; later outcomes are ignored). */
export function succeed(p: Pending, meta: RecordMetadata): void {
  if (p.state === "settled") return;
  p.state = "settled";
  p.detach?.();
  p.generation.settled();
  p.resolve(meta);
}

/** Settles a record with an error (once). */
export function settle(p: Pending, err: unknown): void {
  if (p.state === "settled") return;
  p.state = "settled";
  p.detach?.();
  p.generation.settled();
  p.reject(err);
}
