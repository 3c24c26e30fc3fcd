// Idempotent producers, per partition (Kafka KIP-98): for each producer id, the epoch and the
// sequence numbers of its last few batches with the offsets they were given. A retried batch is
// recognized and answered with its original offsets; a gap in the sequence or an older epoch is
// refused. The batches carry producerId / producerEpoch / baseSequence in their RecordBatch v2
// header, so JSON, MessagePack and binary produce all meet here.
//
// Admission is decided when a request arrives (requests to one partition are handled in arrival
// order), so a retry that arrives while its original is still waiting for the group commit is
// recognized too, and answered once the original is durable. The state is written in the same
// transaction as the batches it describes: what survives a restart is exactly what was committed.
import { PRODUCER_SNAPSHOT_TABLE } from "./schema.ts";
import { fail, type Failure } from "../errors.ts";
import type { BatchMeta } from "../batch/log-core.ts";
import type { StoragePort } from "../storage-port.ts";

/** Kafka keeps the last five batches per producer for duplicate detection. */
export const RECENT_BATCHES = 5;
/** Kafka's default producer.id.expiration.ms: state of a producer idle this long is dropped. */
export const DEFAULT_PRODUCER_EXPIRATION_MS = 86_400_000;
const MAX_SEQUENCE = 2_147_483_647;

export interface BatchEntry {
  producerId: number;
  /** A transactional producer's batch (attributes bit 4): it opens the producer's transaction here. */
  transactional: boolean;
  epoch: number;
  firstSeq: number;
  lastSeq: number;
  /** Set when the batch is committed; undefined while it waits for the group commit. */
  baseOffset: number | undefined;
  /** Resolves with the base offset once durable, or undefined if the append failed. */
  readonly settled: Promise<number | undefined>;
  settle(baseOffset: number | undefined): void;
}

interface ProducerState {
  epoch: number;
  lastSeq: number;
  lastUsed: number;
  recent: BatchEntry[];
  /** First offset of the producer's open transaction on this partition (committed), if one is open. */
  txnFirst?: number;
  /** The committed epoch and sequence when no batch of that epoch is stored yet (after a marker). */
  floor?: { epoch: number; lastSeq: number };
}

/** What a transaction marker for a producer does here (PartitionLog.writeMarker). */
export type MarkerDecision = "write" | "duplicate" | "stale";

/** The TRANSACTIONAL attribute bit of RecordBatch v2. */
const TRANSACTIONAL = 0x10;

export type Admission =
  | { kind: "append"; entries: Array<BatchEntry | undefined>; producers: ReadonlyMap<number, ProducerState> }
  | { kind: "duplicate"; entries: BatchEntry[] }
  | Failure;

const NO_PRODUCERS: ReadonlyMap<number, ProducerState> = new Map();

function nextSeq(seq: number): number {
  return seq === MAX_SEQUENCE ? 0 : seq + 1;
}

function entry(
  producerId: number,
  epoch: number,
  firstSeq: number,
  lastSeq: number,
  baseOffset: number | undefined,
  transactional = false,
): BatchEntry {
  let settle!: (o: number | undefined) => void;
  const settled = new Promise<number | undefined>((r) => (settle = r));
  const e: BatchEntry = { producerId, transactional, epoch, firstSeq, lastSeq, baseOffset, settled, settle: (o) => settle(o) };
  if (baseOffset !== undefined) settle(baseOffset);
  return e;
}

/** A full snapshot of producer state is written every this many commits (see persistence below). */
const SNAPSHOT_EVERY_COMMITS = 256;
/** Snapshot rows stay well under the 2 MiB row limit. */
const SNAPSHOT_CHUNK_CHARS = 512 * 1024;

/** txnFirst: the open transaction's first offset, -1 (or absent, rows written before transactions) when none. */
type Persisted = Record<
  string,
  [epoch: number, lastSeq: number, lastUsed: number, recent: Array<[number, number, number, number]>, txnFirst?: number]
>;

