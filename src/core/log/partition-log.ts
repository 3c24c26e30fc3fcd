// The log of one partition: group-committed appends and offset reads over SQLite rows.
//
// Storage layout (docs/ARCHITECTURE.md): one `segments` row per group commit holding the
// concatenated RecordBatch v2 bytes exactly as produced (base offsets patched) plus a WASM-built
// index, keyed by the first offset it holds. Rows are the unit of cost on Durable Objects, so many
// produce requests share one row, and a read touches one row per ~1 MiB of log.
import type { Serves } from "../object-api.ts";
import type { PartitionApi } from "./partition-types.ts";
import type { LogCore } from "../batch/log-core.ts";
import { validateProduced } from "../compression/validate.ts";
import { scanSegment } from "../compression/compaction.ts";
import { checkBatchLimits } from "../batch/batch-limits.ts";
import { fail, storageFull, type Failure } from "../errors.ts";
import { SEGMENT_TARGET_BYTES } from "../limits.ts";
import { MaintenanceGuard } from "./maintenance-guard.ts";
import { createPartitionSchema } from "./schema.ts";
import { blobBytes, type StoragePort } from "../storage-port.ts";
import { encodeMarker, readBatchHeader, TRANSACTIONAL_FLAG } from "../batch/record-batch.ts";
import { AbortedIndex, committedBatches, stableBatches } from "./txn-index.ts";
import { collectBatches } from "./segment-reader.ts";
import { planRows, writeRow, type RowItem } from "./segment-writer.ts";
import { DEFAULT_PRODUCER_EXPIRATION_MS, ProducerStates, type BatchEntry } from "./producer-state.ts";
import { EARLIEST, LATEST } from "./partition-types.ts";
import {
  applyRetention,
  DEFAULT_LOG_CONFIG,
  sameLogConfig,
  storedLogConfig,
  deleteBefore,
  logConfigFrom,
  mergeSmallRows,
  type LogConfig,
  type Merge,
  type Trim,
} from "./retention.ts";
import { offsetForTimestamp, timestampInRow } from "./timestamp-lookup.ts";
import { localLimits, tieringEnabled, Tiering } from "./tiering.ts";
import { DEFAULT_REMOTE_CACHE_BYTES, RemoteReader } from "./remote-reader.ts";
import type { ObjectStore } from "../objectstore/port.ts";
import { compactLog, type Compaction } from "./compaction.ts";
import type { TopicConfig } from "../topics/config.ts";
import { DsStreams } from "../streams/streams.ts";
import { Waiters } from "./waiters.ts";
import type { DsRequest, DsResult } from "../streams/types.ts";
import { DsSubscriptions, type SubResult } from "../streams/subscriptions.ts";
import { MetricsReporter, type MetricsSink } from "../metrics/reporter.ts";
import type { Sample } from "../metrics/types.ts";
import type {
  AppendRequest,
  AppendResult,
  MarkerRequest,
  MarkerResult,
  PartitionAddress,
  PartitionStats,
  ReadRequest,
  ReadResult,
} from "./partition-types.ts";

interface Pending extends RowItem {
  epoch: number;
  resolve(result: AppendResult): void;
}

const EMPTY = new Uint8Array(0);
const NO_COMPACTION: Compaction = {
  rowsRewritten: 0,
  recordsRemoved: 0,
  bytesBefore: 0,
  bytesAfter: 0,
  rowsWritten: 0,
  abortMarkersDropped: [],
};

/** How long a busy partition waits to gather appends into one write (see flushLoop). */
const LINGER_MS = 2;
const LINGER_BELOW_BYTES = 64 * 1024;
/** How soon the alarm comes back while tiered storage has a backlog (uploads or deletes). */
const TIER_BACKLOG_DELAY_MS = 10;

/** How often a partition with retention or small rows runs its background maintenance. */
export const MAINTENANCE_INTERVAL_MS = 60_000;

/** Schedules the object's next maintenance run (a Durable Object alarm, or a persisted timer). */
export interface AlarmPort {
  setAlarm(at: number): void;
}

export interface PartitionLogOptions {
  now?: () => number;
  alarms?: AlarmPort;
  /** Idle time after which a producer's idempotence state is dropped (Kafka's producer.id.expiration.ms). */
  producerExpirationMs?: number;
  /** Called after each group commit is durable and answered (push tails: WebSocket subscribers). */
  onCommit?: () => void;
  /** Called after the partition's records were dropped with its topic (push tails end there). */
  onDrop?: (epoch: number) => void;
  /** Where this partition pushes its metrics (the metrics object), at most every `intervalMs`. */
  metrics?: { sink: MetricsSink; intervalMs: number; tailSubscribers?: () => number };
  /** Tiered storage's object store (docs/tiered-storage.md); without one no segment leaves the object. */
  objectStore?: ObjectStore;
  /** Bytes of remote segments cached in memory for reads (default 16 MiB). */
  remoteCacheBytes?: number;
}

