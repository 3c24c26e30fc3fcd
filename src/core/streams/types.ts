// Durable Streams (the open HTTP protocol for offset-addressed streams, served under /ds): the
// request and result shapes of the partition object's `ds` call, and the offset format. Plain data
// only: they cross Durable Object RPC and the local actor host unchanged.
import type { Failure } from "../errors.ts";
import type { PartitionAddress } from "../log/partition-types.ts";
import type { SubCall, SubResult } from "./subscriptions.ts";

export type { SubResult };

/**
 * A DS offset is the log offset of the next record, zero-padded so offsets sort as strings do,
 * after a constant 16-digit prefix: the protocol's own reference offsets have the shape
 * `<16 digits>_<16 digits>` (the conformance suite names the start as 0000000000000000_0000000000000000).
 */
const OFFSET_DIGITS = 16;
const OFFSET_PREFIX = "0".repeat(OFFSET_DIGITS) + "_";
const OFFSET_PATTERN = /^\d{16}_(\d{16})$/;

export function formatOffset(logOffset: number): string {
  return OFFSET_PREFIX + String(logOffset).padStart(OFFSET_DIGITS, "0");
}

/** "-1" is the start of the stream, "now" its tail; anything else must be an offset this server issued. */
export function parseOffset(raw: string): number | "now" | undefined {
  if (raw === "-1") return 0;
  if (raw === "now") return "now";
  const m = OFFSET_PATTERN.exec(raw);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : undefined;
}

export interface DsProducer {
  id: string;
  epoch: number;
  seq: number;
}

/** What a stream is, as stored with its partition (one row). */
export interface DsMeta {
  path: string;
  contentType: string;
  /** Sliding time-to-live in seconds (Stream-TTL), or null. */
  ttlSeconds: number | null;
  /** Absolute expiry (Stream-Expires-At) as given, and as epoch ms. */
  expiresAt: string | null;
  expiresAtMs: number | null;
  createdAt: number;
  /** Last read or write (sliding TTL). */
  touchedAt: number;
  closed: boolean;
  /** The producer request that closed the stream, so its retry is answered as a duplicate. */
  closedBy: DsProducer | null;
  lastStreamSeq: string | null;
  producers: Record<string, { epoch: number; seq: number }>;
  /** Forks whose data came from this stream; a deleted stream with forks is kept as a tombstone. */
  forks: number;
  deleted: boolean;
  /** The stream this one was forked from (path), so deleting the fork releases the source. */
  forkOf: string | null;
  /** Fork parameters, compared when the same fork is created again. */
  forkOffset: string | null;
  forkSubOffset: number;
}

export interface DsStreamView {
  contentType: string;
  ttlSeconds: number | null;
  expiresAt: string | null;
  closed: boolean;
  /** The tail: the next log offset to be written. */
  next: number;
  /** When this incarnation of the stream was created: tells ETags of a deleted and recreated stream apart. */
  createdAt: number;
}

interface Op extends PartitionAddress {
  path: string;
}

export interface DsCreate extends Op {
  op: "create";
  contentType: string;
  ttlSeconds: number | null;
  expiresAt: string | null;
  closed: boolean;
  messages: Uint8Array[];
  fork?: { of: string; offset: string | null; subOffset: number };
}

export interface DsAppend extends Op {
  op: "append";
  /** Absent when the body is empty (close-only). */
  contentType?: string;
  messages: Uint8Array[];
  close: boolean;
  streamSeq?: string;
  producer?: DsProducer;
}

export interface DsRead extends Op {
  op: "read";
  offset: number | "now";
  maxBytes: number;
  /** Long-poll: wait up to this long when the offset is the tail of an open stream. */
  waitMs: number;
  /** HEAD does not reset a sliding TTL. */
  touch: boolean;
}

export interface DsDelete extends Op {
  op: "delete";
}

/** Fork bookkeeping on a source stream: +1 when a fork of it is created, -1 when one is deleted. */
export interface DsForkRef extends Op {
  op: "fork-ref";
  delta: 1 | -1;
}

/** A call to the partition object subscriptions lived in before (SUBSCRIPTIONS_OBJECT): now only the one-time export. */
export interface DsSub {
  op: "sub";
  call: SubCall;
}

export type DsRequest = DsCreate | DsAppend | DsRead | DsDelete | DsForkRef | DsSub;

export interface DsCreated {
  ok: true;
  created: boolean;
  stream: DsStreamView;
}

export interface DsAppended {
  ok: true;
  stream: DsStreamView;
  /** A retry of an append already made (idempotent producer): nothing was written. */
  duplicate: boolean;
  producer?: { epoch: number; seq: number };
}

export interface DsReadOk {
  ok: true;
  stream: DsStreamView;
  /** The offset read from ("now" resolved). */
  offset: number;
  /** Message payloads from `offset` on. */
  messages: Uint8Array[];
  /** The offset after the last message returned. */
  next: number;
  upToDate: boolean;
  /** The long-poll waited its whole time without data. */
  timedOut: boolean;
}

export interface DsDeleted {
  ok: true;
  /** The stream was only marked deleted: forks still read its data. */
  tombstoned: boolean;
  /** Its source, whose fork count the caller now lowers. */
  forkOf: string | null;
  /** The stream is gone for good: the caller deletes its topic. */
  dropTopic: boolean;
}

export type DsResult = DsCreated | DsAppended | DsReadOk | DsDeleted | Failure;
