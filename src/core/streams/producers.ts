// Durable Streams idempotent producers (PROTOCOL.md 5.2.1). The broker's Kafka producer state
// (core/log/producer-state.ts) does not fit them: Kafka producer ids are broker-issued 64-bit numbers with
// 16-bit epochs and per-record sequences checked batch by batch in the log, while a DS producer
// is a client-chosen string with any epoch up to 2^53-1, one sequence number per HTTP request,
// and answers (200 new / 204 duplicate / 403 stale epoch with the current one) the Kafka rules do
// not give. So the DS state is a small map kept with the stream's metadata instead.
import type { DsMeta, DsProducer } from "./types.ts";

export type ProducerCheck =
  | { kind: "accept"; state: { epoch: number; seq: number } }
  | { kind: "duplicate"; lastSeq: number }
  | { kind: "stale_epoch"; currentEpoch: number }
  | { kind: "epoch_needs_seq_zero" }
  | { kind: "gap"; expected: number; received: number };

/** The protocol's validation logic; changes nothing (the caller stores `state` when it appends). */
export function checkProducer(meta: DsMeta, p: DsProducer): ProducerCheck {
  const state = meta.producers[p.id];
  if (!state) {
    return p.seq === 0 ? { kind: "accept", state: { epoch: p.epoch, seq: 0 } } : { kind: "gap", expected: 0, received: p.seq };
  }
  if (p.epoch < state.epoch) return { kind: "stale_epoch", currentEpoch: state.epoch };
  if (p.epoch > state.epoch) {
    return p.seq === 0 ? { kind: "accept", state: { epoch: p.epoch, seq: 0 } } : { kind: "epoch_needs_seq_zero" };
  }
  if (p.seq <= state.seq) return { kind: "duplicate", lastSeq: state.seq };
  if (p.seq === state.seq + 1) return { kind: "accept", state: { epoch: p.epoch, seq: p.seq } };
  return { kind: "gap", expected: state.seq + 1, received: p.seq };
}

export function sameProducerRequest(a: DsProducer | null, b: DsProducer | undefined): boolean {
  return !!a && !!b && a.id === b.id && a.epoch === b.epoch && a.seq === b.seq;
}
