// The connector kinds, by `connector.class`. A kind is one file implementing SinkKind or
// SourceKind; the runtime (sink-runner.ts, source-runner.ts, service.ts) does everything the
// kinds share — reading partitions, batching and linger, the pending batch and its idempotency
// key, retries with backoff, the dead-letter topic, committing offsets, dedupe of deliveries — so
// a kind only says how its config reads and what one delivery does. Adding a kind: write its file,
// add it to KINDS below (docs/ARCHITECTURE.md, Connectors).
import type { RecordInput } from "../batch/record-batch.ts";
import type { DecodedRecord } from "../batch/record-batch.ts";
import type { Failure } from "../errors.ts";
import type { OutboundFetch } from "../outbound/outbound-fetch.ts";
import type { OutboundPolicy } from "../outbound/address-policy.ts";
import type { ObjectStore } from "../objectstore/port.ts";
import type { Fields } from "./config-fields.ts";
import { httpSink } from "./http-sink.ts";
import { objectStorageSink } from "./object-storage-sink.ts";
import type { ConnectorConfig, WebhookDelivery } from "./types.ts";
import { webhookSource } from "./webhook-source.ts";

/** An S3-compatible endpoint, as an object-storage sink's config names it. */
export interface S3Endpoint {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * The object stores this host offers object-storage sinks (docs/connectors.md): on Workers the
 * ARCHIVE R2 binding; on the standalone hosts EDGEBROKER_ARCHIVE_DIR and S3-compatible endpoints.
 */
export interface ArchiveStores {
  r2?: ObjectStore;
  dir?: ObjectStore;
  s3?: (endpoint: S3Endpoint) => ObjectStore;
}

/** What a kind may use besides its config: the outbound port for requests to other systems. */
export interface KindContext {
  connector: string;
  outbound: OutboundFetch;
  policy: OutboundPolicy;
  now(): number;
}

/** What a kind's parse may ask of the host: the connector's name and the object stores here (parse picks one). */
export interface KindHost {
  connector: string;
  stores: ArchiveStores;
}

/** A batch of one partition's records, handed to a sink; `key` is stable across every retry of it. */
export interface SinkBatch {
  topic: string;
  partition: number;
  firstOffset: number;
  lastOffset: number;
  /** `<connector>-<topic>-<partition>-<first>-<last>`: the idempotency key receivers dedupe by. */
  key: string;
  attempt: number;
  records: DecodedRecord[];
}

/**
 * What one delivery came to. `retry`: a transient failure (5xx, 429, timeout), tried again after
 * the backoff or `retryAfterMs`, whichever is later; `fail`: retrying cannot help (4xx), the batch
 * goes to the dead-letter topic (or the connector fails without one).
 */
export type DeliveryOutcome = { ok: true } | { ok: false; retry: boolean; reason: string; status?: number; retryAfterMs?: number };

interface KindBase<C> {
  /** Config keys whose values are secrets: redacted in every answer, never logged. */
  readonly secrets: readonly string[];
  /**
   * Reads the kind's own fields (throws ConfigProblem naming the field). May import keys (async).
   * `policy` is the broker's outbound address policy, for kinds that send requests.
   */
  parse(fields: Fields, policy: OutboundPolicy, host: KindHost): Promise<C>;
}

export interface SinkKind<C = unknown> extends KindBase<C> {
  readonly type: "sink";
  /** The kind's own defaults for the runtime's batching (an archive wants larger batches than a webhook). */
  readonly batchDefaults?: { maxRecords?: number; lingerMs?: number };
  deliver(ctx: KindContext, config: C, batch: SinkBatch): Promise<DeliveryOutcome>;
}

export interface SourceKind<C = unknown> extends KindBase<C> {
  readonly type: "source";
  /**
   * A delivery pushed to the connector (POST /v1/connectors/{name}/webhook): checked (signature)
   * and turned into a record with an id the runtime dedupes by.
   */
  accept(ctx: KindContext, config: C, delivery: WebhookDelivery): Promise<{ ok: true; id: string; record: RecordInput } | Failure>;
}

export type ConnectorKind = SinkKind | SourceKind;

export const KINDS: Record<string, ConnectorKind> = {
  "http-sink": httpSink as SinkKind,
  "object-storage-sink": objectStorageSink as SinkKind,
  "webhook-source": webhookSource as SourceKind,
};

export function kindOf(config: ConnectorConfig): ConnectorKind | string {
  const cls = config["connector.class"];
  if (!cls) return `connector.class: required (one of ${Object.keys(KINDS).join(", ")})`;
  return KINDS[cls] ?? `connector.class: expected one of ${Object.keys(KINDS).join(", ")}, got ${JSON.stringify(cls)}`;
}
