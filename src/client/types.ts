// The SDK's public shapes. Field names follow the broker's HTTP API (docs/topics.md), in camelCase where
// they are options and as the broker writes them where they are broker answers.
import type { RetryOptions } from "./retry.ts";

/** Any fetch: globalThis.fetch (default), a Service Binding's fetch, a test double. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** Request and response bodies: MessagePack (compact, raw bytes travel as bytes) or JSON. */
export type Encoding = "msgpack" | "json";

export interface ClientOptions {
  /** The broker's base URL, e.g. `http://127.0.0.1:8787` (a path prefix is kept). */
  url: string;
  /** The admin token or an API key's secret, sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** The fetch to use; default `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Default "msgpack". */
  encoding?: Encoding;
  /** Retries of retriable failures (network errors, 429, 5xx); see RetryOptions. */
  retry?: RetryOptions;
  /** A request with no answer after this long fails with `timeout` (retriable); default 30000. Long polls add their wait. */
  requestTimeoutMs?: number;
}

export type Key = string | Uint8Array | null;
export type HeaderValue = string | Uint8Array;

export interface ProducerRecord {
  topic: string;
  /** Records with a key go to Kafka's partition for it (murmur2, as the broker computes it). */
  key?: Key;
  /** Uint8Array: stored as raw bytes; null: a tombstone; anything else: stored as its JSON text. */
  value: unknown;
  headers?: Record<string, HeaderValue>;
  /** An explicit partition wins over the key. */
  partition?: number;
  /** Milliseconds since the epoch (or a Date); default: the broker's clock. */
  timestamp?: number | Date;
  /** Aborting before the record was sent removes it and rejects its send() with `aborted`. */
  signal?: AbortSignal;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: number;
}

export interface ConsumerRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  /** A string when the key is UTF-8 text, else its bytes (with `decode: "bytes"`: always bytes). */
  key: Key;
  /** The parsed JSON when the stored bytes are JSON text, else the bytes (`decode: "bytes"`: always bytes); null for a tombstone. */
  value: unknown;
  /** Strings when UTF-8, else bytes (`decode: "bytes"`: always bytes). */
  headers: Record<string, HeaderValue>;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  offset: number;
}
