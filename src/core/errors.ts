// One table of every error the broker answers with: a stable code, the HTTP status it maps to and
// whether a client may retry it (kafkajs keeps the same `{ code, retriable }` table). Core code
// returns `Failure` values instead of throwing so Durable Object RPC results stay plain data.

export const ERRORS = {
  bad_request: { status: 400, retriable: false },
  invalid_json: { status: 400, retriable: false },
  invalid_msgpack: { status: 400, retriable: false },
  invalid_record: { status: 400, retriable: false },
  // Bodies the broker would otherwise store changed (http/body-decode.ts).
  invalid_utf8: { status: 400, retriable: false },
  nesting_too_deep: { status: 400, retriable: false },
  non_finite_number: { status: 400, retriable: false },
  integer_out_of_range: { status: 400, retriable: false },
  invalid_batch: { status: 400, retriable: false },
  // A record's CreateTime is outside message.timestamp.before/after.max.ms (Kafka's INVALID_TIMESTAMP).
  invalid_timestamp: { status: 400, retriable: false },
  invalid_topic_name: { status: 400, retriable: false },
  invalid_config: { status: 400, retriable: false },
  invalid_partitions: { status: 400, retriable: false },
  invalid_parameter: { status: 400, retriable: false },
  invalid_grant: { status: 400, retriable: false },
  limit_exceeded: { status: 400, retriable: false },
  unauthorized: { status: 401, retriable: false },
  // A webhook source's delivery without a valid signature of the sender (docs/connectors.md).
  invalid_signature: { status: 401, retriable: false },
  forbidden: { status: 403, retriable: false },
  topic_not_found: { status: 404, retriable: false },
  partition_not_found: { status: 404, retriable: false },
  not_found: { status: 404, retriable: false },
  key_not_found: { status: 404, retriable: false },
  // Connectors (docs/connectors.md): Kafka Connect answers 404 / 409 for these.
  connector_not_found: { status: 404, retriable: false },
  connector_exists: { status: 409, retriable: false },
  // A paused connector's webhook: the sender retries later (Retry-After).
  connector_paused: { status: 503, retriable: true },
  method_not_allowed: { status: 405, retriable: false },
  not_acceptable: { status: 406, retriable: false },
  topic_exists: { status: 409, retriable: false },
  // Idempotent producers (Kafka's OUT_OF_ORDER_SEQUENCE_NUMBER and PRODUCER_FENCED).
  out_of_order_sequence: { status: 409, retriable: false },
  producer_fenced: { status: 409, retriable: false },
  // Transactions (docs/transactions.md), one code per Kafka error: INVALID_TXN_STATE,
  // INVALID_PRODUCER_EPOCH, INVALID_PRODUCER_ID_MAPPING, CONCURRENT_TRANSACTIONS (retry shortly),
  // INVALID_TRANSACTION_TIMEOUT, TRANSACTIONAL_ID_AUTHORIZATION_FAILED, TRANSACTIONAL_ID_NOT_FOUND.
  invalid_txn_state: { status: 409, retriable: false },
  invalid_producer_epoch: { status: 409, retriable: false },
  invalid_producer_id_mapping: { status: 409, retriable: false },
  concurrent_transactions: { status: 409, retriable: true },
  invalid_transaction_timeout: { status: 400, retriable: false },
  transactional_id_authorization_failed: { status: 403, retriable: false },
  transactional_id_not_found: { status: 404, retriable: false },
  // Consumer groups (docs/ARCHITECTURE.md, Consumer groups). stale_epoch: poll with the current
  // member epoch or join again; fenced: the member does not own the partition (it moved).
  invalid_group_name: { status: 400, retriable: false },
  invalid_member_id: { status: 400, retriable: false },
  group_not_found: { status: 404, retriable: false },
  unknown_member: { status: 404, retriable: false },
  stale_epoch: { status: 409, retriable: false },
  // A newer SSE tail of the same member took over (a resume with Last-Event-ID): this one ends.
  stream_replaced: { status: 409, retriable: false },
  fenced: { status: 409, retriable: false },
  offset_regression: { status: 409, retriable: false },
  group_not_empty: { status: 409, retriable: false },
  inconsistent_assignor: { status: 409, retriable: false },
  // The group's members speak Kafka's classic protocol (client-side assignment): HTTP members
  // cannot join until they are gone (Kafka's INCONSISTENT_GROUP_PROTOCOL).
  inconsistent_group_protocol: { status: 409, retriable: false },
  // Durable Streams (/ds): the protocol's own conflict, gone and producer answers.
  stream_not_found: { status: 404, retriable: false },
  stream_conflict: { status: 409, retriable: false },
  stream_closed: { status: 409, retriable: false },
  stream_gone: { status: 410, retriable: false },
  producer_stale_epoch: { status: 403, retriable: false },
  producer_sequence_gap: { status: 409, retriable: false },
  payload_too_large: { status: 413, retriable: false },
  record_too_large: { status: 413, retriable: false },
  too_many_records: { status: 413, retriable: false },
  unsupported_media_type: { status: 415, retriable: false },
  offset_out_of_range: { status: 416, retriable: false },
  // A key's request or byte-rate quota is used up; the answer carries Retry-After.
  rate_limited: { status: 429, retriable: true },
  // The partition lost a race with a topic delete/recreate; the caller refreshes metadata.
  stale_metadata: { status: 503, retriable: true },
  not_configured: { status: 503, retriable: false },
  // GET /readyz: a check failed (settings, WASM core, storage); the message names it.
  not_ready: { status: 503, retriable: true },
  // The disk (standalone hosts) or the Durable Object's storage limit is full: nothing was written;
  // deleting topics or records frees space (RFC 4918 §11.5, 507 Insufficient Storage).
  storage_full: { status: 507, retriable: true },
  // A stored batch failed its CRC check on read: the data is withheld, never served.
  corrupt_log: { status: 500, retriable: false },
  // Offsets in tiered storage (docs/tiered-storage.md) whose object store could not be reached.
  remote_storage_unavailable: { status: 503, retriable: true },
  internal: { status: 500, retriable: true },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export interface Failure {
  ok: false;
  error: { code: ErrorCode; message: string; [extra: string]: unknown };
}

export function fail(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): Failure {
  return { ok: false, error: { code, message, ...extra } };
}

/** Thrown inside the HTTP layer and mapped to a response in one place (the app's onError). */
export class BrokerError extends Error {
  readonly code: ErrorCode;
  readonly extra: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = "BrokerError";
    this.code = code;
    this.extra = extra;
  }
  get status(): number {
    return ERRORS[this.code].status;
  }
  static from(failure: Failure): BrokerError {
    const { code, message, ...extra } = failure.error;
    return new BrokerError(code, message, extra);
  }
}

