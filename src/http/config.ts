// The broker's settings, read once from a host's environment (Worker vars and secrets, or the
// process environment of a standalone host) and turned into what each part needs: the objects'
// options and the HTTP app's dependencies. The Worker entry (src/worker/index.ts) and the
// standalone hosts (src/runtime/config.ts, broker.ts) both come through here, so every documented
// setting means the same on every host, and a malformed one is refused with the same message
// naming it: a standalone host refuses to start (exit 2), a Worker — which cannot refuse to start
// — answers every /v1 and /ds request 503 `not_configured` with that message.
import { ANONYMOUS_GRANTS_VAR, parseAnonymousGrants } from "../core/keys/anonymous-grants.ts";
import { CREDENTIAL_CHECK_MS } from "../core/keys/credential-check.ts";
import type { Grant } from "../core/keys/grants.ts";
import { DEFAULT_LIMITS, limitsFromEnv, type Limits } from "../core/limits.ts";
import { parsePublicUrl, PUBLIC_URL_VAR } from "../core/public-url.ts";
import { MAX_TXN_TIMEOUT_MS } from "../core/txn/types.ts";
import type { AppDeps } from "./deps.ts";
import { DEFAULT_METRICS_INTERVAL_MS } from "./metrics/http-metrics.ts";

/** A malformed or missing setting; the message names the variable and says what it must be. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Reads a variable by name; hosts pass a getter so Deno needs env permission only for these names. */
export type EnvGetter = (name: string) => string | undefined;

/** A getter over a Worker's `env` (vars are strings; bindings and other values are not settings). */
export function bindingsGetter(env: object): EnvGetter {
  return (name) => {
    const value = (env as Record<string, unknown>)[name];
    return typeof value === "string" ? value : undefined;
  };
}

/** An integer setting from `min` to `max`; unset or empty gives `fallback`. */
export function integerSetting(env: EnvGetter, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env(name);
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** A flag: "1" on, "0" or unset off; anything else is refused rather than guessed. */
function flagSetting(env: EnvGetter, name: string): boolean {
  const raw = env(name);
  if (raw === undefined || raw === "" || raw === "0") return false;
  if (raw === "1") return true;
  throw new ConfigError(`${name} must be 1 (on) or 0 (off), got ${JSON.stringify(raw)}`);
}

/** EDGEBROKER_CORS_ORIGINS: "*" or comma-separated origins (scheme://host[:port], no path). */
function corsSetting(env: EnvGetter, name: string): string[] | undefined {
  const raw = env(name);
  if (raw === undefined || raw.trim() === "") return undefined;
  const origins = raw
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (origin === "*") continue;
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      // reported below
    }
    if (!parsed || parsed.origin !== origin) {
      throw new ConfigError(
        `${name} must be "*" or comma-separated origins like https://app.example.com (no path), got ${JSON.stringify(origin)}`,
      );
    }
  }
  return origins;
}

/**
 * Tiered storage's object store on a standalone host (docs/tiered-storage.md): a directory
 * (EDGEBROKER_TIERED_DIR) or an S3-compatible endpoint (EDGEBROKER_TIERED_S3_*). On Workers the
 * store is the TIERED R2 binding, and these settings are not read.
 */
export type TieredStoreSettings =
  | { kind: "dir"; dir: string }
  | { kind: "s3"; endpoint: string; bucket: string; region: string; accessKeyId: string; secretAccessKey: string };

