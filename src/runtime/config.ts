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
  };
}
