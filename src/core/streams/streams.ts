// The Durable Streams side of one partition object: a stream is a single-partition topic, its
// messages are records of that partition (one record per message), and its metadata (content
// type, TTL/expiry, closed state, Stream-Seq, producer state, fork count) is one row beside the
// log, keyed by the topic epoch so a deleted and recreated topic never sees an old stream's row.
//
// Every check runs synchronously up to the moment the append is queued at the log, so requests
// are validated and appended in arrival order without a lock, and concurrent appends still share
// the log's group commit. The metadata row is stored after the records are durable; on Durable
// Objects the output gate holds the answer until both are. A crash between the two on a standalone
// host forgets the producer state of an unanswered append whose records were written, so its retry
// is appended again: a duplicate, never a loss (PROTOCOL.md 5.2.1, non-atomic stores).
import { DS_STREAM_TABLE } from "../log/schema.ts";
import type { Waiters } from "../log/waiters.ts";
import { fail, type Failure } from "../errors.ts";
import { checkProducer, sameProducerRequest } from "./producers.ts";
import type {
  DsAppend,
  DsAppended,
  DsCreate,
  DsCreated,
  DsDelete,
  DsDeleted,
  DsForkRef,
  DsMeta,
  DsRead,
  DsReadOk,
  DsResult,
  DsStreamView,
} from "./types.ts";
import type { LogCore } from "../batch/log-core.ts";
import type { AppendResult, PartitionAddress, ReadRequest, ReadResult } from "../log/partition-types.ts";
import { decodeRecords, encodeBatch } from "../batch/record-batch.ts";
import type { StoragePort } from "../storage-port.ts";

/** What the streams need from their partition's log. */
export interface DsLog {
  tail(addr: PartitionAddress): { ok: true; next: number } | Failure;
  append(req: { topic: string; partition: number; epoch: number; batches: Uint8Array }): Promise<AppendResult>;
  read(req: ReadRequest): Promise<ReadResult>;
  /** The partition's waiting reads: woken on every commit, whichever route appended. */
  readonly waiters: Waiters;
}

/** Most messages one read returns. */
const MAX_RECORDS_PER_READ = 20_000;

export function mediaType(contentType: string): string {
  return contentType.split(";")[0]!.trim().toLowerCase();
}

function view(meta: DsMeta, next: number): DsStreamView {
  return {
    contentType: meta.contentType,
    ttlSeconds: meta.ttlSeconds,
    expiresAt: meta.expiresAt,
    closed: meta.closed,
    next,
    createdAt: meta.createdAt,
  };
}

export class DsStreams {
  private readonly storage: StoragePort;
  private readonly log: DsLog;
  private readonly core: LogCore;
  private readonly now: () => number;
  private cached: { epoch: number; meta: DsMeta | undefined } | undefined;
  /** The last append queued: a close-only request answers with the tail after it. */
  private lastAppend: Promise<unknown> = Promise.resolve();

  constructor(storage: StoragePort, log: DsLog, core: LogCore, now: () => number) {
    this.storage = storage;
    this.log = log;
    this.core = core;
    this.now = now;
    storage.sql.exec(DS_STREAM_TABLE);
  }

  handle(req: DsRequestLike): Promise<DsResult> {
    switch (req.op) {
      case "create":
        return this.create(req);
      case "append":
        return this.append(req);
      case "read":
        return this.read(req);
      case "delete":
        return Promise.resolve(this.remove(req));
      case "fork-ref":
        return Promise.resolve(this.forkRef(req));
    }
  }

  private load(epoch: number): DsMeta | undefined {
    if (this.cached?.epoch === epoch) return this.cached.meta;
    const row = this.storage.sql.exec<{ meta: string }>("SELECT meta FROM ds_stream WHERE epoch = ?", epoch).toArray()[0];
    const meta = row ? (JSON.parse(row.meta) as DsMeta) : undefined;
    this.cached = { epoch, meta };
    return meta;
  }

  private save(epoch: number, meta: DsMeta | undefined): void {
    if (meta) this.storage.sql.exec("INSERT OR REPLACE INTO ds_stream (epoch, meta) VALUES (?, ?)", epoch, JSON.stringify(meta));
    else this.storage.sql.exec("DELETE FROM ds_stream WHERE epoch = ?", epoch);
    this.cached = { epoch, meta };
  }

