// What every sink shares, run one step per alarm: for each partition of its topics, read from
// the consumer group's committed offset, form a batch (full, or lingered long enough), hand it to
// the kind, then commit the offset after it — so a sink's progress is its group's committed
// offsets (`GET /v1/groups/connect-<name>` shows its lag) and delivery is at least once: a crash
// between a delivery and its commit sends that batch again, under the same idempotency key.
//
// The batch's range is stored *before* its first attempt (connect_pending, sink-pending.ts), and
// every retry — after a backoff, a connector restart or a broker restart — re-reads exactly that
// range, so the key `<connector>-<topic>-<partition>-<first>-<last>` never changes for the same
// records. Settings: sink-settings.ts; a batch given up goes to the dead-letter topic (dead-letter.ts).
import { decodePage, batchesEnd, type DecodedRecord } from "../batch/record-batch.ts";
import type { Failure } from "../errors.ts";
import { EARLIEST, LATEST } from "../log/partition-types.ts";
import type { StoragePort } from "../storage-port.ts";
import type { TopicInfo } from "../topics/registry.ts";
import type { ConnectBroker } from "./broker-port.ts";
import { deadLetter } from "./dead-letter.ts";
import type { DeliveryOutcome, KindContext, SinkKind } from "./kinds.ts";
import { type Pending, PendingBatches } from "./sink-pending.ts";
import type { SinkSettings } from "./sink-settings.ts";
import type { SinkLag } from "./types.ts";

/** What a step reports back to the connector object. */
export interface SinkHooks {
  count(metric: string, n: number): void;
  /** No dead-letter topic and a batch that cannot be delivered: the connector stops (FAILED). */
  failed(trace: string): void;
  /** A problem worth showing in the status while the sink keeps trying (a missing topic). */
  trace(message: string | undefined): void;
}

const READ_BYTES = 4 * 1024 * 1024;

export class SinkRunner<C> {
  /** When a partition's short batch started lingering (memory only: a restart lingers once more). */
  private readonly lingering = new Map<string, number>();
  /** What went wrong in the step running now, for the status's trace. */
  private problems: string[] = [];

  private readonly broker: ConnectBroker;
  private readonly kind: SinkKind<C>;
  private readonly config: C;
  private readonly settings: SinkSettings;
  private readonly ctx: KindContext;
  private readonly group: string;
  private readonly hooks: SinkHooks;
  private readonly batches: PendingBatches;

  constructor(
    storage: StoragePort,
    broker: ConnectBroker,
    kind: SinkKind<C>,
    config: C,
    settings: SinkSettings,
    ctx: KindContext,
    group: string,
    hooks: SinkHooks,
  ) {
    this.broker = broker;
    this.kind = kind;
    this.config = config;
    this.settings = settings;
    this.ctx = ctx;
    this.group = group;
    this.hooks = hooks;
    this.batches = new PendingBatches(storage);
  }

  /** One pass over every partition; answers when the next pass is due. */
  async step(): Promise<number> {
    const now = this.ctx.now();
    const topics: TopicInfo[] = [];
    for (const name of this.settings.topics) {
      const t = await this.broker.topic(name);
      if (!t.ok) this.problems.push(`topic ${name}: ${t.error.message}`);
      else topics.push(t);
    }
    const committed = await this.broker.committed(this.group);
    const work: Promise<number>[] = [];
    for (const t of topics) {
      for (let p = 0; p < t.partitions; p++) {
        const c = committed.get(`${t.name}/${p}`);
        work.push(this.partition(t, p, c && c.epoch === t.epoch ? c.offset : undefined));
      }
    }
    const next = await Promise.all(work);
    // The step's problems (or none) become the status's trace once, not per partition.
    this.hooks.trace(this.problems.length > 0 ? this.problems.join("; ") : undefined);
    this.problems = [];
    return Math.min(now + this.settings.pollMs, ...next);
  }