const S3_VARS = ["ENDPOINT", "BUCKET", "REGION", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY"] as const;

function tieredSetting(env: EnvGetter): TieredStoreSettings | undefined {
  const dir = env("EDGEBROKER_TIERED_DIR") || undefined;
  const s3 = Object.fromEntries(S3_VARS.map((v) => [v, env(`EDGEBROKER_TIERED_S3_${v}`) || undefined]));
  const anyS3 = S3_VARS.some((v) => s3[v] !== undefined);
  if (dir && anyS3) throw new ConfigError("EDGEBROKER_TIERED_DIR and EDGEBROKER_TIERED_S3_* name two stores: set one of them");
  if (dir) return { kind: "dir", dir };
  if (!anyS3) return undefined;
  for (const v of S3_VARS) {
    if (v !== "REGION" && s3[v] === undefined)
      throw new ConfigError(`EDGEBROKER_TIERED_S3_${v} must be set with the other EDGEBROKER_TIERED_S3_* settings`);
  }
  let url: URL | undefined;
  try {
    url = new URL(s3.ENDPOINT!);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || url.search || url.hash || url.username) {
    throw new ConfigError(
      `EDGEBROKER_TIERED_S3_ENDPOINT must be an http(s) URL without credentials or query, got ${JSON.stringify(s3.ENDPOINT)}`,
    );
  }
  return {
    kind: "s3",
    endpoint: s3.ENDPOINT!,
    bucket: s3.BUCKET!,
    region: s3.REGION ?? "us-east-1",
    accessKeyId: s3.ACCESS_KEY_ID!,
    secretAccessKey: s3.SECRET_ACCESS_KEY!,
  };
}

/**
 * The directory object-storage sinks with `store=dir` write to on a standalone host
 * (EDGEBROKER_ARCHIVE_DIR, docs/connectors.md); not read on Workers (the ARCHIVE R2 binding).
 * Kept apart from tiered storage's directory, whose keys it would otherwise share.
 */
function archiveDirSetting(env: EnvGetter, tiered: TieredStoreSettings | undefined): string | undefined {
  const dir = env("EDGEBROKER_ARCHIVE_DIR") || undefined;
  if (dir === undefined) return undefined;
  if (dir.includes("\0")) throw new ConfigError("EDGEBROKER_ARCHIVE_DIR must be a directory path");
  const norm = (d: string) => d.replace(/\/+$/, "");
  if (tiered?.kind === "dir" && norm(tiered.dir) === norm(dir))
    throw new ConfigError("EDGEBROKER_ARCHIVE_DIR and EDGEBROKER_TIERED_DIR name the same directory: give the archive its own");
  return dir;
}

/** The settings every host shares (README, "Configuration"). */
export interface BrokerConfig {
  /** Bearer token with full access (EDGEBROKER_ADMIN_TOKEN); when unset every /v1 request is refused. */
  adminToken?: string;
  /** EDGEBROKER_MAX_*. */
  limits: Limits;
  /** What requests without credentials may do on /ds (EDGEBROKER_ANONYMOUS_GRANTS); none when unset. */
  anonymousGrants?: Grant[];
  /** Origins allowed to call from browsers (EDGEBROKER_CORS_ORIGINS); CORS is off when unset. */
  corsOrigins?: string[];
  /** How long a Durable Streams long-poll waits (EDGEBROKER_DS_LONG_POLL_MS); the route's default when unset. */
  dsLongPollMs?: number;
  /** Subscription webhooks may target loopback addresses (EDGEBROKER_DS_LOOPBACK_WEBHOOKS=1; development). */
  dsLoopbackWebhooks: boolean;
  /** HTTP sinks of connectors may target loopback addresses, over http too (EDGEBROKER_CONNECT_LOOPBACK=1; development, tests). */
  connectLoopback?: boolean;
  /** Kafka's producer.id.expiration.ms for idempotent producers' state (EDGEBROKER_PRODUCER_EXPIRATION_MS). */
  producerExpirationMs?: number;
  /**
   * The base URL in the URLs the broker hands out (webhook callback_url): EDGEBROKER_PUBLIC_URL.
   * No default on Workers (a Worker cannot know the name it is reached by without trusting Host);
   * the standalone hosts default to their listen address (src/runtime/config.ts).
   */
  publicUrl?: string;
  /** How often a metrics source pushes at most (EDGEBROKER_METRICS_INTERVAL_MS; docs/monitoring.md). */
  metricsIntervalMs: number;
  /** How often open tails ask an API key's object again whether the key still opens (EDGEBROKER_CREDENTIAL_CHECK_MS). */
  credentialCheckMs: number;
  /** Kafka's group.initial.rebalance.delay.ms for classic consumer groups (EDGEBROKER_GROUP_INITIAL_REBALANCE_DELAY_MS; default 3000). */
  groupInitialRebalanceDelayMs?: number;
  /** Tiered storage on a standalone host (EDGEBROKER_TIERED_DIR or EDGEBROKER_TIERED_S3_*); none when unset. */
  tiered?: TieredStoreSettings;
  /** Where object-storage sinks with `store=dir` write (EDGEBROKER_ARCHIVE_DIR); none when unset. */
  archiveDir?: string;
  /** Bytes of remote segments each partition caches for reads (EDGEBROKER_TIERED_CACHE_BYTES; default 16 MiB). */
  tieredCacheBytes: number;
  /** Kafka's transaction.max.timeout.ms: the longest transaction_timeout_ms an init may ask (EDGEBROKER_TRANSACTION_MAX_TIMEOUT_MS; default 900000). */
  transactionMaxTimeoutMs: number;
}

/** Reads and validates the shared settings; throws ConfigError naming the first malformed one. */
export function brokerConfig(env: EnvGetter): BrokerConfig {
  let limits: Limits;
  let anonymousGrants: Grant[] | undefined;
  let publicUrl: string | undefined;
  try {
    limits = limitsFromEnv(new Proxy({}, { get: (_, key) => (typeof key === "string" ? env(key) : undefined) }));
    anonymousGrants = parseAnonymousGrants(env(ANONYMOUS_GRANTS_VAR));
    publicUrl = parsePublicUrl(env(PUBLIC_URL_VAR));
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const longPoll = integerSetting(env, "EDGEBROKER_DS_LONG_POLL_MS", 0, 0, 300_000);
  const expiration = integerSetting(env, "EDGEBROKER_PRODUCER_EXPIRATION_MS", 0);
  return {
    adminToken: env("EDGEBROKER_ADMIN_TOKEN") || undefined,
    limits,
    anonymousGrants,
    corsOrigins: corsSetting(env, "EDGEBROKER_CORS_ORIGINS"),
    dsLongPollMs: longPoll > 0 ? longPoll : undefined,
    dsLoopbackWebhooks: flagSetting(env, "EDGEBROKER_DS_LOOPBACK_WEBHOOKS"),
    connectLoopback: flagSetting(env, "EDGEBROKER_CONNECT_LOOPBACK"),
    producerExpirationMs: expiration > 0 ? expiration : undefined,
    publicUrl,
    metricsIntervalMs: integerSetting(env, "EDGEBROKER_METRICS_INTERVAL_MS", DEFAULT_METRICS_INTERVAL_MS, 10, 600_000),
    credentialCheckMs: integerSetting(env, "EDGEBROKER_CREDENTIAL_CHECK_MS", CREDENTIAL_CHECK_MS, 1),
    groupInitialRebalanceDelayMs: env("EDGEBROKER_GROUP_INITIAL_REBALANCE_DELAY_MS")
      ? integerSetting(env, "EDGEBROKER_GROUP_INITIAL_REBALANCE_DELAY_MS", 3_000, 0, 300_000)
      : undefined,
    tiered: tieredSetting(env),
    archiveDir: archiveDirSetting(env, tieredSetting(env)),
    tieredCacheBytes: integerSetting(env, "EDGEBROKER_TIERED_CACHE_BYTES", 16 * 1024 * 1024, 0, 1024 * 1024 * 1024),
    // Up to a day: a longer open transaction holds back every read_committed reader of its partitions.
    transactionMaxTimeoutMs: integerSetting(env, "EDGEBROKER_TRANSACTION_MAX_TIMEOUT_MS", MAX_TXN_TIMEOUT_MS, 1, 86_400_000),
  };
}

/**
 * For a host that cannot refuse to start (a Worker): the settings, or the defaults plus the error
 * that every request will be answered with.
 */
export function brokerConfigOrError(env: EnvGetter): { config: BrokerConfig; error?: string } {
  try {
    return { config: brokerConfig(env) };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return {
      config: {
        adminToken: env("EDGEBROKER_ADMIN_TOKEN") || undefined,
        limits: DEFAULT_LIMITS,
        dsLoopbackWebhooks: false,
        credentialCheckMs: CREDENTIAL_CHECK_MS,
        metricsIntervalMs: DEFAULT_METRICS_INTERVAL_MS,
        tieredCacheBytes: 16 * 1024 * 1024,
        transactionMaxTimeoutMs: MAX_TXN_TIMEOUT_MS,
      },
      error: err.message,
    };
  }
}

/** What each object kind is constructed with, on every host. */
export interface ObjectOptions {
  partition: { producerExpirationMs?: number; remoteCacheBytes: number };
  cluster: { limits: Limits };
  group: { initialRebalanceDelayMs?: number };
  txn: { maxTimeoutMs: number };
  /** Every partition and group object pushes its metrics at most this often. */
  metricsIntervalMs: number;
}

export function objectOptions(config: BrokerConfig): ObjectOptions {
  return {
    partition: { producerExpirationMs: config.producerExpirationMs, remoteCacheBytes: config.tieredCacheBytes },
    cluster: { limits: config.limits },
    group: { initialRebalanceDelayMs: config.groupInitialRebalanceDelayMs },
    txn: { maxTimeoutMs: config.transactionMaxTimeoutMs },
    metricsIntervalMs: config.metricsIntervalMs,
  };
}

/** What a host supplies to the HTTP app besides the settings: its objects and the WASM core. */
export type HostDeps = Pick<
  AppDeps,
  | "cluster"
  | "partition"
  | "key"
  | "group"
  | "txn"
  | "connector"
  | "metrics"
  | "subscriptions"
  | "logCore"
  | "partitionSocket"
  | "localTails"
  | "outboundFetch"
  | "consoleFiles"
>;

/** The HTTP app's dependencies: the host's objects plus the settings, the same fields on every host. */
export function appDeps(config: BrokerConfig, host: HostDeps, configError?: string): AppDeps {
  return {
    ...host,
    adminToken: config.adminToken,
    limits: config.limits,
    anonymousGrants: config.anonymousGrants,
    corsOrigins: config.corsOrigins,
    dsLongPollMs: config.dsLongPollMs,
    dsLoopbackWebhooks: config.dsLoopbackWebhooks,
    publicUrl: config.publicUrl,
    metricsIntervalMs: config.metricsIntervalMs,
    credentialCheckMs: config.credentialCheckMs,
    configError,
  };
}
