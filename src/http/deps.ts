// Everything the HTTP app needs from its host, passed in by the Worker entry or a standalone
// server: the cluster and partition objects, the WASM core, configuration. Nothing here knows
// which runtime it is on.
import type { LogCore } from "../core/batch/log-core.ts";
import type { Limits } from "../core/limits.ts";
import type { KeyApi } from "../core/keys/service.ts";
import type { GroupApi } from "../core/groups/types.ts";
import type { TxnApi } from "../core/txn/types.ts";
import type { PartitionApi } from "../core/log/partition-types.ts";
import type { ClusterApi } from "../core/topics/registry.ts";
import type { UpgradeWebSocket } from "hono/ws";
import type { LocalTails } from "./tails/local-tails.ts";
import type { Grant } from "../core/keys/grants.ts";
import type { OutboundFetch } from "../core/outbound/outbound-fetch.ts";
import type { MetricsApi } from "../core/metrics/types.ts";
import type { ConnectorApi } from "../core/connect/types.ts";
import type { SubscriptionApi } from "../core/streams/subscription-service.ts";

export interface AppDeps {
  /**
   * The cluster object. A function, like `partition`, because on Workers an object stub is an I/O
   * object bound to the request that created it: each request asks for its own.
   */
  cluster(): ClusterApi;
  partition(topic: string, partition: number): PartitionApi;
  /**
   * Hands a WebSocket upgrade request to the partition's object (WebSocket tails); the answer is
   * the object's 101 response (Cloudflare).
   */
  partitionSocket?(topic: string, partition: number, request: Request): Promise<Response>;
  /**
   * WebSocket tails held in this process (the standalone hosts): the runtime's Hono upgrade helper
   * and the registry its partition objects report commits to. With neither this nor
   * `partitionSocket` the WebSocket route answers 501.
   */
  localTails?: { upgrade: UpgradeWebSocket; tails: LocalTails };
  /**
   * A consumer group's coordinator object, by group name (GROUP_REGISTRY_NAME: the list of groups).
   * A function returning a per-request stub, like `partition`.
   */
  group(name: string): GroupApi;
  /**
   * A transactional id's coordinator object (TXN_REGISTRY_NAME: the list of ids). Optional so
   * hosts built before transactions still compile; without it /v1/transactions answers 501.
   */
  txn?(transactionalId: string): TxnApi;
  /**
   * A connector's object, by name (CONNECTOR_REGISTRY_NAME: the list of connectors). Optional so
   * hosts built before connectors still compile; without it /v1/connectors answers 501.
   */
  connector?(name: string): ConnectorApi;
  /**
   * The metrics object (one, "metrics"): every source pushes to it and GET /metrics reads it
   * (docs/monitoring.md). A per-request stub, like `partition`. Without it /metrics answers 503.
   */
  metrics?(): MetricsApi;
  /** How often a source pushes its metrics at most (EDGEBROKER_METRICS_INTERVAL_MS). */
  metricsIntervalMs?: number;
  /** The Durable Streams subscriptions object (one, SUBSCRIPTIONS_NAME). A per-request stub, like `partition`. */
  subscriptions(): SubscriptionApi;
  /** An API key's object (verification, quotas), by key id. */
  key(id: string): KeyApi;
  /** The instantiated WASM core (CRC-32C for batches the HTTP layer encodes). */
  logCore(): Promise<LogCore>;
  /** Bearer token with full access; when unset every /v1 request is refused. */
  adminToken: string | undefined;
  limits: Limits;
  /** What requests without an Authorization header may do on /ds (EDGEBROKER_ANONYMOUS_GRANTS); none when unset. */
  anonymousGrants?: Grant[];
  /** A configuration error found at startup (Worker): every /v1 and /ds request answers 503 with it. */
  configError?: string;
  /** How long a Durable Streams long-poll waits for data (EDGEBROKER_DS_LONG_POLL_MS). */
  dsLongPollMs?: number;
  /** Whether subscription webhooks may target loopback addresses, over http too (EDGEBROKER_DS_LOOPBACK_WEBHOOKS=1; development). */
  dsLoopbackWebhooks?: boolean;
  /**
   * How often a stream that outlives its request (SSE and WebSocket tails) asks the API key's
   * object again whether the key still opens (EDGEBROKER_CREDENTIAL_CHECK_MS, default 30 s).
   */
  credentialCheckMs?: number;
  /**
   * The broker's public base URL (EDGEBROKER_PUBLIC_URL, no trailing slash): the origin of the
   * URLs the broker hands out to others (a webhook's callback_url, jwks_url). Never taken from a
   * request's Host header. Unset: webhook subscriptions are refused (503 not_configured).
   */
  publicUrl?: string;
  /**
   * Requests the broker sends to URLs it was given (webhooks), checked against the outbound
   * address policy (src/core/outbound/). Default: the URL checks over the global fetch.
   */
  outboundFetch?: OutboundFetch;
  /** Origins allowed to call from browsers (CORS); none by default. ["*"] allows any. */
  corsOrigins?: string[];
  /**
   * Reads one file of the built web console (a path relative to build/console/, already checked
   * to be plain segments), or null when it does not exist. Unset: /console answers 404.
   */
  consoleFiles?: (path: string) => Promise<Uint8Array | null>;
  now?: () => number;
  /** How long a topic's metadata is trusted by this process before asking the cluster again. */
  metadataTtlMs?: number;
}
