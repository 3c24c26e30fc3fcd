// Size and count limits, enforced at the edge of the HTTP layer before any work is done. Each
// refusal names the limit so a client can tell which one it hit. Hosts may override the defaults.

export interface Limits {
  /** Largest request body accepted on any route (bytes). */
  maxRequestBytes: number;
  /** Largest single record: key + value + header bytes. */
  maxRecordBytes: number;
  /** Records in one JSON/MessagePack produce request. */
  maxRecordsPerRequest: number;
  /** Bytes of one record key. */
  maxKeyBytes: number;
  /** Headers on one record. */
  maxHeadersPerRecord: number;
  /** Bytes of one record's headers (names and values). */
  maxHeaderBytes: number;
  /** Topics in the cluster. */
  maxTopics: number;
  /** Partitions a topic may have. */
  maxPartitions: number;
  /** Longest long-poll wait a fetch may ask for (ms). */
  maxWaitMs: number;
  /** Most records one fetch returns. */
  maxFetchRecords: number;
  /** Most bytes one fetch returns (at least one whole batch is always returned). */
  maxFetchBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxRequestBytes: 1_048_576,
  maxRecordBytes: 1_048_576,
  maxRecordsPerRequest: 10_000,
  maxKeyBytes: 16_384,
  maxHeadersPerRecord: 64,
  maxHeaderBytes: 65_536,
  maxTopics: 10_000,
  maxPartitions: 256,
  maxWaitMs: 30_000,
  maxFetchRecords: 10_000,
  maxFetchBytes: 4_194_304,
};

/**
 * How deeply arrays and objects may nest in a JSON or MessagePack request body, on every route and
 * every host (a bare scalar is depth 0, `[]` depth 1; a produce body's envelope
 * `{"records": [{"value": …}]}` uses 3). Not configurable: it bounds the stack every host spends on
 * a body (JSON.stringify, validators), and deeper data is a sign of abuse, not of events.
 */
export const MAX_BODY_DEPTH = 128;

/**
 * A stored row (one group commit) holds at most this many bytes; a commit that would exceed it is
 * split across rows in the same transaction. Durable Object SQLite rows are limited to 2 MiB, and a
 * single request is at most `maxRequestBytes`, so a row never exceeds 2 MiB.
 */
export const SEGMENT_TARGET_BYTES = 1_048_576;

const LIMIT_VARS: Record<keyof Limits, string> = {
  maxRequestBytes: "EDGEBROKER_MAX_REQUEST_BYTES",
  maxRecordBytes: "EDGEBROKER_MAX_RECORD_BYTES",
  maxRecordsPerRequest: "EDGEBROKER_MAX_RECORDS_PER_REQUEST",
  maxKeyBytes: "EDGEBROKER_MAX_KEY_BYTES",
  maxHeadersPerRecord: "EDGEBROKER_MAX_HEADERS_PER_RECORD",
  maxHeaderBytes: "EDGEBROKER_MAX_HEADER_BYTES",
  maxTopics: "EDGEBROKER_MAX_TOPICS",
  maxPartitions: "EDGEBROKER_MAX_PARTITIONS",
  maxWaitMs: "EDGEBROKER_MAX_WAIT_MS",
  maxFetchRecords: "EDGEBROKER_MAX_FETCH_RECORDS",
  maxFetchBytes: "EDGEBROKER_MAX_FETCH_BYTES",
};

/**
 * Reads overrides from a host's environment (Worker vars or process env). A malformed value is a
 * deployment mistake, so it stops the broker instead of silently falling back to the default.
 * The request body can never exceed a stored row's 2 MiB, so maxRequestBytes is capped below it.
 */
export function limitsFromEnv(env: object): Limits {
  const limits = { ...DEFAULT_LIMITS };
  for (const [field, name] of Object.entries(LIMIT_VARS) as Array<[keyof Limits, string]>) {
    const raw = (env as Record<string, unknown>)[name];
    if (raw === undefined || raw === "") continue;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
    limits[field] = value;
  }
  limits.maxRequestBytes = Math.min(limits.maxRequestBytes, 2 * 1024 * 1024 - 64 * 1024);
  return limits;
}
