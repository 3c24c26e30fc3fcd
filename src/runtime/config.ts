// The standalone server's configuration, from the process environment: the settings every host
// shares (src/http/config.ts, the same parsing and messages as the Worker) plus the ones only a
// standalone host has (port, data directory, idle and shutdown times). A missing admin token or a
// malformed value stops the broker with a message saying which variable to fix (a deployment
// mistake should never start a broker that refuses requests).
import { brokerConfig, ConfigError, integerSetting, type BrokerConfig, type EnvGetter } from "../http/config.ts";

export { ConfigError, type EnvGetter };

export interface ServerConfig extends BrokerConfig {
  port: number;
  hostname: string;
  dataDir: string;
  adminToken: string;
  /** Idle time after which an object is closed (EDGEBROKER_IDLE_MS, 0 = never). */
  idleMs: number;
  /** How long a graceful shutdown waits for requests in flight (EDGEBROKER_SHUTDOWN_GRACE_MS). */
  graceMs: number;
  /**
   * EDGEBROKER_PUBLIC_URL, or by default the listen address (HOST 0.0.0.0 → 127.0.0.1, :: → [::1]),
   * which only reaches receivers on the same machine; set the variable when receivers run elsewhere.
   */
  publicUrl: string;
  /** The Kafka protocol listener (EDGEBROKER_KAFKA_PORT); none when unset. docs/kafka.md. */
  kafka?: KafkaListenerConfig;
}

export interface KafkaListenerConfig {
  port: number;
  hostname: string;
  /** What Metadata answers tell clients to connect to (EDGEBROKER_KAFKA_ADVERTISED_HOST / _PORT). */
  advertisedHost: string;
  advertisedPort: number;
  /** PEM file paths for TLS (EDGEBROKER_KAFKA_TLS_CERT / _KEY); plain TCP when unset. */
  tlsCert?: string;
  tlsKey?: string;
  /** Close a connection idle this long (EDGEBROKER_KAFKA_IDLE_MS, default 10 min as Kafka's connections.max.idle.ms; 0 = never). */
  idleMs: number;
}

/** The URL of the listen address, with wildcard addresses replaced by this machine's loopback. */
function listenUrl(hostname: string, port: number): string {
  const host = hostname === "0.0.0.0" ? "127.0.0.1" : hostname === "::" ? "::1" : hostname;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

export function configFromEnv(env: EnvGetter): ServerConfig {
  const adminToken = env("EDGEBROKER_ADMIN_TOKEN");
  if (!adminToken) {
    throw new ConfigError(
      "EDGEBROKER_ADMIN_TOKEN is not set. Every /v1 request needs this bearer token; set it to a long random string, " +
        "e.g. EDGEBROKER_ADMIN_TOKEN=$(openssl rand -base64 32), and start again.",
    );
  }
  const shared = brokerConfig(env);
  const port = integerSetting(env, "PORT", 8787, 0, 65_535);
  const hostname = env("HOST") || "0.0.0.0";
  return {
    ...shared,
    adminToken,
    port,
    hostname,
    publicUrl: shared.publicUrl ?? listenUrl(hostname, port),
    dataDir: env("EDGEBROKER_DATA_DIR") || "./data",
    idleMs: integerSetting(env, "EDGEBROKER_IDLE_MS", 120_000),
    graceMs: integerSetting(env, "EDGEBROKER_SHUTDOWN_GRACE_MS", 5_000),
    kafka: kafkaFromEnv(env),
  };
}

function kafkaFromEnv(env: EnvGetter): KafkaListenerConfig | undefined {
  const raw = env("EDGEBROKER_KAFKA_PORT");
  if (raw === undefined || raw === "") return undefined;
  const port = integerSetting(env, "EDGEBROKER_KAFKA_PORT", 9092, 0, 65_535);
  const hostname = env("EDGEBROKER_KAFKA_HOST") || env("HOST") || "0.0.0.0";
  // A wildcard address is no place to connect to: advertise loopback unless told otherwise.
  const advertisedHost = env("EDGEBROKER_KAFKA_ADVERTISED_HOST") || (hostname === "0.0.0.0" || hostname === "::" ? "127.0.0.1" : hostname);
  const advertisedPort = integerSetting(env, "EDGEBROKER_KAFKA_ADVERTISED_PORT", port, 0, 65_535);
  const tlsCert = env("EDGEBROKER_KAFKA_TLS_CERT") || undefined;
  const tlsKey = env("EDGEBROKER_KAFKA_TLS_KEY") || undefined;
  if (!tlsCert !== !tlsKey) throw new ConfigError("EDGEBROKER_KAFKA_TLS_CERT and EDGEBROKER_KAFKA_TLS_KEY must be set together (PEM file paths)");
  const idleMs = integerSetting(env, "EDGEBROKER_KAFKA_IDLE_MS", 600_000);
  return { port, hostname, advertisedHost, advertisedPort, tlsCert, tlsKey, idleMs };
}
