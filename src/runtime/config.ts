// The standalone server's configuration, from the process environment. Every host reads the same
// variables; a missing admin token or a malformed value stops the broker with a message saying
// which variable to fix (a deployment mistake should never start a broker that refuses requests).
import { limitsFromEnv, type Limits } from "../core/limits.ts";
import { ANONYMOUS_GRANTS_VAR, parseAnonymousGrants } from "../core/anonymous-grants.ts";
import type { Grant } from "../core/grants.ts";
import { CREDENTIAL_CHECK_MS } from "../core/credential-check.ts";
import { parsePublicUrl, PUBLIC_URL_VAR } from "../core/public-url.ts";

export interface ServerConfig {
  port: number;
  hostname: string;
  dataDir: string;
  adminToken: string;
  limits: Limits;
  /** Idle time after which an object is closed (EDGEBROKER_IDLE_MS, 0 = never). */
  idleMs: number;
  /** How long a graceful shutdown waits for requests in flight (EDGEBROKER_SHUTDOWN_GRACE_MS). */
  graceMs: number;
  /** Kafka's producer.id.expiration.ms for idempotent producers' state (EDGEBROKER_PRODUCER_EXPIRATION_MS). */
  producerExpirationMs?: number;
  /** What requests without credentials may do on /ds (EDGEBROKER_ANONYMOUS_GRANTS); none when unset. */
  anonymousGrants?: Grant[];
  /** How long a Durable Streams long-poll waits (EDGEBROKER_DS_LONG_POLL_MS). */
  dsLongPollMs?: number;
  /** Subscription webhooks may target loopback addresses (EDGEBROKER_DS_LOOPBACK_WEBHOOKS=1; development). */
  dsLoopbackWebhooks?: boolean;
  /** How often open tails ask an API key's object again whether the key still opens (EDGEBROKER_CREDENTIAL_CHECK_MS). */
  credentialCheckMs?: number;
  /**
   * The base URL in the URLs the broker hands out (webhook callback_url): EDGEBROKER_PUBLIC_URL,
   * or by default the listen address (HOST 0.0.0.0 → 127.0.0.1, :: → [::1]), which only reaches
   * receivers on the same machine; set the variable when receivers run elsewhere.
   */
  publicUrl: string;
}

export class ConfigError extends Error {}

/** Reads a variable by name; hosts pass a getter so Deno needs env permission only for these names. */
export type EnvGetter = (name: string) => string | undefined;

function int(env: EnvGetter, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env(name);
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
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
  let limits: Limits;
  try {
    limits = limitsFromEnv(new Proxy({}, { get: (_, key) => (typeof key === "string" ? env(key) : undefined) }));
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const expiration = int(env, "EDGEBROKER_PRODUCER_EXPIRATION_MS", 0);
  let anonymousGrants: Grant[] | undefined;
  try {
    anonymousGrants = parseAnonymousGrants(env(ANONYMOUS_GRANTS_VAR));
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const longPoll = int(env, "EDGEBROKER_DS_LONG_POLL_MS", 0, 0, 300_000);
  const port = int(env, "PORT", 8787, 0, 65_535);
  const hostname = env("HOST") || "0.0.0.0";
  let publicUrl: string | undefined;
  try {
    publicUrl = parsePublicUrl(env(PUBLIC_URL_VAR));
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  return {
    port,
    hostname,
    publicUrl: publicUrl ?? listenUrl(hostname, port),
    dataDir: env("EDGEBROKER_DATA_DIR") || "./data",
    adminToken,
    limits,
    idleMs: int(env, "EDGEBROKER_IDLE_MS", 120_000),
    graceMs: int(env, "EDGEBROKER_SHUTDOWN_GRACE_MS", 5_000),
    producerExpirationMs: expiration > 0 ? expiration : undefined,
    anonymousGrants,
    dsLongPollMs: longPoll > 0 ? longPoll : undefined,
    dsLoopbackWebhooks: env("EDGEBROKER_DS_LOOPBACK_WEBHOOKS") === "1",
    credentialCheckMs: int(env, "EDGEBROKER_CREDENTIAL_CHECK_MS", CREDENTIAL_CHECK_MS, 1),
  };
}
