// The shape of one Kafka API module and the context its handler runs in.
//
// How the Kafka layer fits together (read top to bottom):
//   transport (src/runtime/kafka-*.ts TCP, src/worker WebSocket)  — bytes in, bytes out
//   → connection.ts  KafkaConnection: a pure state machine over Uint8Array — framing (int32 size
//                    prefix), frame-size / queue / idle limits, one request at a time in arrival
//                    order (as a Kafka broker mutes a channel while a request is in progress), so
//                    pipelined requests get their responses in request order
//   → dispatch.ts    Dispatcher: request header, API lookup and version check, authentication
//                    gate, schema decode, handler, schema encode, response header
//   → apis/*.ts      one module per API (this interface): schemas + handler
//   → the core objects the HTTP routes use (AppDeps: cluster(), partition(), group(), key())
//
// Adding an API: write a module exporting a KafkaApi, add it to the list in apis.ts (or, for the
// consumer-group APIs, to groups/index.ts). Schemas are declared with protocol/schema.ts's `f()`;
// `flexibleFrom` is the first version using KIP-482 encodings (Infinity when none).
import type { AppDeps } from "../http/deps.ts";
import type { TopicCache } from "../http/topics/topic-cache.ts";
import type { Operation } from "../core/keys/grants.ts";
import type { Field, Msg } from "./protocol/schema.ts";
import type { RequestHeader } from "./protocol/header.ts";

/** Who a connection authenticated as (SASL/PLAIN over the existing credentials, DESIGN.md 7). */
export type KafkaPrincipal =
  | { kind: "admin" }
  | { kind: "key"; id: string; name: string; grants: Array<{ operation: Operation; resource: string }> }
  | { kind: "anonymous"; name: "anonymous"; grants: Array<{ operation: Operation; resource: string }> };

export interface BrokerAddress {
  nodeId: number;
  host: string;
  port: number;
}

export interface KafkaServerConfig {
  deps: AppDeps;
  /** The one broker every Metadata / FindCoordinator / DescribeCluster answer names. */
  broker: BrokerAddress;
  clusterId: string;
  /** Whether requests other than ApiVersions / SASL need an authenticated connection. */
  requireAuth: boolean;
  /** Shared per-process metadata cache (the HTTP app keeps its own; both are safe when stale). */
  topics: TopicCache;
  log(message: string): void;
  now(): number;
}

/** Per-connection state, kept by the Dispatcher across requests. */
export interface ConnectionState {
  principal: KafkaPrincipal | undefined;
  /** The mechanism chosen by SaslHandshake, awaiting SaslAuthenticate. */
  saslMechanism: string | undefined;
  /** After a SaslHandshake v0: the next frame is a raw SASL/PLAIN message, not a request. */
  rawSasl?: boolean;
  /** A broker address the transport states instead of the configured one (the kafka-proxy bridge). */
  advertised?: BrokerAddress;
  /** Set by a handler that wants the connection closed after its response (failed SASL). */
  closeAfterResponse?: string;
  /** The key secret the connection authenticated with, to ask the key's object again later. */
  secret?: string;
  /** When the key was last checked (ms). */
  checkedAt?: number;
}

export interface RequestContext {
  config: KafkaServerConfig;
  deps: AppDeps;
  conn: ConnectionState;
  header: RequestHeader;
  /** The advertised broker for this connection. */
  broker: BrokerAddress;
  /** Whether the connection's principal may do `operation` on `resource` ("topic:x", "group:x", "*"). */
  allowed(operation: Operation, resource: string): boolean;
  /** Whether the principal holds `operation` on anything (e.g. producer ids). */
  holds(operation: Operation): boolean;
  /** Whether any grant mentions `resource` (lists show only what the key sees). */
  sees(resource: string): boolean;
}

export interface KafkaApi {
  apiKey: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  /** First flexible (KIP-482) version; Infinity when the API has none. */
  flexibleFrom: number;
  request: Field[];
  response: Field[];
  /** May run before the connection authenticated (ApiVersions, SaslHandshake, SaslAuthenticate). */
  beforeAuth?: boolean;
  /**
   * Answers the request. `null` means no response at all (Produce with acks = 0). Throwing is a
   * server fault: the dispatcher logs it and answers `refuse` with UNKNOWN_SERVER_ERROR, or closes
   * the connection when the API has no `refuse`.
   */
  handle(ctx: RequestContext, request: Msg, version: number): Promise<Msg | null>;
  /**
   * The whole-request refusal with error `code` in every error field (used for unauthenticated
   * connections and server faults). Without it such a request closes the connection. `null`
   * sends nothing (a refused Produce with acks = 0).
   */
  refuse?(request: Msg, code: number, version: number): Msg | null;
}

export function isFlexible(api: KafkaApi, version: number): boolean {
  return version >= api.flexibleFrom;
}

/** An `authorizedOperations` field not asked for or not computed (KIP-430: INT32_MIN). */
export const OPERATIONS_NOT_PROVIDED = -2147483648;
