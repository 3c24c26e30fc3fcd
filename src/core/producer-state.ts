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
import { fail, type Failure } from "./errors.ts";
import type { BatchMeta } from "./log-core.ts";
import type { StoragePort } from "./storage-port.ts";

/** Kafka keeps the last five batches per producer for duplicate detection. */
export const RECENT_BATCHES = 5;
/** Kafka's default producer.id.expiration.ms: state of a producer idle this long is dropped. */
export const DEFAULT_PRODUCER_EXPIRATION_MS = 86_400_000;
const MAX_SEQUENCE = 2_147_483_647;

export interface BatchEntry {
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
}

export type Admission =
  | { kind: "append"; entries: Array<BatchEntry | undefined>; producers: Map<number, ProducerState> }
  | { kind: "duplicate"; entries: BatchEntry[] }
  | Failure;

function nextSeq(seq: number): number {
  return seq === MAX_SEQUENCE ? 0 : seq + 1;
}

function entry(epoch: number, firstSeq: number, lastSeq: number, baseOffset: number | undefined): BatchEntry {
  let settle!: (o: number | undefined) => void;
  const settled = new Promise<number | undefined>((r) => (settle = r));
  const e: BatchEntry = { epoch, firstSeq, lastSeq, baseOffset, settled, settle: (o) => settle(o) };
  if (baseOffset !== undefined) settle(baseOffset);
  return e;
}

export class ProducerStates {
  private readonly storage: StoragePort;
  private readonly expirationMs: number;
  private readonly now: () => number;
  private states = new Map<number, ProducerState>();

  constructor(storage: StoragePort, expirationMs: number, now: () => number) {
    this.storage = storage;
    this.expirationMs = expirationMs;
    this.now = now;
    storage.sql.exec(`CREATE TABLE IF NOT EXISTS producer_state (
      producer_id INTEGER PRIMARY KEY, epoch INTEGER NOT NULL, last_seq INTEGER NOT NULL,
      last_used INTEGER NOT NULL, recent TEXT NOT NULL)`);
    this.load();
  }

  /** (Re)reads the committed state; also the way back after a failed commit. */
  load(): void {
    this.states = new Map();
    const expired = this.now() - this.expirationMs;
    type Row = { producer_id: number; epoch: number; last_seq: number; last_used: number; recent: string };
    for (const row of this.storage.sql.exec<Row>("SELECT * FROM producer_state WHERE last_used >= ?", expired)) {
      const recent = (JSON.parse(row.recent) as Array<[number, number, number, number]>).map(([epoch, first, last, base]) => entry(epoch, first, last, base));
      this.states.set(row.producer_id, { epoch: row.epoch, lastSeq: row.last_seq, lastUsed: row.last_used, recent });
    }
  }

  private current(producerId: number, working: Map<number, ProducerState>): ProducerState | undefined {
    const state = working.get(producerId) ?? this.states.get(producerId);
    if (state && this.now() - state.lastUsed > this.expirationMs) return undefined;
    return state;
  }

  /**
   * Decides what to do with a request's batches: append them (idempotent ones get an entry that
   * settles at commit), answer them as duplicates of batches already appended, or refuse. A
   * request is all-or-nothing: its producer state changes only if every batch is admitted.
   */
  admit(batches: BatchMeta[]): Admission {
    const working = new Map<number, ProducerState>();
    const entries: Array<BatchEntry | undefined> = [];
    const duplicates: BatchEntry[] = [];
    for (const [i, b] of batches.entries()) {
      if (b.producerId < 0) {
        entries.push(undefined);
        continue;
      }
      const where = batches.length > 1 ? `batch ${i}: ` : "";
      if (b.baseSequence < 0) return fail("out_of_order_sequence", `${where}producer ${b.producerId} sent no sequence number (baseSequence ${b.baseSequence})`, { expected_sequence: 0 });
      const firstSeq = b.baseSequence;
      const lastSeq = (firstSeq + b.lastOffsetDelta) % (MAX_SEQUENCE + 1);
      const state = this.current(b.producerId, working);
      if (state && b.producerEpoch < state.epoch) {
        return fail("producer_fenced", `${where}producer ${b.producerId} epoch ${b.producerEpoch} is fenced: epoch ${state.epoch} has already written to this partition`, { current_epoch: state.epoch });
      }
      if (state && b.producerEpoch === state.epoch) {
        const original = state.recent.find((e) => e.epoch === b.producerEpoch && e.firstSeq === firstSeq && e.lastSeq === lastSeq);
        if (original) {
          duplicates.push(original);
          continue;
        }
        if (firstSeq !== nextSeq(state.lastSeq)) {
          return fail("out_of_order_sequence", `${where}producer ${b.producerId} epoch ${b.producerEpoch}: expected sequence ${nextSeq(state.lastSeq)}, got ${firstSeq}`, { expected_sequence: nextSeq(state.lastSeq) });
        }
      } else if (firstSeq !== 0) {
        const why = state ? `a new epoch (${b.producerEpoch}) starts` : "this partition has no state for the producer (new, or idle past its expiration); it starts";
        return fail("out_of_order_sequence", `${where}producer ${b.producerId}: ${why} at sequence 0, got ${firstSeq}`, { expected_sequence: 0 });
      }
      const e = entry(b.producerEpoch, firstSeq, lastSeq, undefined);
      const recent = state && state.epoch === b.producerEpoch ? state.recent : [];
      working.set(b.producerId, { epoch: b.producerEpoch, lastSeq, lastUsed: this.now(), recent: [...recent, e].slice(-RECENT_BATCHES) });
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

  /**
   * Persists, inside the commit's transaction, the committed part of each producer's state: the
   * entries that now have offsets. Entries of later, not yet committed requests are left out so a
   * crash can never leave a sequence number ahead of the log.
   */
  persist(producerIds: Iterable<number>): number {
    let written = 0;
    for (const id of producerIds) {
      const state = this.states.get(id);
      if (!state) continue;
      const committed = state.recent.filter((e) => e.baseOffset !== undefined);
      const last = committed[committed.length - 1];
      if (!last) continue;
      const recent = JSON.stringify(committed.map((e) => [e.epoch, e.firstSeq, e.lastSeq, e.baseOffset]));
      written += this.storage.sql.exec(
        "INSERT OR REPLACE INTO producer_state (producer_id, epoch, last_seq, last_used, recent) VALUES (?, ?, ?, ?, ?)",
        id, last.epoch, last.lastSeq, state.lastUsed, recent,
      ).rowsWritten;
    }
    return written;
  }

  /** Forgets producers idle past the expiration (run now and then, inside a commit). */
  expire(): void {
    const cutoff = this.now() - this.expirationMs;
    this.storage.sql.exec("DELETE FROM producer_state WHERE last_used < ?", cutoff);
    for (const [id, state] of this.states) if (state.lastUsed < cutoff) this.states.delete(id);
  }

  clear(): void {
    this.storage.sql.exec("DELETE FROM producer_state");
    this.states = new Map();
  }
}