  private async partition(topic: TopicInfo, p: number, committed: number | undefined): Promise<number> {
    const now = this.ctx.now();
    let pending = this.batches.get(topic.name, p);
    // Delivered and committed, but the row outlived a crash between the commit and its removal.
    if (pending && committed !== undefined && committed > pending.last_offset) {
      this.batches.delete(topic.name, p);
      pending = undefined;
    }
    if (pending) {
      if (pending.next_at > now) return pending.next_at;
      const read = await this.records(topic, p, pending.first_offset, pending.last_offset - pending.first_offset + 1);
      if (!read.ok) return this.readFailed(read);
      const records = read.records.filter((r) => r.offset <= pending!.last_offset);
      return this.deliver(topic, p, pending, records);
    }
    const from = committed ?? (this.settings.reset === "earliest" ? EARLIEST : LATEST);
    const read = await this.records(topic, p, from, this.settings.maxRecords);
    if (!read.ok) return this.readFailed(read);
    const key = `${topic.name}/${p}`;
    if (read.records.length === 0) {
      this.lingering.delete(key);
      // Only markers or left-out aborted data: move past them. A sink that starts at `latest`
      // commits the end at once, so a restart does not jump over records produced meanwhile.
      if (read.end !== committed && (read.end > read.offset || committed === undefined)) await this.commit(topic, p, read.end);
      return now + this.settings.pollMs;
    }
    const full = read.records.length >= this.settings.maxRecords;
    if (!full && this.settings.lingerMs > 0) {
      const since = this.lingering.get(key) ?? now;
      this.lingering.set(key, since);
      if (now - since < this.settings.lingerMs) return since + this.settings.lingerMs;
    }
    this.lingering.delete(key);
    const first = read.records[0]!.offset;
    const last = read.records[read.records.length - 1]!.offset;
    const row: Pending = {
      topic: topic.name,
      partition: p,
      first_offset: first,
      last_offset: last,
      commit_to: full ? last + 1 : Math.max(last + 1, read.end),
      attempts: 0,
      next_at: now,
      last_error: null,
    };
    this.batches.put(row);
    return this.deliver(topic, p, row, read.records);
  }

  private readFailed(f: Failure): number {
    this.problems.push(f.error.message);
    return this.ctx.now() + this.settings.pollMs;
  }

  /** Decoded records from `from`, at most `max`, and the offset after what the read examined. */
  private async records(
    topic: TopicInfo,
    p: number,
    from: number,
    max: number,
  ): Promise<{ ok: true; offset: number; records: DecodedRecord[]; end: number } | Failure> {
    const req = { offset: from, maxBytes: READ_BYTES, maxRecords: max, waitMs: 0, isolation: "read_committed" as const };
    let r = await this.broker.read(topic, p, req);
    // Retention or delete-records moved the log start past the position: start where it is now.
    if (!r.ok && r.error.code === "offset_out_of_range") r = await this.broker.read(topic, p, { ...req, offset: EARLIEST });
    if (!r.ok) return r;
    const page = decodePage(r.batches, r.offset, max);
    // Past the whole read unless decoding stopped early (max, or the decompression bound: the
    // batches past it are read next time, not committed past).
    const end = page.stopped ? page.next : Math.max(page.next, batchesEnd(r.batches, r.offset), r.nextOffset ?? r.offset);
    return { ok: true, offset: r.offset, records: page.records, end };
  }

  private async commit(topic: TopicInfo, p: number, offset: number): Promise<boolean> {
    const r = await this.broker.commit(this.group, [{ topic, partition: p, offset }]);
    if (!r.ok) this.problems.push(`commit to group ${this.group}: ${r.error.message}`);
    return r.ok;
  }

  private done(topic: TopicInfo, p: number): void {
    this.batches.delete(topic.name, p);
  }

