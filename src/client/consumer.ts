// The consumer: `for await (const record of consumer)` yields records one by one from a group
// session (broker-assigned partitions) or, without a group, from every partition of the topics.
// Progress: a record counts as processed once the loop asks for the next one (or stops); with
// autoCommit the processed offsets are committed before each poll, every autoCommitIntervalMs
// while the loop is busy, and on close — at-least-once, as Kafka's consumer.
import type { DecodeMode } from "./codec.ts";
import { fromKey, tpKey, type AssignmentListener, type ReadSettings, type RecordSource } from "./consumer-types.ts";
import { closedError, EdgebrokerError, invalidArgument } from "./errors.ts";
import { GroupSession } from "./group-session.ts";
import { HttpClient } from "./http.ts";
import { PartitionReader } from "./partition-reader.ts";
import type { GroupMetadata, OffsetSource } from "./transaction.ts";
import type { ClientOptions, ConsumerRecord, TopicPartition, TopicPartitionOffset } from "./types.ts";

/** The membership is gone; the group session joins again on its next poll. */
const LOST = new Set(["stale_epoch", "unknown_member", "group_not_found"]);

export type PartitionsListener = (partitions: TopicPartition[]) => void | Promise<void>;

export interface ConsumerOptions extends ClientOptions {
  topics: string[];
  /** A consumer group: the broker shares the partitions among its members. Without it, this consumer reads every partition itself. */
  group?: string;
  /** Without a group: only these partition numbers. */
  partitions?: number[];
  /** Where a partition with no committed offset (or no seek) starts; default "latest", as in Kafka. */
  autoOffsetReset?: "earliest" | "latest";
  /** Commit processed records automatically (default true; group only). */
  autoCommit?: boolean;
  /** While the loop is busy with a batch, commit at most this often (default 5000 ms). */
  autoCommitIntervalMs?: number;
  /** Group session timeout: a member silent this long is removed (broker default 45000). */
  sessionTimeoutMs?: number;
  /** Member id to use (or resume); default: the broker assigns one. */
  memberId?: string;
  /** Records per poll (default 500). */
  maxRecords?: number;
  /** Bytes per poll (broker default 1 MiB). */
  maxBytes?: number;
  /** Long-poll wait when nothing is new, in ms (default 5000, at most the broker's 30000). */
  waitMs?: number;
  /**
   * Kafka's isolation.level: "read_committed" reads only committed transactions' records and stops
   * at each partition's last stable offset; "read_uncommitted" (default) reads everything.
   */
  isolation?: "read_committed" | "read_uncommitted";
  /** "auto" (default): keys/headers as strings and JSON values parsed when they are text; "bytes": always Uint8Array. */
  decode?: DecodeMode;
  onAssigned?: PartitionsListener;
  onRevoked?: PartitionsListener;
  /** Aborting closes the consumer. */
  signal?: AbortSignal;
}

function count(name: string, v: number | undefined, fallback: number | undefined, min: number): number | undefined {
  if (v === undefined) return fallback;
  if (!Number.isSafeInteger(v) || v < min) throw invalidArgument(`${name}: expected an integer >= ${min}, got ${v}`);
  return v;
}

export class Consumer implements AsyncIterable<ConsumerRecord>, OffsetSource {
  private readonly source: RecordSource;
  private readonly hasGroup: boolean;
  private readonly autoCommit: boolean;
  private readonly listeners = { assigned: new Set<PartitionsListener>(), revoked: new Set<PartitionsListener>() };
  /** Fetched records not yet yielded: buffer[cursor..] (an index, since shift() is O(n) per record). */
  private buffer: ConsumerRecord[] = [];
  private cursor = 0;
  private last: ConsumerRecord | undefined;
  /** Next offset to commit per partition (processed), and what was committed. */
  private readonly processed = new Map<string, number>();
  private readonly committed = new Map<string, number>();
  private readonly stop = new AbortController();
  private fetching: Promise<ConsumerRecord[]> | undefined;
  private serial: Promise<unknown> = Promise.resolve();
  private timer: ReturnType<typeof setInterval> | undefined;
  private closing: Promise<void> | undefined;
  private iterating = false;
  private readonly group: string | undefined;

