// The transaction coordinator of one transactional id (Kafka's TransactionCoordinator, KIP-98,
// with KIP-890's epoch bump at the end of each transaction). The Durable Object
// (src/worker/txn-object.ts) and the standalone host (src/runtime/objects.ts) serve this class.
//
// Two-phase commit: end() persists PrepareCommit/PrepareAbort (with the partitions and the
// epoch the markers carry) and sets the alarm *before* writing any marker; then it writes a
// marker to every partition and, once all are acknowledged, persists CompleteCommit/Abort. An
// eviction or a kill at any step leaves either the old state (nothing written: the transaction
// is still open and times out into an abort) or Prepare*, which the alarm re-drives after a
// restart: partitions ignore a marker for an epoch they already closed (PartitionLog.writeMarker),
// so markers are written once each however often they are sent.
import { fail, type Failure } from "../errors.ts";
import type { Serves } from "../object-api.ts";
import type { StoragePort } from "../storage-port.ts";
import type { MarkerResult } from "../log/partition-types.ts";
import type { ProducerIdResult } from "../topics/producer-registry.ts";
import { TXN_REGISTRY_TABLE, TXN_STATE_TABLE } from "./schema.ts";
import {
  DEFAULT_TXN_TIMEOUT_MS,
  MAX_TXN_TIMEOUT_MS,
  type EndResult,
  type InitRequest,
  type ProducerIdentity,
  type TxnApi,
  type TxnDescription,
  type TxnListing,
  type TxnPartition,
  type TxnProducer,
  type TxnState,
} from "./types.ts";

/** Producer epochs are int16 (RecordBatch v2); past this the id moves to a new producer id, as in Kafka. */
const MAX_EPOCH = 32_767;
/** How soon the alarm re-drives markers a partition did not acknowledge. */
export const MARKER_RETRY_MS = 1_000;

export interface TxnPorts {
  /** Writes one marker (PartitionApi.writeMarker of the partition's object). */
  writeMarker(
    p: TxnPartition,
    marker: { producerId: number; producerEpoch: number; commit: boolean; coordinatorEpoch: number },
  ): Promise<MarkerResult>;
  /** Makes a group's pending transactional offsets visible (commit) or drops them (abort). */
  completeOffsets?(
    group: string,
    req: { transactionalId: string; producerId: number; producerEpoch: number; commit: boolean },
  ): Promise<{ ok: true } | Failure>;
  /** A fresh producer id (the cluster object's allocator). */
  newProducerId(): Promise<ProducerIdResult>;
  /** Lists this transactional id in the registry object. */
  register?(entry: TxnListing): Promise<unknown>;
  alarms?: { setAlarm(at: number): void };
  now?: () => number;
  /** Kafka's transaction.max.timeout.ms (EDGEBROKER_TRANSACTION_MAX_TIMEOUT_MS); default MAX_TXN_TIMEOUT_MS. */
  maxTimeoutMs?: number;
}

interface TxnRecord {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  /** Bumped by every init: Kafka's coordinatorEpoch in the markers. */
  coordinatorEpoch: number;
  state: TxnState;
  timeoutMs: number;
  startedAt: number | null;
  partitions: TxnPartition[];
  groups: string[];
  /** Prepare*: the epoch the markers carry and the producer has after the transaction. */
  markerEpoch: number | null;
  /** Prepare*: partitions whose marker is acknowledged. */
  done: string[];
  /** The epoch and outcome of the last ended transaction, so a retried end is answered, not refused. */
  lastEnd: { epoch: number; commit: boolean } | null;
}

const pkey = (p: TxnPartition) => `${p.topic}/${p.partition}`;

export class TxnService implements Serves<TxnApi> {
  private readonly storage: StoragePort;
  private readonly ports: TxnPorts;
  private readonly now: () => number;
  private record: TxnRecord | undefined;
  private driving: Promise<boolean> | undefined;