  private async deliver(topic: TopicInfo, p: number, pending: Pending, records: DecodedRecord[]): Promise<number> {
    const now = this.ctx.now();
    if (records.length === 0) {
      // The range is gone (retention, topic recreated): nothing left to deliver.
      this.done(topic, p);
      return now;
    }
    const attempt = pending.attempts + 1;
    const key = `${this.ctx.connector}-${topic.name}-${p}-${pending.first_offset}-${pending.last_offset}`;
    const batch = {
      topic: topic.name,
      partition: p,
      firstOffset: pending.first_offset,
      lastOffset: pending.last_offset,
      key,
      attempt,
      records,
    };
    // A kind that throws (a runtime's fetch failing in a way its port did not map) is a transient failure too.
    const outcome: DeliveryOutcome = await this.kind
      .deliver(this.ctx, this.config, batch)
      .catch((err: unknown) => ({ ok: false, retry: true, reason: `delivery failed: ${(err as Error).message}` }));
    if (outcome.ok) {
      if (await this.commit(topic, p, pending.commit_to)) this.done(topic, p);
      this.hooks.count("records_delivered", records.length);
      this.hooks.count("batches_delivered", 1);
      return this.ctx.now();
    }
    this.hooks.count("delivery_failures", 1);
    if (outcome.retry && attempt < this.settings.maxAttempts) {
      const backoff = Math.min(this.settings.backoffMaxMs, this.settings.backoffMs * 2 ** (attempt - 1));
      // Counted from the answer (Retry-After is relative to it), not from when the request left.
      const next = this.ctx.now() + Math.max(backoff, outcome.retryAfterMs ?? 0);
      this.batches.retryAt(topic.name, p, attempt, next, outcome.reason);
      return next;
    }
    const why = `${outcome.retry ? `gave up after ${attempt} attempts` : "not retriable"}: ${outcome.reason}`;
    if (!this.settings.dlq) {
      this.batches.givenUp(topic.name, p, attempt, outcome.reason);
      this.hooks.failed(`batch ${key} ${why} (no errors.deadletterqueue.topic.name configured)`);
      return Number.POSITIVE_INFINITY;
    }
    const dead = await deadLetter(this.broker, this.ctx, this.settings.dlq, topic, p, records, outcome.reason, attempt, outcome.status);
    if (!dead.ok) {
      this.problems.push(`dead-letter topic ${this.settings.dlq}: ${dead.error.message}`);
      return now + this.settings.backoffMs;
    }
    if (await this.commit(topic, p, pending.commit_to)) this.done(topic, p);
    this.hooks.count("records_dead_lettered", records.length);
    return this.ctx.now();
  }

  /** The status's lag: the group's committed offsets against each partition's end. */
  async lag(): Promise<{ total: number; partitions: SinkLag[] }> {
    const committed = await this.broker.committed(this.group);
    const out: SinkLag[] = [];
    for (const name of this.settings.topics) {
      const t = await this.broker.topic(name);
      if (!t.ok) continue;
      for (let p = 0; p < t.partitions; p++) {
        const c = committed.get(`${name}/${p}`);
        const offset = c && c.epoch === t.epoch ? c.offset : null;
        const stats = await this.broker.stats(t, p);
        const hw = stats.ok ? stats.end_offset : null;
        const entry: SinkLag = {
          topic: name,
          partition: p,
          committed: offset,
          high_watermark: hw,
          lag: hw === null ? null : Math.max(0, hw - (offset ?? (stats.ok ? stats.start_offset : 0))),
        };
        const pending = this.batches.get(name, p);
        if (pending) {
          entry.pending = {
            first_offset: pending.first_offset,
            last_offset: pending.last_offset,
            attempts: pending.attempts,
            next_attempt_at: pending.next_at,
            last_error: pending.last_error,
          };
        }
        out.push(entry);
      }
    }
    return { total: out.reduce((n, e) => n + (e.lag ?? 0), 0), partitions: out };
  }

  /** A restart gives every pending batch its attempts back (same range, same key) and retries it now. */
  resetAttempts(): void {
    this.batches.resetAttempts();
  }
}