  constructor(opts: ConsumerOptions) {
    const http = new HttpClient(opts);
    if (!Array.isArray(opts.topics) || opts.topics.length === 0 || !opts.topics.every((t) => typeof t === "string" && t.length > 0)) {
      throw invalidArgument("topics: expected a non-empty array of topic names");
    }
    if (opts.autoOffsetReset !== undefined && opts.autoOffsetReset !== "earliest" && opts.autoOffsetReset !== "latest") {
      throw invalidArgument(`autoOffsetReset: expected "earliest" or "latest", got ${JSON.stringify(opts.autoOffsetReset)}`);
    }
    if (opts.decode !== undefined && opts.decode !== "auto" && opts.decode !== "bytes")
      throw invalidArgument(`decode: expected "auto" or "bytes", got ${JSON.stringify(opts.decode)}`);
    if (opts.isolation !== undefined && opts.isolation !== "read_committed" && opts.isolation !== "read_uncommitted")
      throw invalidArgument(`isolation: expected "read_committed" or "read_uncommitted", got ${JSON.stringify(opts.isolation)}`);
    if (opts.group !== undefined && opts.partitions !== undefined)
      throw invalidArgument("partitions: a group member is assigned its partitions by the broker; drop `partitions` or `group`");
    const read: ReadSettings = {
      topics: [...opts.topics],
      autoOffsetReset: opts.autoOffsetReset ?? "latest",
      maxRecords: count("maxRecords", opts.maxRecords, 500, 1)!,
      maxBytes: count("maxBytes", opts.maxBytes, undefined, 1),
      waitMs: count("waitMs", opts.waitMs, 5000, 0)!,
      decode: opts.decode ?? "auto",
      isolation: opts.isolation ?? "read_uncommitted",
    };
    const listener: AssignmentListener = { assigned: (p) => this.emit("assigned", p), revoked: (p) => this.emit("revoked", p) };
    if (opts.onAssigned) this.listeners.assigned.add(opts.onAssigned);
    if (opts.onRevoked) this.listeners.revoked.add(opts.onRevoked);
    this.hasGroup = opts.group !== undefined;
    this.group = opts.group;
    this.autoCommit = this.hasGroup && (opts.autoCommit ?? true);
    if (opts.group !== undefined) {
      const sessionTimeoutMs = count("sessionTimeoutMs", opts.sessionTimeoutMs, undefined, 1);
      this.source = new GroupSession(http, { ...read, group: opts.group, memberId: opts.memberId, sessionTimeoutMs }, listener);
    } else {
      for (const p of opts.partitions ?? []) count("partitions[]", p, 0, 0);
      this.source = new PartitionReader(http, { ...read, partitions: opts.partitions ? [...opts.partitions] : undefined }, listener);
    }
    if (this.autoCommit) {
      const interval = count("autoCommitIntervalMs", opts.autoCommitIntervalMs, 5000, 1)!;
      this.timer = setInterval(() => void this.commitProcessed().catch(() => {}), interval);
      (this.timer as { unref?: () => void }).unref?.();
    }
    if (opts.signal) {
      if (opts.signal.aborted) void this.close();
      else opts.signal.addEventListener("abort", () => void this.close().catch(() => {}), { once: true });
    }
  }

  /** Adds a listener for partitions assigned to or revoked from this consumer. */
  on(event: "assigned" | "revoked", fn: PartitionsListener): this {
    this.listeners[event].add(fn);
    return this;
  }

  off(event: "assigned" | "revoked", fn: PartitionsListener): this {
    this.listeners[event].delete(fn);
    return this;
  }

  private async emit(event: "assigned" | "revoked", partitions: TopicPartition[]): Promise<void> {
    if (event === "revoked") {
      // Records of a partition this member no longer owns are not handed out any more.
      const gone = new Set(partitions.map((p) => tpKey(p.topic, p.partition)));
      this.keepBuffered((r) => !gone.has(tpKey(r.topic, r.partition)));
      for (const key of gone) this.processed.delete(key);
    }
    for (const fn of this.listeners[event]) await fn(partitions);
  }