  constructor(storage: StoragePort, ports: TxnPorts) {
    this.storage = storage;
    this.ports = ports;
    this.now = ports.now ?? Date.now;
    storage.sql.exec(TXN_STATE_TABLE);
    const row = storage.sql.exec<{ value: string }>("SELECT value FROM txn_state WHERE key = 'txn'").toArray()[0];
    this.record = row ? (JSON.parse(row.value) as TxnRecord) : undefined;
  }

  private save(r: TxnRecord): void {
    this.storage.sql.exec("INSERT OR REPLACE INTO txn_state (key, value) VALUES ('txn', ?)", JSON.stringify(r));
    this.record = r;
  }

  async init(req: InitRequest): Promise<ProducerIdentity | Failure> {
    // An explicit timeout above the broker's maximum is refused (Kafka's INVALID_TRANSACTION_TIMEOUT);
    // the default, and one kept from an earlier init, are capped by it (the maximum may have been lowered since).
    const max = this.ports.maxTimeoutMs ?? MAX_TXN_TIMEOUT_MS;
    const timeoutMs = req.timeoutMs ?? Math.min(this.record?.timeoutMs ?? DEFAULT_TXN_TIMEOUT_MS, max);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > max) {
      return fail(
        "invalid_transaction_timeout",
        `transaction_timeout_ms: expected 1 to ${max} (transaction.max.timeout.ms, EDGEBROKER_TRANSACTION_MAX_TIMEOUT_MS), got ${timeoutMs}`,
        { max_timeout_ms: max },
      );
    }
    // A transaction between its two phases finishes first: its outcome is already decided.
    if (this.record && this.isPreparing(this.record) && !(await this.drive())) {
      return fail("concurrent_transactions", "the previous transaction's markers are still being written; retry shortly");
    }
    let r = this.record;
    if (!r) {
      const id = await this.ports.newProducerId();
      if (!id.ok) return id;
      if (this.record) return fail("concurrent_transactions", "the transactional id is being initialised by another request; retry");
      r = {
        transactionalId: req.transactionalId,
        producerId: id.producer_id,
        producerEpoch: id.producer_epoch,
        coordinatorEpoch: 0,
        state: "Empty",
        timeoutMs,
        startedAt: null,
        partitions: [],
        groups: [],
        markerEpoch: null,
        done: [],
        lastEnd: null,
      };
      this.save(r);
      await this.ports.register?.({ transactional_id: r.transactionalId, producer_id: r.producerId, state: r.state });
      return { ok: true, producer_id: r.producerId, producer_epoch: r.producerEpoch };
    }
    // Fencing: the new incarnation gets the next epoch; an open transaction of the old one is
    // aborted with markers carrying that epoch, so the zombie is refused at every partition.
    if (r.producerEpoch + 1 > MAX_EPOCH && r.state !== "Ongoing") {
      const id = await this.ports.newProducerId();
      if (!id.ok) return id;
      this.save({
        ...r,
        producerId: id.producer_id,
        producerEpoch: id.producer_epoch,
        coordinatorEpoch: r.coordinatorEpoch + 1,
        timeoutMs,
        lastEnd: null,
      });
      return { ok: true, producer_id: id.producer_id, producer_epoch: id.producer_epoch };
    }
    const next = { ...r, coordinatorEpoch: r.coordinatorEpoch + 1, timeoutMs };
    if (r.state === "Ongoing") {
      this.prepare(next, false, true);
      if (!(await this.drive()))
        return fail("concurrent_transactions", "the fenced incarnation's transaction is being aborted; retry shortly");
      return { ok: true, producer_id: this.record!.producerId, producer_epoch: this.record!.producerEpoch };
    }
    this.save({ ...next, producerEpoch: r.producerEpoch + 1, state: "Empty", lastEnd: null });
    return { ok: true, producer_id: r.producerId, producer_epoch: r.producerEpoch + 1 };
  }

  private isPreparing(r: TxnRecord): boolean {
    return r.state === "PrepareCommit" || r.state === "PrepareAbort";
  }

  /** The producer of a request must be the current incarnation (Kafka's epoch checks). */
  private check(req: TxnProducer): TxnRecord | Failure {
    const r = this.record;
    if (!r)
      return fail(
        "transactional_id_not_found",
        `transactional id "${req.transactionalId}" was never initialised: POST /v1/transactions/${req.transactionalId}/init first`,
      );
    if (req.producerId !== r.producerId) {
      return fail(
        "invalid_producer_id_mapping",
        `producer id ${req.producerId} is not the producer of transactional id "${r.transactionalId}" (${r.producerId})`,
      );
    }
    if (req.producerEpoch < r.producerEpoch) {
      return fail(
        "producer_fenced",
        `producer epoch ${req.producerEpoch} is fenced: transactional id "${r.transactionalId}" is at epoch ${r.producerEpoch}`,
        { current_epoch: r.producerEpoch },
      );
    }
    if (req.producerEpoch > r.producerEpoch)
      return fail("invalid_producer_epoch", `producer epoch ${req.producerEpoch} is ahead of the coordinator's (${r.producerEpoch})`);
    return r;
  }

  /** Opens a transaction if none is: the timeout starts and the alarm is set for it. */
  private ongoing(r: TxnRecord): TxnRecord | Failure {
    if (this.isPreparing(r))
      return fail(
        "concurrent_transactions",
        `transactional id "${r.transactionalId}" is completing its previous transaction (${r.state}); retry shortly`,
      );
    if (r.state === "Ongoing") return r;
    const now = this.now();
    const open: TxnRecord = { ...r, state: "Ongoing", startedAt: now, partitions: [], groups: [], done: [], markerEpoch: null };
    this.ports.alarms?.setAlarm(now + r.timeoutMs);
    return open;
  }

  begin(req: TxnProducer): { ok: true; state: TxnState } | Failure {
    const checked = this.check(req);
    if ("error" in checked) return checked;
    if (checked.state === "Ongoing")
      return fail("invalid_txn_state", `transactional id "${checked.transactionalId}" already has an open transaction`);
    const open = this.ongoing(checked);
    if ("error" in open) return open;
    this.save(open);
    return { ok: true, state: open.state };
  }

  addPartitions(req: TxnProducer & { partitions: TxnPartition[] }): { ok: true } | Failure {
    const r = this.check(req);
    if ("error" in r) return r;
    const open = this.ongoing(r);
    if ("error" in open) return open;
    const known = new Set(open.partitions.map(pkey));
    const added: TxnPartition[] = [];
    for (const p of req.partitions) {
      if (known.has(pkey(p))) continue;
      known.add(pkey(p));
      added.push(p);
    }
    if (added.length > 0 || open !== r) this.save({ ...open, partitions: [...open.partitions, ...added] });
    return { ok: true };
  }

  addOffsets(req: TxnProducer & { group: string }): { ok: true } | Failure {
    const r = this.check(req);
    if ("error" in r) return r;
    const open = this.ongoing(r);
    if ("error" in open) return open;
    if (!open.groups.includes(req.group) || open !== r)
      this.save({ ...open, groups: open.groups.includes(req.group) ? open.groups : [...open.groups, req.group] });
    return { ok: true };
  }

  async end(req: TxnProducer & { commit: boolean; bumpEpoch?: boolean }): Promise<EndResult> {
    const r0 = this.record;
    const verb = req.commit ? "commit" : "abort";
    // A retried end of the transaction just ended (its answer was lost): the same answer. Not when
    // a transaction is open at that same epoch (Kafka clients before KIP-890 part 2 keep their
    // epoch): that end is the open transaction's.
    const reopened = r0?.state === "Ongoing" && r0.producerEpoch === r0.lastEnd?.epoch;
    if (
      r0?.lastEnd &&
      !reopened &&
      req.producerId === r0.producerId &&
      req.producerEpoch === r0.lastEnd.epoch &&
      r0.lastEnd.commit === req.commit
    ) {
      if (this.isPreparing(r0)) await this.drive();
      return this.endAnswer();
    }
    const r = this.check(req);
    if ("error" in r) return r;
    if (r.state !== "Ongoing")
      return fail(
        "invalid_txn_state",
        `cannot ${verb}: transactional id "${r.transactionalId}" has no open transaction (state ${r.state})`,
      );
    this.prepare(r, req.commit, false, req.bumpEpoch === false ? r.producerEpoch : undefined);
    await this.drive();
    return this.endAnswer();
  }

  private endAnswer(): EndResult {
    const r = this.record!;
    return {
      ok: true,
      producer_id: r.producerId,
      producer_epoch: r.producerEpoch,
      state: r.state,
      ...(this.isPreparing(r) ? { markers_pending: true } : {}),
    };
  }

  /** Phase one: the decision is durable (and the alarm set to re-drive it) before any marker is written. */
  /** `fencing`: an abort the producer did not ask for (init of a new incarnation, timeout): no retry of it is answered as success. */
  /** `markerEpoch`: the producer's own epoch for an EndTxn of a Kafka client that keeps it (no KIP-890 bump). */
  private prepare(r: TxnRecord, commit: boolean, fencing = false, markerEpoch = Math.min(r.producerEpoch + 1, MAX_EPOCH)): void {
    this.ports.alarms?.setAlarm(this.now() + MARKER_RETRY_MS);
    this.save({
      ...r,
      state: commit ? "PrepareCommit" : "PrepareAbort",
      markerEpoch,
      done: [],
      lastEnd: fencing ? null : { epoch: r.producerEpoch, commit },
    });
  }

  /**
   * Phase two: a marker to every partition not yet acknowledged, the groups' offsets completed,
   * then Complete*. Resolves true when complete; false leaves Prepare* for the alarm to retry.
   * One drive at a time (end, init and the alarm may all ask).
   */
  private drive(): Promise<boolean> {
    this.driving ??= this.driveOnce().finally(() => (this.driving = undefined));
    return this.driving;
  }

  private async driveOnce(): Promise<boolean> {
    const r = this.record;
    if (!r || !this.isPreparing(r)) return true;
    const commit = r.state === "PrepareCommit";
    const epoch = r.markerEpoch!;
    const done = new Set(r.done);
    const todo = r.partitions.filter((p) => !done.has(pkey(p)));
    const results = await Promise.all(
      todo.map((p) =>
        this.ports.writeMarker(p, { producerId: r.producerId, producerEpoch: epoch, commit, coordinatorEpoch: r.coordinatorEpoch }).then(
          // A deleted topic takes its transaction data with it: nothing left to mark.
          (m) => m.ok || m.error.code === "topic_not_found",
          () => false,
        ),
      ),
    );
    const offsets = await Promise.all(
      r.groups.map((g) =>
        this.ports.completeOffsets
          ? this.ports
              .completeOffsets(g, {
                transactionalId: r.transactionalId,
                producerId: r.producerId,
                producerEpoch: r.lastEnd?.epoch ?? epoch,
                commit,
              })
              .then(
                (x) => x.ok || x.error.code === "group_not_found",
                () => false,
              )
          : Promise.resolve(true),
      ),
    );
    const acked = todo.filter((_, i) => results[i]).map(pkey);
    const complete = acked.length === todo.length && offsets.every(Boolean);
    const latest = this.record!;
    if (!complete) {
      this.save({ ...latest, done: [...latest.done, ...acked] });
      this.ports.alarms?.setAlarm(this.now() + MARKER_RETRY_MS);
      return false;
    }
    this.save({
      ...latest,
      state: commit ? "CompleteCommit" : "CompleteAbort",
      producerEpoch: epoch,
      markerEpoch: null,
      startedAt: null,
      partitions: [],
      groups: [],
      done: [],
    });
    return true;
  }

  describe(transactionalId: string): TxnDescription | Failure {
    const r = this.record;
    if (!r) return fail("transactional_id_not_found", `transactional id "${transactionalId}" does not exist`);
    return {
      ok: true,
      transactional_id: r.transactionalId,
      producer_id: r.producerId,
      producer_epoch: r.producerEpoch,
      state: r.state,
      transaction_timeout_ms: r.timeoutMs,
      transaction_start_time: r.startedAt,
      partitions: r.partitions.map((p) => ({ topic: p.topic, partition: p.partition })),
      groups: r.groups,
      ...(this.isPreparing(r) ? { pending_markers: r.partitions.length - r.done.length } : {}),
    };
  }

  /**
   * The alarm: re-drives markers of a transaction between its phases (after a restart, or a
   * partition that did not answer), and aborts a transaction open past its timeout — with the
   * epoch bumped, so the producer that abandoned it is fenced.
   */
  async alarm(): Promise<void> {
    const r = this.record;
    if (!r) return;
    if (this.isPreparing(r)) {
      await this.drive();
      return;
    }
    if (r.state !== "Ongoing" || r.startedAt === null) return;
    const due = r.startedAt + r.timeoutMs;
    if (this.now() < due) {
      this.ports.alarms?.setAlarm(due);
      return;
    }
    this.prepare(r, false, true);
    await this.drive();
  }

  // ---- The Kafka protocol's forms (src/kafka/txn/) ----

  /**
   * InitProducerId v3+ with the producer's current id and epoch (KIP-360): a producer that hit an
   * abortable error bumps its own epoch. Refused when they are not the current ones (a newer
   * incarnation, or another producer id): PRODUCER_FENCED.
   */
  initKafka(req: InitRequest & { expected?: { producerId: number; producerEpoch: number } }): Promise<ProducerIdentity | Failure> {
    const r = this.record;
    const e = req.expected;
    if (e && e.producerId >= 0 && (!r || r.producerId !== e.producerId || r.producerEpoch !== e.producerEpoch)) {
      return Promise.resolve(
        fail(
          "producer_fenced",
          r
            ? `producer ${e.producerId} epoch ${e.producerEpoch} is not transactional id "${r.transactionalId}"'s current producer (${r.producerId} epoch ${r.producerEpoch})`
            : `transactional id "${req.transactionalId}" has no producer ${e.producerId}`,
          r ? { current_epoch: r.producerEpoch } : {},
        ),
      );
    }
    return this.init(req);
  }

  /**
   * KIP-890 part 1: which of these partitions and groups the producer's open transaction does not
   * hold, so a transactional Produce or TxnOffsetCommit for one never added is refused (no marker
   * would ever close it). Fenced and unknown producers are refused as by every other request.
   */
  verify(
    req: TxnProducer & { partitions: Array<{ topic: string; partition: number }>; groups?: string[] },
  ): { ok: true; missing: Array<{ topic: string; partition: number }>; missingGroups: string[] } | Failure {
    const r = this.check(req);
    if ("error" in r) return r;
    const open = r.state === "Ongoing";
    const known = new Set(open ? r.partitions.map(pkey) : []);
    return {
      ok: true,
      missing: req.partitions.filter((p) => !known.has(`${p.topic}/${p.partition}`)),
      missingGroups: (req.groups ?? []).filter((g) => !open || !r.groups.includes(g)),
    };
  }

  // ---- The registry object (TXN_REGISTRY_NAME): the list of transactional ids ----

  register(entry: TxnListing): { ok: true } {
    this.storage.sql.exec(TXN_REGISTRY_TABLE);
    this.storage.sql.exec(
      "INSERT OR REPLACE INTO txn_registry (transactional_id, producer_id, state) VALUES (?, ?, ?)",
      entry.transactional_id,
      entry.producer_id,
      entry.state,
    );
    return { ok: true };
  }

  list(): TxnListing[] {
    this.storage.sql.exec(TXN_REGISTRY_TABLE);
    return this.storage.sql
      .exec<{ transactional_id: string; producer_id: number; state: string }>(
        "SELECT transactional_id, producer_id, state FROM txn_registry ORDER BY transactional_id",
      )
      .toArray()
      .map((r) => ({ transactional_id: r.transactional_id, producer_id: r.producer_id, state: r.state as TxnState }));
  }
}