  private expired(meta: DsMeta): boolean {
    const now = this.now();
    if (meta.expiresAtMs !== null && now >= meta.expiresAtMs) return true;
    return meta.ttlSeconds !== null && now >= meta.touchedAt + meta.ttlSeconds * 1000;
  }

  /** The stream as a reader or writer may use it: absent, expired and tombstoned streams are failures. */
  private live(req: { path: string; epoch: number }): DsMeta | Failure {
    const meta = this.load(req.epoch);
    if (!meta) return fail("stream_not_found", `stream "${req.path}" does not exist`);
    if (meta.deleted) return fail("stream_gone", `stream "${req.path}" was deleted (its forks still read its data)`);
    if (this.expired(meta)) return fail("stream_not_found", `stream "${req.path}" expired`, { expired: true });
    return meta;
  }

  private touch(epoch: number, meta: DsMeta): void {
    meta.touchedAt = this.now();
    // Only a sliding TTL depends on it; other streams are not rewritten on every read.
    if (meta.ttlSeconds !== null) this.save(epoch, meta);
  }

  private encode(messages: Uint8Array[]): Uint8Array {
    const timestamp = this.now();
    const records = messages.map((value) => ({ key: null, value, headers: [], timestamp }));
    return encodeBatch(records, { crc32c: (b) => this.core.crc32c(b) });
  }

  /** Wakes waiting reads for a change the log does not see (a close without records, a delete). */
  private wake(): void {
    this.log.waiters.wake();
  }

  private wait(ms: number): Promise<boolean> {
    return this.log.waiters.wait(ms);
  }

  /** Queues the messages at the log (synchronously) and resolves with the tail after them. */
  private queue(req: PartitionAddress, messages: Uint8Array[]): Promise<{ ok: true; next: number } | Failure> {
    const appended = this.log.append({ topic: req.topic, partition: req.partition, epoch: req.epoch, batches: this.encode(messages) });
    // The commit itself wakes the stream's readers (PartitionLog, on every commit).
    const done = appended.then((r) => {
      if (!r.ok) return r;
      return { ok: true as const, next: r.baseOffsets[0]! + messages.length };
    });
    this.lastAppend = done;
    return done;
  }

  private async create(req: DsCreate): Promise<DsResult> {
    const tail = this.log.tail(req);
    if (!tail.ok) return tail;
    const existing = this.load(req.epoch);
    if (existing && !existing.deleted && this.expired(existing)) {
      return fail("stream_not_found", `stream "${req.path}" expired`, { expired: true });
    }
    if (existing) {
      if (existing.deleted)
        return fail("stream_conflict", `stream "${req.path}" was deleted while forks of it remain; its path cannot be reused yet`);
      const same =
        mediaType(existing.contentType) === mediaType(req.contentType) &&
        existing.ttlSeconds === req.ttlSeconds &&
        existing.expiresAtMs === (req.expiresAt === null ? null : Date.parse(req.expiresAt)) &&
        existing.closed === req.closed &&
        existing.forkOf === (req.fork?.of ?? null) &&
        (req.fork === undefined || (existing.forkOffset === req.fork.offset && existing.forkSubOffset === req.fork.subOffset));
      if (!same) return fail("stream_conflict", `stream "${req.path}" already exists with a different configuration`);
      return { ok: true, created: false, stream: view(existing, tail.next) } satisfies DsCreated;
    }
    if (tail.next > 0) {
      return fail("stream_conflict", `the topic of stream "${req.path}" already holds records that were not written through /ds`);
    }
    const now = this.now();
    const meta: DsMeta = {
      path: req.path,
      contentType: req.contentType,
      ttlSeconds: req.ttlSeconds,
      expiresAt: req.expiresAt,
      expiresAtMs: req.expiresAt === null ? null : Date.parse(req.expiresAt),
      createdAt: now,
      touchedAt: now,
      closed: req.closed,
      closedBy: null,
      lastStreamSeq: null,
      producers: {},
      forks: 0,
      deleted: false,
      forkOf: req.fork?.of ?? null,
      forkOffset: req.fork?.offset ?? null,
      forkSubOffset: req.fork?.subOffset ?? 0,
    };
    this.storage.sql.exec("DELETE FROM ds_stream WHERE epoch <> ?", req.epoch);
    this.save(req.epoch, meta);
    if (req.messages.length === 0) return { ok: true, created: true, stream: view(meta, 0) } satisfies DsCreated;
    const appended = await this.queue(req, req.messages);
    if (!appended.ok) {
      this.save(req.epoch, undefined);
      return appended;
    }
    return { ok: true, created: true, stream: view(meta, appended.next) } satisfies DsCreated;
  }