export class PartitionLog implements Serves<PartitionApi> {
  private readonly storage: StoragePort;
  private readonly core: LogCore;
  private readonly now: () => number;
  private producers!: ProducerStates;
  private aborted!: AbortedIndex;
  /** Markers queued or being written, by "producerId/epoch" (writeMarker). */
  private readonly markersInFlight = new Map<string, Promise<MarkerResult>>();
  private epoch = 0;
  private droppedEpoch = 0;
  private highWatermark = 0;
  private logStartOffset = 0;
  private bytes = 0;
  private rows = 0;
  private rowsRead = 0;
  private rowsWritten = 0;
  private pending: Pending[] = [];
  private flushScheduled = false;
  private flushing = false;
  private lingerMs = 0;
  /** Reads waiting for new records here or on the stream this partition holds (DsStreams). */
  readonly waiters = new Waiters();
  private config: LogConfig = DEFAULT_LOG_CONFIG;
  /** The topic's config revision `config` came with (partition_config 'log_revision'; none stored: 0). */
  private configRevision = 0;
  /** The last topic config found already in effect (applyConfig), while `config` is still what it gave. */
  private configSeen: { topicConfig: TopicConfig; revision: number; config: LogConfig } | undefined;
  private alarms: AlarmPort | undefined;
  private alarmAt: number | undefined;
  private onCommit: (() => void) | undefined;
  private onDrop: ((epoch: number) => void) | undefined;
  private streams: DsStreams | undefined;
  private subscriptions: DsSubscriptions | undefined;
  private guard!: MaintenanceGuard;
  /** Counted since this instance started; pushed as increases (src/core/metrics/reporter.ts). */
  private readonly counted = { recordsIn: 0, bytesIn: 0, recordsOut: 0, bytesOut: 0 };
  private metrics: MetricsReporter | undefined;
  /** Remote segments (tiering.ts) and their reads (remote-reader.ts). */
  private tiering!: Tiering;
  /** The last upload step moved nothing (a store failing, a corrupt row): no early alarms until one does. */
  private tierStalled = false;
  private remote!: RemoteReader;

  private constructor(storage: StoragePort, core: LogCore, now: () => number) {
    this.storage = storage;
    this.core = core;
    this.now = now;
  }

  /** Creates the schema if needed and loads the offsets; runs once when the object starts. */
  static open(storage: StoragePort, core: LogCore, options: PartitionLogOptions = {}): PartitionLog {
    const now = options.now ?? Date.now;
    const log = new PartitionLog(storage, core, now);
    const sql = storage.sql;
    createPartitionSchema(storage, now());
    let storedStart = 0;
    for (const row of sql.exec<{ key: string; value: number }>("SELECT key, value FROM partition_meta")) {
      if (row.key === "epoch") log.epoch = row.value;
      if (row.key === "dropped_epoch") log.droppedEpoch = row.value;
      if (row.key === "log_start_offset") storedStart = row.value;
    }
    let maintenanceError: string | undefined;
    for (const row of sql.exec<{ key: string; value: string }>("SELECT key, value FROM partition_config")) {
      if (row.key === "log") log.config = storedLogConfig(row.value);
      if (row.key === "log_revision") log.configRevision = Number(row.value);
      if (row.key === "maintenance_error") maintenanceError = row.value;
    }
    log.guard = new MaintenanceGuard(storage, maintenanceError);
    log.tiering = new Tiering(storage, core, options.objectStore);
    log.remote = new RemoteReader(storage, core, log.tiering, options.remoteCacheBytes ?? DEFAULT_REMOTE_CACHE_BYTES);
    log.alarms = options.alarms;
    log.onCommit = options.onCommit;
    log.onDrop = options.onDrop;
    log.loadTotals(storedStart);
    log.producers = new ProducerStates(storage, options.producerExpirationMs ?? DEFAULT_PRODUCER_EXPIRATION_MS, now);
    log.aborted = new AbortedIndex(storage);
    if (options.metrics) log.metrics = log.reporter(options.metrics);
    // Garbage objects of an upload a crash or restart cut short are deleted by the alarm: soon,
    // not at the next interval (tiering.ts, issue #20).
    if (log.tiering.store && log.tiering.garbage() > 0) log.scheduleMaintenance(true);
    return log;
  }

  /** The partition's metrics: its counters as totals, its offsets and storage as gauges (docs/monitoring.md). */
  private reporter(options: NonNullable<PartitionLogOptions["metrics"]>): MetricsReporter {
    return new MetricsReporter(undefined, {
      sink: options.sink,
      intervalMs: options.intervalMs,
      now: this.now,
      totals: () => {
        const labels = this.metricLabels!;
        return [
          { name: "edgebroker_partition_records_in_total", labels, value: this.counted.recordsIn },
          { name: "edgebroker_partition_bytes_in_total", labels, value: this.counted.bytesIn },
          { name: "edgebroker_partition_records_out_total", labels, value: this.counted.recordsOut },
          { name: "edgebroker_partition_bytes_out_total", labels, value: this.counted.bytesOut },
          { name: "edgebroker_partition_rows_written_total", labels, value: this.rowsWritten },
          { name: "edgebroker_partition_rows_read_total", labels, value: this.rowsRead },
        ];
      },
      gauges: () => {
        const labels = this.metricLabels!;
        const gauges: Sample[] = [
          { name: "edgebroker_partition_end_offset", labels, value: this.highWatermark },
          { name: "edgebroker_partition_start_offset", labels, value: this.logStartOffset },
          { name: "edgebroker_partition_storage_bytes", labels, value: this.bytes },
          { name: "edgebroker_partition_remote_bytes", labels, value: this.tiering.totals.bytes },
          { name: "edgebroker_partition_storage_rows", labels, value: this.rows },
        ];
        const sockets = options.tailSubscribers?.();
        if (sockets)
          gauges.push({ name: "edgebroker_tail_subscribers", labels: { transport: "websocket", topic: labels.topic! }, value: sockets });
        return gauges;
      },
    });
  }