/**
 * Persistence costs no extra rows per commit: each segment row carries, in its `producers`
 * column, the state after that commit of every producer it holds batches of. A snapshot of all
 * producers (a few rows) is written every SNAPSHOT_EVERY_COMMITS commits; loading reads the
 * snapshot and replays the `producers` column of the segment rows written after it — Kafka's
 * producer-state snapshots plus log replay, with the replay bounded by the snapshot interval.
 */
export class ProducerStates {
  private readonly storage: StoragePort;
  private readonly expirationMs: number;
  private readonly now: () => number;
  private states = new Map<number, ProducerState>();
  /** Producer id → first offset of its open transaction: the last stable offset is their minimum. */
  private readonly open = new Map<number, number>();
  private commitsSinceSnapshot = 0;

  constructor(storage: StoragePort, expirationMs: number, now: () => number) {
    this.storage = storage;
    this.expirationMs = expirationMs;
    this.now = now;
    storage.sql.exec(PRODUCER_SNAPSHOT_TABLE);
    this.load();
  }

  /** (Re)reads the committed state; also the way back after a failed commit. */
  load(): void {
    this.states = new Map();
    this.open.clear();
    const chunks = this.storage.sql
      .exec<{ through_offset: number; states: string }>("SELECT through_offset, states FROM producer_snapshot ORDER BY chunk")
      .toArray();
    const through = chunks[0]?.through_offset ?? -1;
    this.apply(chunks.map((c) => c.states).join(""));
    let replayed = 0;
    for (const row of this.storage.sql.exec<{ producers: string }>(
      "SELECT producers FROM segments WHERE base_offset > ? AND producers IS NOT NULL ORDER BY base_offset",
      through,
    )) {
      this.apply(row.producers);
      replayed++;
    }
    this.commitsSinceSnapshot = replayed;
  }

  private apply(json: string): void {
    if (!json) return;
    const expired = this.now() - this.expirationMs;
    for (const [id, [epoch, lastSeq, lastUsed, recent, txnFirst = -1]] of Object.entries(JSON.parse(json) as Persisted)) {
      const pid = Number(id);
      // A producer with an open transaction never expires: its transaction holds the last stable offset.
      if (lastUsed < expired && txnFirst < 0) {
        this.states.delete(pid);
        this.open.delete(pid);
        continue;
      }
      const state: ProducerState = {
        epoch,
        lastSeq,
        lastUsed,
        recent: recent.map(([e, first, last, base]) => entry(pid, e, first, last, base)),
        floor: { epoch, lastSeq },
      };
      if (txnFirst >= 0) {
        state.txnFirst = txnFirst;
        this.open.set(pid, txnFirst);
      } else this.open.delete(pid);
      this.states.set(pid, state);
    }
  }

  private current(producerId: number, working: Map<number, ProducerState>): ProducerState | undefined {
    const state = working.get(producerId) ?? this.states.get(producerId);
    if (state && state.txnFirst === undefined && this.now() - state.lastUsed > this.expirationMs) return undefined;
    return state;
  }