  private async append(req: DsAppend): Promise<DsResult> {
    const tail = this.log.tail(req);
    if (!tail.ok) return tail;
    const meta = this.live(req);
    if ("ok" in meta) return meta;
    const closeOnly = req.messages.length === 0;
    if (meta.closed) {
      if (sameProducerRequest(meta.closedBy, req.producer) || (closeOnly && req.close && !req.producer)) {
        await this.lastAppend.catch(() => undefined);
        const next = this.log.tail(req);
        if (!next.ok) return next;
        const producer = req.producer ? { epoch: req.producer.epoch, seq: req.producer.seq } : undefined;
        return { ok: true, stream: view(meta, next.next), duplicate: true, producer } satisfies DsAppended;
      }
      return fail("stream_closed", `stream "${req.path}" is closed; it accepts no more appends`, { next: tail.next });
    }
    if (!closeOnly && req.contentType !== undefined && mediaType(req.contentType) !== mediaType(meta.contentType)) {
      return fail("stream_conflict", `Content-Type ${req.contentType} does not match the stream's ${meta.contentType}`);
    }
    let producerState: { epoch: number; seq: number } | undefined;
    if (req.producer) {
      const check = checkProducer(meta, req.producer);
      switch (check.kind) {
        case "stale_epoch":
          return fail(
            "producer_stale_epoch",
            `producer "${req.producer.id}" epoch ${req.producer.epoch} is older than its current epoch ${check.currentEpoch}`,
            { epoch: check.currentEpoch },
          );
        case "epoch_needs_seq_zero":
          return fail("bad_request", `Producer-Seq: a new producer epoch starts at sequence 0, got ${req.producer.seq}`);
        case "gap":
          return fail("producer_sequence_gap", `Producer-Seq ${check.received} skips ahead; expected ${check.expected}`, {
            expected: check.expected,
            received: check.received,
          });
        case "duplicate": {
          await this.lastAppend.catch(() => undefined);
          const next = this.log.tail(req);
          if (!next.ok) return next;
          return {
            ok: true,
            stream: view(meta, next.next),
            duplicate: true,
            producer: { epoch: req.producer.epoch, seq: check.lastSeq },
          } satisfies DsAppended;
        }
        case "accept":
          producerState = check.state;
      }
    }
    if (req.streamSeq !== undefined && meta.lastStreamSeq !== null && req.streamSeq <= meta.lastStreamSeq) {
      return fail("stream_conflict", `Stream-Seq "${req.streamSeq}" is not after the last one, "${meta.lastStreamSeq}"`);
    }
    const before = JSON.stringify(meta);
    if (producerState) meta.producers[req.producer!.id] = producerState;
    if (req.streamSeq !== undefined) meta.lastStreamSeq = req.streamSeq;
    if (req.close) {
      meta.closed = true;
      meta.closedBy = req.producer ?? null;
    }
    meta.touchedAt = this.now();
    // The cached row changed in memory at once (later requests are checked against it); it is
    // stored once the records are durable. A plain append changes nothing worth storing, so the
    // hot path writes only its records.
    const store = producerState !== undefined || req.streamSeq !== undefined || req.close || meta.ttlSeconds !== null;
    let next: number;
    if (closeOnly) {
      this.save(req.epoch, meta);
      await this.lastAppend.catch(() => undefined);
      const t = this.log.tail(req);
      if (!t.ok) return t;
      next = t.next;
      this.wake();
    } else {
      const appended = await this.queue(req, req.messages);
      if (!appended.ok) {
        // Nothing was written: the stream goes back to what it was before this request.
        this.save(req.epoch, JSON.parse(before) as DsMeta);
        return appended;
      }
      next = appended.next;
      if (store) this.save(req.epoch, meta);
    }
    return { ok: true, stream: view(meta, next), duplicate: false, producer: producerState } satisfies DsAppended;
  }