  private metricLabels: { topic: string; partition: string } | undefined;

  /** Something the metrics show changed: a push now, or a trailing one within the interval. */
  metricsChanged(addr?: PartitionAddress): void {
    if (!this.metrics) return;
    if (addr) this.metricsSource(addr);
    if (this.metricLabels) void this.metrics.changed();
  }

  /** The object's name, learnt from the first call that carries it (the object itself is not told). */
  private metricsSource(addr: PartitionAddress): void {
    if (this.metricLabels || !this.metrics) return;
    this.metricLabels = { topic: addr.topic, partition: String(addr.partition) };
    this.metrics.source = `partition:${addr.topic}/${addr.partition}`;
  }

  /** Offsets come from the rows, and from the stored log start once retention or delete-records moved it. */
  private loadTotals(storedStart: number): void {
    const agg = this.storage.sql
      .exec<{ rows: number; bytes: number; first: number; last: number }>(
        `SELECT count(*) AS rows, coalesce(sum(size), 0) AS bytes,
                coalesce(min(base_offset), 0) AS first, coalesce(max(last_offset), -1) AS last FROM segments`,
      )
      .one();
    this.rows = agg.rows;
    this.bytes = agg.bytes;
    // Remote segments (tiering.ts) hold the oldest part of the log.
    const remote = this.tiering.totals;
    this.highWatermark = Math.max(agg.last + 1, remote.last + 1, storedStart);
    const first = remote.rows > 0 ? remote.first : agg.first;
    this.logStartOffset = agg.rows + remote.rows > 0 ? Math.max(first, storedStart) : this.highWatermark;
  }

  /**
   * Topics are deleted and recreated under the same name, so every call carries the epoch of the
   * topic incarnation the caller resolved. An older epoch than ours, or one we were told to drop,
   * is a topic that no longer exists; a newer one means our data belongs to a deleted incarnation.
   */
  private checkEpoch(addr: PartitionAddress): Failure | undefined {
    if (addr.epoch <= this.droppedEpoch || addr.epoch < this.epoch) {
      return fail("topic_not_found", `topic "${addr.topic}" does not exist`);
    }
    if (addr.epoch > this.epoch) this.adopt(addr.epoch);
    this.tiering.learn(addr.topic, addr.partition);
    return undefined;
  }

  private adopt(epoch: number): void {
    this.storage.transactionSync(() => {
      if (this.rows > 0) this.storage.sql.exec("DELETE FROM segments");
      this.tiering.dropAll();
      this.producers.clear();
      this.aborted.clear();
      this.storage.sql.exec("DELETE FROM partition_meta WHERE key = 'log_start_offset'");
      this.storage.sql.exec("DELETE FROM partition_config");
      this.storage.sql.exec("INSERT OR REPLACE INTO partition_meta (key, value) VALUES ('epoch', ?)", epoch);
    });
    this.epoch = epoch;
    // partition_config was cleared, and the new incarnation's config revisions start again at 0.
    this.config = DEFAULT_LOG_CONFIG;
    this.configRevision = 0;
    this.guard.reset();
    this.tiering.name = undefined; // partition_config was cleared: the caller's name is stored again
    this.tiering.load();
    this.remote.cache.clear();
    this.resetTotals();
  }

  private resetTotals(): void {
    this.rows = 0;
    this.bytes = 0;
    this.logStartOffset = 0;
    this.highWatermark = 0;
  }

  append(req: AppendRequest): Promise<AppendResult> {
    const stale = this.checkEpoch(req);
    if (stale) return Promise.resolve(stale);
    this.metricsSource(req);
    if (req.config) this.applyConfig(req.config, req.configRevision);
    const checked = validateProduced(this.core, req.batches, undefined, req.fillCrc === true);
    if (!checked.ok) {
      return Promise.resolve(fail("invalid_batch", checked.message, { reason: checked.code, batch: checked.batch }));
    }
    const refused = checkBatchLimits(checked.batches, this.config, this.now(), (i) => {
      const b = checked.batches[i]!;
      const { timestamps } = scanSegment(this.core, req.batches.subarray(b.position, b.position + b.size));
      return timestamps.reduce((min, t) => Math.min(min, t), Infinity);
    });
    if (refused) return Promise.resolve(refused);
    const txnBatch = checked.batches.findIndex((b) => (b.attributes & TRANSACTIONAL_FLAG) !== 0);
    if (txnBatch >= 0 && !req.transactional) {
      return Promise.resolve(
        fail(
          "invalid_txn_state",
          `batch ${txnBatch} is transactional (attributes bit 4): send it with the Transactional-Id header, so its transaction's coordinator knows the partition`,
        ),
      );
    }
    if (txnBatch >= 0 && checked.batches.some((b) => (b.attributes & TRANSACTIONAL_FLAG) === 0 || b.producerId < 0)) {
      return Promise.resolve(
        fail("invalid_txn_state", "a transactional request's batches must all be transactional and carry the producer's id"),
      );
    }
    const admission = this.producers.admit(checked.batches);
    if ("error" in admission) return Promise.resolve(admission);
    if (admission.kind === "duplicate") return this.answerDuplicate(admission.entries);
    return new Promise((resolve) => {
      this.pending.push({
        epoch: req.epoch,
        entries: admission.entries,
        producers: [...admission.producers.keys()],
        bytes: req.batches,
        counts: checked.batches.map((b) => b.lastOffsetDelta + 1),
        maxTimestamp: Math.max(...checked.batches.map((b) => b.maxTimestamp)),
        appendedAt: this.now(),
        resolve,
      });
      this.scheduleFlush();
    });
  }