  /**
   * Decides what to do with a request's batches: append them (idempotent ones get an entry that
   * settles at commit), answer them as duplicates of batches already appended, or refuse. A
   * request is all-or-nothing: its producer state changes only if every batch is admitted.
   */
  admit(batches: BatchMeta[]): Admission {
    // Batches without a producer id (nearly every produce) have no state to check or change.
    if (batches.every((b) => b.producerId < 0)) return { kind: "append", entries: batches.map(() => undefined), producers: NO_PRODUCERS };
    const working = new Map<number, ProducerState>();
    const entries: Array<BatchEntry | undefined> = [];
    const duplicates: BatchEntry[] = [];
    for (const [i, b] of batches.entries()) {
      if (b.producerId < 0) {
        entries.push(undefined);
        continue;
      }
      const where = batches.length > 1 ? `batch ${i}: ` : "";
      if (b.baseSequence < 0)
        return fail("out_of_order_sequence", `${where}producer ${b.producerId} sent no sequence number (baseSequence ${b.baseSequence})`, {
          expected_sequence: 0,
        });
      const firstSeq = b.baseSequence;
      const lastSeq = (firstSeq + b.lastOffsetDelta) % (MAX_SEQUENCE + 1);
      const state = this.current(b.producerId, working);
      if (state && b.producerEpoch < state.epoch) {
        return fail(
          "producer_fenced",
          `${where}producer ${b.producerId} epoch ${b.producerEpoch} is fenced: epoch ${state.epoch} has already written to this partition`,
          { current_epoch: state.epoch },
        );
      }
      if (state && b.producerEpoch === state.epoch) {
        const original = state.recent.find((e) => e.epoch === b.producerEpoch && e.firstSeq === firstSeq && e.lastSeq === lastSeq);
        if (original) {
          duplicates.push(original);
          continue;
        }
        if (firstSeq !== nextSeq(state.lastSeq)) {
          return fail(
            "out_of_order_sequence",
            `${where}producer ${b.producerId} epoch ${b.producerEpoch}: expected sequence ${nextSeq(state.lastSeq)}, got ${firstSeq}`,
            { expected_sequence: nextSeq(state.lastSeq) },
          );
        }
      } else if (firstSeq !== 0) {
        const why = state
          ? `a new epoch (${b.producerEpoch}) starts`
          : "this partition has no state for the producer (new, or idle past its expiration); it starts";
        return fail("out_of_order_sequence", `${where}producer ${b.producerId}: ${why} at sequence 0, got ${firstSeq}`, {
          expected_sequence: 0,
        });
      }
      const e = entry(b.producerId, b.producerEpoch, firstSeq, lastSeq, undefined, (b.attributes & TRANSACTIONAL) !== 0);
      const recent = state && state.epoch === b.producerEpoch ? state.recent : [];
      working.set(b.producerId, {
        ...state,
        epoch: b.producerEpoch,
        lastSeq,
        lastUsed: this.now(),
        recent: [...recent, e].slice(-RECENT_BATCHES),
      });
      entries.push(e);
    }
    if (duplicates.length > 0) {
      if (duplicates.length !== batches.length) {
        return fail("out_of_order_sequence", "the request mixes batches already appended with new ones; send the new ones on their own");
      }
      return { kind: "duplicate", entries: duplicates };
    }
    for (const [id, state] of working) this.states.set(id, state);
    return { kind: "append", entries, producers: working };
  }

  /** The committed part of a producer's state: entries that have offsets (never ahead of the log). */
  private committed(id: number): Persisted[string] | undefined {
    const state = this.states.get(id);
    if (!state) return undefined;
    const done = state.recent.filter((e) => e.baseOffset !== undefined);
    const last = done[done.length - 1] ?? state.floor;
    if (!last) return undefined;
    return [
      last.epoch,
      last.lastSeq,
      state.lastUsed,
      done.map((e) => [e.epoch, e.firstSeq, e.lastSeq, e.baseOffset!]),
      state.txnFirst ?? -1,
    ];
  }

  // ---- Transactions (KIP-98): the open transaction of each producer, and its markers ----

  /** Called as a transactional batch gets its offset (inside the commit): the first one opens the transaction. */
  written(e: BatchEntry): void {
    if (!e.transactional || e.baseOffset === undefined) return;
    const state = this.states.get(e.producerId);
    if (!state || state.txnFirst !== undefined) return;
    state.txnFirst = e.baseOffset;
    this.open.set(e.producerId, e.baseOffset);
  }

  /** The last stable offset: the first offset of the oldest open transaction, or the high watermark. */
  lastStableOffset(highWatermark: number): number {
    let lso = highWatermark;
    for (const first of this.open.values()) if (first < lso) lso = first;
    return lso;
  }

  openTransactions(): Array<{ producerId: number; firstOffset: number }> {
    return [...this.open].map(([producerId, firstOffset]) => ({ producerId, firstOffset }));
  }