  private async read(req: DsRead): Promise<DsResult> {
    let tail = this.log.tail(req);
    if (!tail.ok) return tail;
    let meta = this.live(req);
    if ("ok" in meta) return meta;
    if (req.touch) this.touch(req.epoch, meta);
    const offset = req.offset === "now" ? tail.next : req.offset;
    if (offset > tail.next) {
      return fail("invalid_parameter", `offset: ${offset} is beyond the tail of stream "${req.path}"`);
    }
    let timedOut = false;
    if (offset === tail.next && req.waitMs > 0 && !meta.closed) {
      timedOut = !(await this.wait(req.waitMs));
      tail = this.log.tail(req);
      if (!tail.ok) return tail;
      meta = this.live(req);
      if ("ok" in meta) return meta;
      if (tail.next > offset) timedOut = false;
    }
    const base = { ok: true as const, stream: view(meta, tail.next), offset, timedOut };
    if (offset >= tail.next) return { ...base, messages: [], next: offset, upToDate: true } satisfies DsReadOk;
    // maxBytes counts message bytes; stored batches add ~70 bytes of framing to each small message.
    const read = await this.log.read({
      topic: req.topic,
      partition: req.partition,
      epoch: req.epoch,
      offset,
      maxBytes: req.maxBytes * 2,
      maxRecords: MAX_RECORDS_PER_READ,
      waitMs: 0,
    });
    if (!read.ok) return read;
    const messages: Uint8Array[] = [];
    let next = offset;
    let bytes = 0;
    for (const r of decodeRecords(read.batches)) {
      if (r.offset < offset) continue;
      // Whole batches come back; the first message always goes out, then the chunk stops at maxBytes.
      if (messages.length > 0 && bytes + (r.value?.length ?? 0) > req.maxBytes) break;
      messages.push(r.value ?? new Uint8Array(0));
      bytes += r.value?.length ?? 0;
      next = r.offset + 1;
    }
    return { ...base, stream: view(meta, read.highWatermark), messages, next, upToDate: next >= read.highWatermark } satisfies DsReadOk;
  }

  private remove(req: DsDelete): DsResult {
    const tail = this.log.tail(req);
    if (!tail.ok) return tail;
    const meta = this.load(req.epoch);
    if (!meta) return fail("stream_not_found", `stream "${req.path}" does not exist`);
    if (meta.deleted) return fail("stream_gone", `stream "${req.path}" was already deleted`);
    if (meta.forks > 0 && !this.expired(meta)) {
      meta.deleted = true;
      this.save(req.epoch, meta);
      this.wake();
      return { ok: true, tombstoned: true, forkOf: meta.forkOf, dropTopic: false } satisfies DsDeleted;
    }
    this.save(req.epoch, undefined);
    this.wake();
    return { ok: true, tombstoned: false, forkOf: meta.forkOf, dropTopic: true } satisfies DsDeleted;
  }

  private forkRef(req: DsForkRef): DsResult {
    const tail = this.log.tail(req);
    if (!tail.ok) return tail;
    const meta = this.load(req.epoch);
    if (!meta) return fail("stream_not_found", `stream "${req.path}" does not exist`);
    meta.forks = Math.max(0, meta.forks + req.delta);
    if (meta.deleted && meta.forks === 0) {
      this.save(req.epoch, undefined);
      return { ok: true, tombstoned: false, forkOf: meta.forkOf, dropTopic: true } satisfies DsDeleted;
    }
    this.save(req.epoch, meta);
    return { ok: true, tombstoned: meta.deleted, forkOf: null, dropTopic: false } satisfies DsDeleted;
  }
}

type DsRequestLike = DsCreate | DsAppend | DsRead | DsDelete | DsForkRef; // every op but "sub"