  /** A retried batch: the original's offsets, once the original is durable; nothing is written. */
  private async answerDuplicate(entries: BatchEntry[]): Promise<AppendResult> {
    const baseOffsets = await Promise.all(entries.map((e) => e.settled));
    if (baseOffsets.some((o) => o === undefined)) {
      return fail("internal", "the original append of this batch failed; send it again");
    }
    return { ok: true, baseOffsets: baseOffsets as number[], highWatermark: this.highWatermark, duplicate: true };
  }

  /**
   * A transaction marker (Kafka's WriteTxnMarkers): one control batch, group-committed like any
   * append. Written once per transaction: a re-driven marker for an epoch already closed here,
   * or for an older epoch than the producer's, is answered without writing (the coordinator
   * re-drives markers after a restart, so it may send one twice). The marker's epoch becomes the
   * producer's at once, so appends of the ended transaction arriving later are fenced.
   */
  writeMarker(req: MarkerRequest): Promise<MarkerResult> {
    const stale = this.checkEpoch(req);
    if (stale) return Promise.resolve(stale);
    // The same marker still on its way to storage (the coordinator restarted and re-drove it
    // while the first request was queued here): answered once that one is durable, not written twice.
    const key = `${req.producerId}/${req.producerEpoch}`;
    const inFlight = this.markersInFlight.get(key);
    if (inFlight) return inFlight.then((r) => (r.ok ? { ok: true, written: false } : r));
    const decision = this.producers.markerDecision(req.producerId, req.producerEpoch);
    if (decision !== "write") return Promise.resolve({ ok: true, written: false });
    this.producers.fence(req.producerId, req.producerEpoch);
    const now = this.now();
    const bytes = encodeMarker({
      crc32c: (b) => this.core.crc32c(b),
      producerId: req.producerId,
      producerEpoch: req.producerEpoch,
      commit: req.commit,
      coordinatorEpoch: req.coordinatorEpoch,
      timestamp: now,
    });
    const written = new Promise<AppendResult>((resolve) => {
      this.pending.push({
        epoch: req.epoch,
        entries: [undefined],
        producers: [req.producerId],
        bytes,
        counts: [1],
        maxTimestamp: now,
        appendedAt: now,
        marker: { producerId: req.producerId, producerEpoch: req.producerEpoch, commit: req.commit },
        resolve,
      });
      this.scheduleFlush();
    })
      .then((r): MarkerResult => (r.ok ? { ok: true as const, written: true, offset: r.baseOffsets[0]! } : r))
      .finally(() => this.markersInFlight.delete(key));
    this.markersInFlight.set(key, written);
    return written;
  }

  /** The first offset of the oldest open transaction (never below the log start), or the high watermark. */
  private lastStableOffset(): number {
    return Math.max(this.logStartOffset, this.producers.lastStableOffset(this.highWatermark));
  }

  /**
   * Group commit: the first append schedules a flush for the next macrotask, so requests already
   * queued at the object are appended by the same write. While a write is being made durable, new
   * appends wait and then go out together in the next one: the busier the partition, the larger
   * the rows.
   */
  private scheduleFlush(): void {
    if (this.flushScheduled || this.flushing) return;
    this.flushScheduled = true;
    setTimeout(() => void this.flushLoop(), this.lingerMs);
  }

  private async flushLoop(): Promise<void> {
    this.flushScheduled = false;
    this.flushing = true;
    try {
      const group = this.pending;
      this.pending = [];
      // Under concurrent load of small appends (many per write, few bytes) linger a moment before
      // the next write so it carries more of them: rows written drop several-fold. A lone
      // producer, or one sending large batches that fill rows anyway, is never delayed.
      const groupBytes = group.reduce((n, p) => n + p.bytes.length, 0);
      this.lingerMs = group.length > 1 && groupBytes < LINGER_BELOW_BYTES ? LINGER_MS : 0;
      const results = this.commit(group);
      let synced: Failure | undefined;
      if (results.some((r) => r.ok)) {
        try {
          await this.storage.sync();
        } catch (err) {
          synced = fail("internal", `storage did not confirm the write: ${String(err)}`);
        }
      }
      group.forEach((p, i) => {
        const result = results[i]!.ok ? (synced ?? results[i]!) : results[i]!;
        // Retries of these batches waiting on them get the same outcome.
        p.entries.forEach((e, k) => e?.settle(result.ok ? result.baseOffsets[k] : undefined));
        p.resolve(result);
      });
      this.wakeReaders();
      this.metricsChanged();
      if (this.onCommit && results.some((r) => r.ok)) {
        try {
          this.onCommit();
        } catch (err) {
          console.error("edgebroker: onCommit listener failed", err);
        }
      }
    } finally {
      this.flushing = false;
      // Appends that arrived during the write go out in the next one, a macrotask later, so
      // requests already delivered to the object can still join it.
      if (this.pending.length > 0) this.scheduleFlush();
    }
  }