  /** Only one loop at a time reads a consumer. */
  [Symbol.asyncIterator](): AsyncIterator<ConsumerRecord> {
    if (this.iterating) throw invalidArgument("this consumer is already being iterated; use one for-await loop per consumer");
    this.iterating = true;
    return {
      // A loop that ended with an error did not call return(): the consumer may be iterated again.
      next: () =>
        this.next().catch((err: unknown) => {
          this.iterating = false;
          throw err;
        }),
      return: async () => {
        this.iterating = false;
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  private async next(): Promise<IteratorResult<ConsumerRecord>> {
    this.markProcessed();
    while (this.cursor >= this.buffer.length) {
      if (this.closing) return this.finished();
      const round = this.exclusive(async () => {
        if (this.autoCommit) await this.autoCommitNow();
        return this.source.fetch(this.stop.signal);
      });
      this.fetching = round;
      try {
        this.buffer = await round;
        this.cursor = 0;
      } catch (err) {
        if (this.closing) return this.finished();
        throw err;
      } finally {
        this.fetching = undefined;
      }
    }
    if (this.closing) return this.finished();
    this.last = this.buffer[this.cursor++]!;
    return { done: false, value: this.last };
  }

  /** The loop ends once closing is complete (committed, left the group). */
  private async finished(): Promise<IteratorResult<ConsumerRecord>> {
    await this.closing?.catch(() => undefined);
    return { done: true, value: undefined };
  }

  private keepBuffered(keep: (r: ConsumerRecord) => boolean): void {
    this.buffer = this.buffer.slice(this.cursor).filter(keep);
    this.cursor = 0;
  }

  private markProcessed(): void {
    if (!this.last) return;
    this.processed.set(tpKey(this.last.topic, this.last.partition), this.last.offset + 1);
    this.last = undefined;
  }

  /** Runs group calls one at a time (a commit never races a poll that may change the epoch). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.serial.then(fn, fn);
    this.serial = run.catch(() => undefined);
    return run;
  }

  private dirty(): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    for (const [key, offset] of this.processed) if (this.committed.get(key) !== offset) out.push({ ...fromKey(key), offset });
    return out;
  }

  private async commitNow(offsets = this.dirty()): Promise<void> {
    if (offsets.length === 0) return;
    await this.source.commit(offsets);
    for (const o of offsets) this.committed.set(tpKey(o.topic, o.partition), o.offset);
  }

  /**
   * Auto-commit tolerates losing partitions: a partition that moved to another member (`fenced`)
   * is dropped and the rest committed; a lost membership (the session rejoins on its next poll)
   * already dropped its partitions' progress — their records come again from the committed offsets.
   */
  private async autoCommitNow(): Promise<void> {
    for (let tries = this.processed.size; ; tries--) {
      try {
        return await this.commitNow();
      } catch (err) {
        if (!(err instanceof EdgebrokerError) || tries <= 0) throw err;
        if (LOST.has(err.code)) return;
        if (err.code !== "fenced") throw err;
        this.processed.delete(tpKey(String(err.details?.topic), Number(err.details?.partition)));
      }
    }
  }

  private commitProcessed(): Promise<void> {
    if (this.dirty().length === 0) return Promise.resolve();
    return this.exclusive(() => this.autoCommitNow());
  }

  /**
   * Commits offsets: without arguments, everything yielded so far (including the record being
   * processed now); otherwise the given offsets — the next offset to read, as in Kafka.
   */
  async commit(offsets?: TopicPartitionOffset[]): Promise<void> {
    if (!this.hasGroup) throw invalidArgument("commit: a consumer without a group has no committed offsets");
    if (this.closing) throw closedError("consumer");
    this.markProcessed();
    const explicit = offsets?.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset }));
    await this.exclusive(() => this.commitNow(explicit ?? this.dirty()));
  }

  /**
   * The group membership, for offsets committed in a transaction (Kafka's groupMetadata()). Throws
   * when the consumer has no group or is not in it right now (joining again).
   */
  groupMetadata(): GroupMetadata {
    const m = this.source instanceof GroupSession ? this.source.membership : undefined;
    if (!m || this.group === undefined)
      throw new EdgebrokerError(
        this.group === undefined ? "invalid_argument" : "unknown_member",
        this.group === undefined
          ? "groupMetadata: the consumer has no group"
          : "the consumer is not in its group right now (it is joining again)",
        { retriable: false },
      );
    return { groupId: this.group, memberId: m.memberId, memberEpoch: m.memberEpoch };
  }

  /** The next offset to read of every partition yielded from, including the record being processed now. */
  processedOffsets(): TopicPartitionOffset[] {
    this.markProcessed();
    return [...this.processed].map(([key, offset]) => ({ ...fromKey(key), offset }));
  }

  /** Moves a partition's position: the next record yielded from it is at `offset`. */
  seek(to: TopicPartitionOffset): void {
    if (
      !to ||
      typeof to.topic !== "string" ||
      !Number.isSafeInteger(to.partition) ||
      to.partition < 0 ||
      !Number.isSafeInteger(to.offset) ||
      to.offset < 0
    ) {
      throw invalidArgument("seek: expected {topic, partition, offset} with non-negative integers");
    }
    const key = tpKey(to.topic, to.partition);
    this.keepBuffered((r) => tpKey(r.topic, r.partition) !== key);
    this.processed.delete(key);
    this.committed.set(key, to.offset);
    this.source.seek(to);
  }

  /** Commits processed records (autoCommit), leaves the group, and ends the for-await loop. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.timer !== undefined) clearInterval(this.timer);
      this.markProcessed();
      this.stop.abort();
      await this.fetching?.catch(() => undefined);
      await this.exclusive(async () => {
        try {
          if (this.autoCommit) await this.autoCommitNow().catch(() => undefined);
        } finally {
          await this.source.close();
        }
      });
    })();
    return this.closing;
  }
}