// SQLite's SQLITE_FULL ("database or disk is full", from node:sqlite, bun:sqlite and Durable Object
// SQL alike) and workerd's refusals at an object's storage limit, whatever wraps them (an RPC
// error keeps the message; node:sqlite adds errcode 13).
const STORAGE_FULL = /SQLITE_FULL|database or disk is full|exceeded (its|the) (maximum )?(storage|database size)|storage limit/i;

/** A thrown storage error as the 507 every route answers with, or undefined for any other error. */
export function storageFull(err: unknown): BrokerError | undefined {
  const e = err as { message?: unknown; errcode?: unknown; code?: unknown; cause?: unknown } | null;
  if (!e || typeof e !== "object") return undefined;
  const full = e.errcode === 13 || e.code === "SQLITE_FULL" || (typeof e.message === "string" && STORAGE_FULL.test(e.message));
  if (!full) return e.cause !== undefined && e.cause !== err ? storageFull(e.cause) : undefined;
  return new BrokerError(
    "storage_full",
    "the broker's storage is full: nothing was written. Delete topics or records (DELETE /v1/topics/{topic}, retention) to free space, or give the broker more disk",
  );
}

/** The success value of a core result, or the failure thrown as a BrokerError (routes let onError answer it). */
export function unwrap<T extends { ok: true }>(result: T | Failure): T {
  if (!result.ok) throw BrokerError.from(result as Failure);
  return result as T;
}

/**
 * A stored row failed its checks (CRC, offsets against the row and index, structure) during
 * background maintenance. Unlike a storage error, retrying cannot help: PartitionLog.maintain
 * records it and skips the step instead of failing every run.
 */
export class CorruptRowError extends Error {
  override readonly name = "CorruptRowError";
}