  /** Writes a group of appends in one transaction, splitting it into rows of about SEGMENT_TARGET_BYTES. */
  private commit(group: Pending[]): AppendResult[] {
    const results: AppendResult[] = new Array(group.length);
    const live: number[] = [];
    group.forEach((p, i) => {
      if (p.epoch === this.epoch && p.epoch > this.droppedEpoch) live.push(i);
      else results[i] = fail("topic_not_found", "the topic was deleted while the append was queued");
    });
    const rows = planRows(live.map((i) => group[i]!.bytes.length));
    let next = this.highWatermark;
    let written = 0;
    let addedBytes = 0;
    try {
      this.storage.transactionSync(() => {
        for (const row of rows) {
          const items = row.map((k) => group[live[k]!]!);
          const out = writeRow(this.storage, this.core, this.producers, items, next, this.aborted);
          row.forEach((k, n) => (results[live[k]!] = { ok: true, baseOffsets: out.baseOffsets[n]!, highWatermark: out.next }));
          written += out.rowsWritten;
          addedBytes += out.bytes;
          next = out.next;
        }
        written += this.producers.afterCommit(next - 1);
      });
    } catch (err) {
      // The transaction rolled back: nothing of this group is in the log, and every caller hears
      // so. Producer state goes back to what is committed (this group held every admitted append).
      this.producers.load();
      this.aborted.load();
      const full = storageFull(err);
      const failure = full ? fail("storage_full", full.message) : fail("internal", `the append was not written: ${String(err)}`);
      for (const i of live) results[i] = failure;
      return results;
    }
    for (const i of live) (results[i] as { highWatermark: number }).highWatermark = next;
    this.counted.recordsIn += next - this.highWatermark;
    this.counted.bytesIn += addedBytes;
    this.highWatermark = next;
    this.rows += rows.length;
    this.bytes += addedBytes;
    this.rowsWritten += written;
    this.scheduleMaintenance();
    return results;
  }

  /**
   * Wakes every waiting read, the Durable Streams ones included (they share `waiters`), so records
   * produced through /v1 to a stream's topic end its long-polls too, and a /ds append wakes once.
   */
  private wakeReaders(): void {
    this.waiters.wake();
  }

  /** Resolves when new records are committed, the partition is dropped, or after `ms`. */
  private async waitForData(ms: number): Promise<void> {
    await this.waiters.wait(ms);
  }

  async read(req: ReadRequest): Promise<ReadResult> {
    const stale = this.checkEpoch(req);
    if (stale) return stale;
    const offset = req.offset === EARLIEST ? this.logStartOffset : req.offset === LATEST ? this.highWatermark : req.offset;
    if (offset < this.logStartOffset || offset > this.highWatermark) {
      return fail(
        "offset_out_of_range",
        `offset ${offset} is out of range: valid offsets are ${this.logStartOffset} to ${this.highWatermark} (the next offset to be written)`,
        { start_offset: this.logStartOffset, end_offset: this.highWatermark },
      );
    }
    if (req.isolation === "read_committed") return this.readCommitted(req, offset);
    if (offset === this.highWatermark && req.waitMs > 0) {
      await this.waitForData(req.waitMs);
      const dropped = this.checkEpoch(req);
      if (dropped) return dropped;
    }
    const done = { ok: true as const, offset, highWatermark: this.highWatermark, logStartOffset: this.logStartOffset };
    if (offset >= this.highWatermark) return { ...done, batches: EMPTY };
    const collected = await this.collect(offset, req);
    // A read that cannot be served says from which offset (sentinels resolved), so a group poll can name it.
    if (!collected.ok) return { ok: false, error: { ...collected.error, offset } };
    this.countOut(collected.bytes, offset, req);
    return { ...done, batches: collected.bytes };
  }

  /**
   * read_committed (KIP-98): up to the last stable offset, aborted transactions' batches left out.
   * A read at the last stable offset waits for it to move (a commit marker, or new records when no
   * transaction is open) as a read at the high watermark waits for records.
   */
  private async readCommitted(req: ReadRequest, offset: number): Promise<ReadResult> {
    const deadline = this.now() + req.waitMs;
    while (offset >= this.lastStableOffset() && this.now() < deadline) {
      await this.waitForData(deadline - this.now());
      const dropped = this.checkEpoch(req);
      if (dropped) return dropped;
    }
    const lso = this.lastStableOffset();
    const done = {
      ok: true as const,
      offset,
      highWatermark: this.highWatermark,
      logStartOffset: this.logStartOffset,
      lastStableOffset: lso,
    };
    if (offset >= lso) return { ...done, batches: EMPTY, nextOffset: offset };
    const collected = await this.collect(offset, req);
    if (!collected.ok) return { ok: false, error: { ...collected.error, offset } };
    if (req.abortedList) {
      const stable = stableBatches(collected.bytes, lso);
      this.countOut(stable.bytes, offset, req);
      const end = Math.max(offset, stable.next);
      const abortedTransactions = this.aborted
        .overlapping(offset, end)
        .map((a) => ({ producerId: a.producerId, firstOffset: a.firstOffset }))
        .sort((a, b) => a.firstOffset - b.firstOffset);
      return { ...done, batches: stable.bytes, nextOffset: end, abortedTransactions };
    }
    const kept = committedBatches(collected.bytes, lso, this.aborted.overlapping(offset, lso));
    this.countOut(kept.bytes, offset, req);
    return { ...done, batches: kept.bytes, nextOffset: Math.max(offset, kept.next) };
  }