  /**
   * Whether a marker from the coordinator is written. Markers carry the epoch the coordinator
   * moved to when it ended the transaction (KIP-890), so a marker fences every older epoch here.
   * A marker for an epoch this partition already closed with is a re-driven duplicate; one for an
   * older epoch than the producer's is stale (the coordinator has moved on).
   */
  markerDecision(producerId: number, producerEpoch: number): MarkerDecision {
    const state = this.states.get(producerId);
    if (!state) return "write";
    if (producerEpoch < state.epoch) return "stale";
    if (producerEpoch === state.epoch && state.txnFirst === undefined) return "duplicate";
    return "write";
  }

  /** At admission: the marker's epoch becomes the producer's, so older-epoch appends are fenced from now on. */
  fence(producerId: number, producerEpoch: number): void {
    const state = this.states.get(producerId);
    if (state && state.epoch === producerEpoch) return;
    this.states.set(producerId, {
      ...state,
      epoch: producerEpoch,
      lastSeq: -1,
      lastUsed: this.now(),
      recent: [],
      floor: { epoch: producerEpoch, lastSeq: -1 },
    });
  }

  /** Inside the commit, as the marker gets its offset: closes the transaction; returns its first offset (or -1). */
  closed(producerId: number, producerEpoch: number): number {
    const state = this.states.get(producerId);
    if (!state) return -1;
    const first = state.txnFirst ?? -1;
    state.txnFirst = undefined;
    state.floor = { epoch: producerEpoch, lastSeq: state.epoch === producerEpoch ? state.lastSeq : -1 };
    this.open.delete(producerId);
    return first;
  }

  /** The `producers` column of a segment row holding batches of these producers (null if none). */
  rowState(producerIds: Iterable<number>): string | null {
    const out: Persisted = {};
    let any = false;
    for (const id of producerIds) {
      const state = this.committed(id);
      if (state) {
        out[id] = state;
        any = true;
      }
    }
    return any ? JSON.stringify(out) : null;
  }

  /**
   * Called inside every commit's transaction after its rows are written; every
   * SNAPSHOT_EVERY_COMMITS commits it replaces the snapshot (dropping idle producers) and returns
   * the rows it wrote.
   */
  afterCommit(throughOffset: number): number {
    if (++this.commitsSinceSnapshot < SNAPSHOT_EVERY_COMMITS) return 0;
    return this.snapshot(throughOffset);
  }

  /**
   * Replaces the snapshot with the state of every live producer, covering the log through
   * `throughOffset`. Also called before rows are merged or deleted, since the rows after the
   * snapshot are what loading replays. With no producers at all it only removes the old snapshot.
   */
  snapshot(throughOffset: number): number {
    if (this.states.size === 0) {
      this.commitsSinceSnapshot = 0;
      return this.storage.sql.exec("DELETE FROM producer_snapshot").rowsWritten;
    }
    const cutoff = this.now() - this.expirationMs;
    const all: Persisted = {};
    for (const [id, state] of this.states) {
      if (state.lastUsed < cutoff && state.txnFirst === undefined) {
        this.states.delete(id);
        continue;
      }
      const committed = this.committed(id);
      if (committed) all[id] = committed;
    }
    const json = JSON.stringify(all);
    this.storage.sql.exec("DELETE FROM producer_snapshot");
    let written = 0;
    for (let chunk = 0; chunk * SNAPSHOT_CHUNK_CHARS < json.length; chunk++) {
      written += this.storage.sql.exec(
        "INSERT INTO producer_snapshot (chunk, through_offset, states) VALUES (?, ?, ?)",
        chunk,
        throughOffset,
        json.slice(chunk * SNAPSHOT_CHUNK_CHARS, (chunk + 1) * SNAPSHOT_CHUNK_CHARS),
      ).rowsWritten;
    }
    this.commitsSinceSnapshot = 0;
    return written;
  }

  clear(): void {
    this.storage.sql.exec("DELETE FROM producer_snapshot");
    this.states = new Map();
    this.open.clear();
    this.commitsSinceSnapshot = 0;
  }
}
