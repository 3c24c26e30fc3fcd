// The connector object's API and the shapes its answers have, shaped after Kafka Connect's REST
// API (KIP-26; the Connect REST reference): a connector is a name, a flat string config with
// `connector.class`, a state (RUNNING, PAUSED, FAILED) and one task. One object per connector,
// named by it; the object named CONNECTOR_REGISTRY_NAME lists them (like the group registry).
import type { Failure } from "../errors.ts";

/** A connector's configuration as sent: Kafka Connect's flat map of strings (numbers and booleans accepted). */
export type ConnectorConfig = Record<string, string>;

export type ConnectorState = "RUNNING" | "PAUSED" | "FAILED";
export type ConnectorType = "sink" | "source";

/** GET /v1/connectors/{name}: the config with every secret redacted. */
export interface ConnectorInfo {
  ok: true;
  name: string;
  config: ConnectorConfig;
  tasks: Array<{ connector: string; task: number }>;
  type: ConnectorType;
}

/** One partition a sink reads: its consumer group's committed offset against the log's end. */
export interface SinkLag {
  topic: string;
  partition: number;
  committed: number | null;
  high_watermark: number | null;
  lag: number | null;
  /** A batch being retried: its range, attempts so far and when the next attempt is due. */
  pending?: { first_offset: number; last_offset: number; attempts: number; next_attempt_at: number; last_error: string | null };
}

/** GET /v1/connectors/{name}/status. */
export interface ConnectorStatus {
  ok: true;
  name: string;
  type: ConnectorType;
  connector: { state: ConnectorState; worker_id: string; trace?: string };
  tasks: Array<{ id: number; state: ConnectorState; worker_id: string; trace?: string }>;
  /** Sinks: the consumer group holding the committed offsets (`group describe` shows it too). */
  group?: string;
  lag?: { total: number; partitions: SinkLag[] };
  /** Counters kept with the connector's state (since it was created). */
  metrics: Record<string, number>;
}

export interface ConnectorListing {
  name: string;
  type: ConnectorType;
  class: string;
  created_at: number;
}

/** A third party's webhook delivery, as the route received it. */
export interface WebhookDelivery {
  /** Request headers, names lower-cased. */
  headers: Record<string, string>;
  body: Uint8Array;
}

export type WebhookResult = { ok: true; duplicate: boolean; partition: number; offset: number } | Failure;

export interface ConnectorApi {
  /** Creates (`mode: "create"`, 409 when it exists) or creates/updates (`"upsert"`, PUT …/config). */
  put(name: string, config: ConnectorConfig, mode: "create" | "upsert"): Promise<(ConnectorInfo & { created: boolean }) | Failure>;
  info(name: string): Promise<ConnectorInfo | Failure>;
  status(name: string): Promise<ConnectorStatus | Failure>;
  pause(name: string): Promise<{ ok: true } | Failure>;
  resume(name: string): Promise<{ ok: true } | Failure>;
  restart(name: string): Promise<{ ok: true } | Failure>;
  remove(name: string): Promise<{ ok: true } | Failure>;
  webhook(name: string, delivery: WebhookDelivery): Promise<WebhookResult>;
  // The registry, kept by the object named CONNECTOR_REGISTRY_NAME.
  register(entry: ConnectorListing): Promise<{ ok: true }>;
  unregister(name: string): Promise<{ ok: true }>;
  list(): Promise<ConnectorListing[]>;
}

/** Not a valid connector name (it has a '/'), so it never collides with one. */
export const CONNECTOR_REGISTRY_NAME = "/registry";

const LEGAL_NAME = /^[a-zA-Z0-9._-]{1,200}$/;

/** Connector names follow the topic-name rules, so `connect-<name>` is a legal group name. */
export function connectorNameProblem(name: string): string | undefined {
  if (!LEGAL_NAME.test(name)) return `name: 1 to 200 ASCII letters, digits, '.', '_' or '-', got ${JSON.stringify(name)}`;
  if (name === "." || name === "..") return `name: "${name}" is not allowed`;
  return undefined;
}

/** The consumer group a sink commits its progress to. */
export function sinkGroup(name: string): string {
  return `connect-${name}`;
}