  /** Records and bytes handed out: the batches' offsets from `offset` on (headers only; they were just checked). */
  private countOut(batches: Uint8Array, offset: number, addr: PartitionAddress): void {
    if (!this.metrics) return;
    let records = 0;
    for (let pos = 0; pos + 61 <= batches.length; ) {
      const h = readBatchHeader(batches, pos);
      const last = h.baseOffset + h.lastOffsetDelta;
      if (last >= offset) records += last - Math.max(h.baseOffset, offset) + 1;
      pos += h.size;
    }
    this.counted.recordsOut += records;
    this.counted.bytesOut += batches.length;
    this.metricsChanged(addr);
  }

  /** Gathers whole batches from `offset` on, within max bytes/records, CRC-checked in WASM; remote segments first. */
  private async collect(offset: number, req: ReadRequest): Promise<{ ok: true; bytes: Uint8Array } | Failure> {
    const budget = { bytes: req.maxBytes, records: req.maxRecords };
    const found = this.tiering.holds(offset)
      ? await this.remote.collect(offset, budget)
      : collectBatches(this.storage, this.core, offset, budget);
    this.rowsRead += found.rowsRead;
    return found.result;
  }

  // ---- Lifecycle: config, retention, delete-records, segment merging, offsets by timestamp ----

  /**
   * Stores the topic's retention/cleanup config when it changed; the Worker sends it with appends
   * and on PATCH. Appends carry the config of their process's topic cache, which may predate a
   * PATCH already applied here: a config of an older revision than the stored one is ignored, or
   * the partition would keep the old config until the next PATCH. A newer revision is stored even
   * with the same values, so a stale append of a revision in between cannot come back either.
   */
  private applyConfig(topicConfig: TopicConfig, revision = 0): void {
    if (revision < this.configRevision) return;
    // Every append carries it: keep this cheap. On the standalone hosts it is the topic cache's
    // own object, call after call, so one already found in effect is not converted again.
    const seen = this.configSeen;
    if (seen?.topicConfig === topicConfig && revision === this.configRevision && seen.revision === revision && seen.config === this.config)
      return;
    const config = logConfigFrom(topicConfig);
    if (revision === this.configRevision && sameLogConfig(config, this.config)) {
      this.configSeen = { topicConfig, revision, config: this.config };
      return;
    }
    this.storage.sql.exec(
      "INSERT OR REPLACE INTO partition_config (key, value) VALUES ('log', ?), ('log_revision', ?)",
      JSON.stringify(config),
      String(revision),
    );
    this.config = config;
    this.configRevision = revision;
    this.scheduleMaintenance();
  }

  configure(addr: PartitionAddress, topicConfig: TopicConfig, revision?: number): { ok: true } | Failure {
    const stale = this.checkEpoch(addr);
    if (stale) return stale;
    this.applyConfig(topicConfig, revision);
    return { ok: true };
  }

  private compacting(): boolean {
    return this.config.cleanupPolicy.includes("compact");
  }

  private retentionEnabled(): boolean {
    return this.config.cleanupPolicy.includes("delete") && (this.config.retentionMs >= 0 || this.config.retentionBytes >= 0);
  }

  /** Keeps one alarm pending while there is background work: retention to enforce or rows to merge. */
  private scheduleMaintenance(soon = false): void {
    if (!this.alarms || this.rows + this.tiering.totals.rows === 0) return;
    if (!this.retentionEnabled() && !this.compacting() && !this.tieringWanted() && this.rows < 2) return;
    // A tiered partition past its local retention uploads at once, in bounded steps (tierStep).
    const at = this.now() + (soon || this.overLocalRetention() ? TIER_BACKLOG_DELAY_MS : MAINTENANCE_INTERVAL_MS);
    if (this.alarmAt !== undefined && this.alarmAt <= at) return;
    this.alarms.setAlarm(at);
    this.alarmAt = at;
  }

  /** A host's alarm callback (the Durable Object's alarm(), the local host's persisted timer). */
  async alarm(): Promise<void> {
    this.maintain();
    await this.tierStep();
  }

  private tieringWanted(): boolean {
    return this.tiering.store !== undefined && tieringEnabled(this.config);
  }

  /** Local bytes past local.retention.bytes by more than one upload step: the alarm comes early. */
  private overLocalRetention(): boolean {
    if (!this.tieringWanted() || this.tierStalled) return false;
    const limit = localLimits(this.config).bytes;
    return limit >= 0 && this.bytes > limit + SEGMENT_TARGET_BYTES * 4;
  }

  /**
   * Tiered storage's part of the alarm: deletes garbage objects, then uploads local rows past local
   * retention, at most UPLOAD_BYTES_PER_ALARM; a backlog re-arms the alarm at once. A store that
   * fails leaves everything as it was (tiering.ts): the next alarm tries again.
   */
  async tierStep(now: number = this.now()): Promise<{ backlog: boolean; moved?: number }> {
    if (!this.tiering.store) return { backlog: false };
    const epoch = this.epoch;
    try {
      const done = await this.tiering.upload(
        this.config,
        now,
        epoch,
        this.bytes,
        () => this.producers.snapshot(this.highWatermark - 1),
        (size) => {
          this.rows--;
          this.bytes -= size;
        },
      );
      this.rowsWritten += done.rowsWritten;
      this.tierStalled = done.due && done.moved === 0;
      if (done.backlog || this.tiering.garbage() > 0) this.scheduleMaintenance(true);
      else this.scheduleMaintenance();
      this.metricsChanged();
      return done;
    } catch (err) {
      console.error("edgebroker: tiered storage upload failed; it is retried at the next maintenance", err);
      this.tierStalled = true;
      this.scheduleMaintenance();
      return { backlog: true };
    }
  }

  /**
   * The alarm: retention, compaction, then merging small rows. `now` is a parameter so tests
   * control the clock. Compaction and merging read every row's bytes; a row that fails its checks
   * (a corrupt stored batch, CorruptRowError) would make them fail on every run, so such a step is recorded once
   * (logged, kept in partition_config, shown in stats as `maintenance_error`) and skipped until
   * retention or delete-records has moved the log start (the bad row may be gone); retention,
   * which reads only the small columns, keeps running.
   */
  maintain(now: number = this.now()): { retention: Trim; compaction: Compaction; merge: Merge } {
    this.alarmAt = undefined;
    const snapshot = () => this.producers.snapshot(this.highWatermark - 1);
    // Remote segments are the oldest: retention removes them first, and local rows only once none is left.
    const remote = this.tiering.retention(this.config, now, this.bytes, snapshot);
    this.rowsWritten += remote.rowsWritten;
    if (remote.logStart >= 0) this.applyTrim({ rowsDeleted: 0, bytesDeleted: 0, rowsWritten: 0, logStartOffset: remote.logStart });
    const retention =
      this.tiering.totals.rows > 0
        ? { rowsDeleted: 0, bytesDeleted: 0, rowsWritten: 0, logStartOffset: -1 }
        : applyRetention(this.storage, this.config, now, { bytes: this.bytes }, snapshot);
    this.applyTrim(retention);
    const compaction = this.guard.run("compaction", this.logStartOffset, NO_COMPACTION, () =>
      compactLog(this.storage, this.core, this.config, now, {
        lastStableOffset: this.lastStableOffset(),
        aborted: this.aborted.overlapping(this.logStartOffset, Number.POSITIVE_INFINITY),
        removeAborted: (markers) => this.aborted.remove(markers),
      }),
    );
    this.aborted.forget(compaction.abortMarkersDropped);
    this.bytes -= compaction.bytesBefore - compaction.bytesAfter;
    this.rowsWritten += compaction.rowsWritten;
    const merge = this.guard.run("merge", this.logStartOffset, { rowsBefore: this.rows, rowsAfter: this.rows, rowsWritten: 0 }, () =>
      mergeSmallRows(this.storage, this.core, snapshot),
    );
    this.rows = merge.rowsAfter;
    this.rowsWritten += merge.rowsWritten;
    if (this.rows > 0 && (this.retentionEnabled() || this.compacting() || this.tieringWanted() || merge.rowsBefore !== merge.rowsAfter))
      this.scheduleMaintenance();
    this.metricsChanged();
    return { retention, compaction, merge };
  }

  private applyTrim(trim: Trim): void {
    this.rowsWritten += trim.rowsWritten;
    if (trim.logStartOffset < 0) return;
    this.rows -= trim.rowsDeleted;
    this.bytes -= trim.bytesDeleted;
    this.logStartOffset = trim.logStartOffset;
    this.highWatermark = Math.max(this.highWatermark, trim.logStartOffset);
    this.rowsWritten += this.aborted.trim(this.logStartOffset);
  }

  /** Kafka's DeleteRecords: everything before `before` goes; `before` = -1 means the high watermark. */
  deleteRecords(addr: PartitionAddress, before: number): { ok: true; start_offset: number } | Failure {
    const stale = this.checkEpoch(addr);
    if (stale) return stale;
    const target = before === LATEST ? this.highWatermark : before;
    if (target < 0 || target > this.highWatermark) {
      return fail(
        "offset_out_of_range",
        `before_offset ${before} is out of range: it must be at most ${this.highWatermark} (the high watermark)`,
        { start_offset: this.logStartOffset, end_offset: this.highWatermark },
      );
    }
    if (target > this.logStartOffset) {
      // Remote segments wholly below the new start leave the map in the same transaction (tiering.ts).
      this.applyTrim(
        deleteBefore(this.storage, target, () => this.tiering.dropBefore(target) + this.producers.snapshot(this.highWatermark - 1)),
      );
      this.tiering.load();
      if (this.tiering.garbage() > 0) this.scheduleMaintenance(true);
    }
    this.metricsChanged(addr);
    return { ok: true, start_offset: this.logStartOffset };
  }

  /** Kafka's ListOffsets: earliest, latest, or the first offset whose timestamp is at or after T. */
  async offsetForTimestamp(
    addr: PartitionAddress,
    timestamp: number,
  ): Promise<{ ok: true; offset: number; timestamp: number | null } | Failure> {
    const stale = this.checkEpoch(addr);
    if (stale) return stale;
    if (timestamp === EARLIEST) return { ok: true, offset: this.logStartOffset, timestamp: null };
    if (timestamp === LATEST || this.highWatermark === this.logStartOffset)
      return { ok: true, offset: this.highWatermark, timestamp: null };
    // The remote segments are older than the local rows: the first one holding T answers.
    const remoteRow = this.tiering.rowForTimestamp(timestamp, this.logStartOffset);
    if (remoteRow) {
      this.rowsRead++;
      const data = await this.remote.object(remoteRow.object_key, remoteRow.size, remoteRow.base_offset, remoteRow.last_offset);
      if (!(data instanceof Uint8Array)) return data;
      try {
        const hit = timestampInRow(this.core, data, remoteRow.idx, timestamp, this.logStartOffset);
        if (hit) return { ok: true, ...hit };
      } catch (err) {
        return fail("corrupt_log", `offsets by timestamp: a remote batch cannot be read: ${(err as Error).message}`);
      }
    }
    let found: ReturnType<typeof offsetForTimestamp>;
    try {
      found = offsetForTimestamp(this.storage, this.core, timestamp, this.logStartOffset);
    } catch (err) {
      // A stored batch that cannot be decoded (corrupt row): the same answer a read would give.
      return fail("corrupt_log", `offsets by timestamp: a stored batch cannot be read: ${(err as Error).message}`);
    }
    this.rowsRead += found.rowsRead;
    return found.hit ? { ok: true, ...found.hit } : { ok: true, offset: this.highWatermark, timestamp: null };
  }

  stats(addr: PartitionAddress): PartitionStats | Failure {
    const stale = this.checkEpoch(addr);
    if (stale) return stale;
    let oldest: number | null = this.tiering.totals.firstTs;
    if (this.rows > 0 && oldest === null) {
      const head = this.storage.sql
        .exec<{ head: ArrayBuffer | Uint8Array }>("SELECT substr(data, 1, 61) AS head FROM segments ORDER BY base_offset LIMIT 1")
        .one();
      this.rowsRead++;
      try {
        oldest = readBatchHeader(blobBytes(head.head), 0).firstTimestamp;
      } catch {
        oldest = null; // a corrupt first batch: reads answer corrupt_log, stats still answer
      }
    }
    return {
      ok: true,
      partition: addr.partition,
      start_offset: this.logStartOffset,
      end_offset: this.highWatermark,
      bytes: this.bytes + this.tiering.totals.bytes,
      rows: this.rows,
      segments: this.rows + this.tiering.totals.rows,
      local_bytes: this.bytes,
      remote_bytes: this.tiering.totals.bytes,
      remote_segments: this.tiering.totals.rows,
      oldest_timestamp: oldest,
      rows_read: this.rowsRead,
      rows_written: this.rowsWritten,
      last_stable_offset: this.lastStableOffset(),
      open_transactions: this.producers.openTransactions().length,
      aborted_transactions: this.aborted.size,
      ...(this.guard.current ? { maintenance_error: this.guard.current } : {}),
    };
  }

  /** The next offset to be written, for a caller that holds the current topic epoch. */
  tail(addr: PartitionAddress): { ok: true; next: number } | Failure {
    return this.checkEpoch(addr) ?? { ok: true, next: this.highWatermark };
  }

  /** A Durable Streams operation on the stream this partition holds (src/core/streams/streams.ts). */
  ds(req: DsRequest): Promise<DsResult | SubResult> {
    if (req.op === "sub") {
      this.subscriptions ??= new DsSubscriptions(this.storage, this.now);
      return this.subscriptions.handle(req.call);
    }
    this.streams ??= new DsStreams(this.storage, this, this.core, this.now);
    return this.streams.handle(req);
  }

  /** The topic incarnation this log holds (0: none yet). */
  get incarnation(): number {
    return this.epoch;
  }

  /**
   * Deletes a deleted topic's objects from tiered storage: every key under "<topic>/<partition>/"
   * of this incarnation or an older one (mapped, garbage, or left by an interrupted upload). Runs
   * before the object's storage is wiped; a store that fails leaves objects behind (logged).
   */
  async purgeRemote(addr: PartitionAddress): Promise<void> {
    const store = this.tiering.store;
    if (!store) return;
    const prefix = `${addr.topic}/${addr.partition}/`;
    try {
      const keys = (await store.list(prefix)).filter((k) => Number(k.slice(prefix.length).split("/")[0]) <= addr.epoch);
      await store.delete(keys);
    } catch (err) {
      console.error(`edgebroker: tiered storage objects of ${prefix} could not be deleted`, err);
    }
  }

  /** Deletes the partition's data for a deleted topic; later calls with this epoch get topic_not_found. */
  drop(addr: PartitionAddress): { ok: true } {
    if (addr.epoch < this.epoch || addr.epoch <= this.droppedEpoch) return { ok: true };
    this.storage.transactionSync(() => {
      this.storage.sql.exec("DELETE FROM segments");
      this.tiering.dropAll();
      this.producers.clear();
      this.aborted.clear();
      this.storage.sql.exec("DELETE FROM partition_meta WHERE key = 'log_start_offset'");
      this.storage.sql.exec("INSERT OR REPLACE INTO partition_meta (key, value) VALUES ('dropped_epoch', ?)", addr.epoch);
    });
    this.droppedEpoch = addr.epoch;
    this.tiering.load();
    this.remote.cache.clear();
    this.resetTotals();
    if (this.metricLabels) void this.metrics?.drop();
    this.wakeReaders();
    this.onDrop?.(addr.epoch);
    return { ok: true };
  }
}
