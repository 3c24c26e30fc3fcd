// Composes a standalone broker from runtime pieces: the actor host over the runtime's SQLite, the
// WASM core from build/edgebroker.wasm (the same bytes wrangler ships to Cloudflare), and the one
// Hono app (src/http) wired to local stubs instead of Durable Object namespaces.
import { readFile } from "node:fs/promises";
import type { Hono } from "hono";
import type { UpgradeWebSocket } from "hono/ws";
import type { KeyApi } from "../core/keys/service.ts";
import type { GroupApi } from "../core/groups/types.ts";
import type { TxnApi } from "../core/txn/types.ts";
import type { ConnectorApi } from "../core/connect/types.ts";
import { LogCore } from "../core/batch/log-core.ts";
import type { PartitionApi } from "../core/log/partition-types.ts";
import type { ClusterApi } from "../core/topics/registry.ts";
import type { MetricsApi } from "../core/metrics/types.ts";
import { SUBSCRIPTIONS_NAME, type SubscriptionApi } from "../core/streams/subscription-service.ts";
import { createApp } from "../http/app.ts";
import { appDeps } from "../http/config.ts";
import type { AppDeps } from "../http/deps.ts";
import { LocalTails } from "../http/tails/local-tails.ts";
import { ActorHost } from "./actor-host.ts";
import { consoleFiles } from "./console-files.ts";
import type { ServerConfig } from "./config.ts";
import { objectKinds } from "./objects.ts";
import { nodeOutboundFetch } from "./outbound-fetch.ts";
import type { OpenDatabase } from "./sqlite-driver.ts";

export const WASM_URL = new URL("../../build/edgebroker.wasm", import.meta.url);

export interface Broker {
  app: Hono;
  host: ActorHost;
  /** WebSocket tails of this process; closed first on shutdown so they do not hold it up. */
  tails: LocalTails;
  /** What the HTTP app was built on; the Kafka listener uses the same objects. */
  deps: AppDeps;
  /** Waits for calls in flight (up to the grace period), then closes every database. */
  close(): Promise<void>;
}

/** `upgrade`: the runtime's Hono WebSocket helper; without it the WebSocket tail answers 501. */
export async function createBroker(config: ServerConfig, openDatabase: OpenDatabase, upgrade?: UpgradeWebSocket): Promise<Broker> {
  const bytes = await readFile(WASM_URL).catch((err) => {
    throw new Error(`cannot read ${WASM_URL.pathname}: run \`npm run build:wasm\` first`, { cause: err });
  });
  const core = await LogCore.instantiate(bytes);
  const logCore = () => Promise.resolve(core);
  // The partition objects report commits and drops to the tails; the tails read through stubs.
  const tails: LocalTails = new LocalTails(
    (topic, partition): PartitionApi => host.stub<PartitionApi>("partition", `${topic}/${partition}`),
    {
      checkCredential: (key, secret) => host.stub<KeyApi>("key", key).check(secret),
      credentialCheckMs: config.credentialCheckMs,
    },
  );
  const host: ActorHost = new ActorHost({
    dataDir: config.dataDir,
    openDatabase,
    kinds: objectKinds({ config, core, tails, stub: (kind, name) => host.stub(kind, name), metricsSink: (push) => metrics().push(push) }),
    idleMs: config.idleMs,
    // An append's request is built for that one call, its batch never written again by the
    // caller (HTTP, Kafka and connector produce), and its result is new: no copy either way.
    byReference: { partition: ["append"] },
  });
  const metrics = () => host.stub<MetricsApi>("metrics", "metrics");
  const deps = appDeps(config, {
    metrics,
    cluster: () => host.stub<ClusterApi>("cluster", "cluster"),
    partition: (topic, partition) => host.stub<PartitionApi>("partition", `${topic}/${partition}`),
    key: (id) => host.stub<KeyApi>("key", id),
    group: (name) => host.stub<GroupApi>("group", name),
    txn: (id) => host.stub<TxnApi>("txn", id),
    connector: (name) => host.stub<ConnectorApi>("connector", name),
    subscriptions: () => host.stub<SubscriptionApi>("subscriptions", SUBSCRIPTIONS_NAME),
    logCore,
    outboundFetch: nodeOutboundFetch(),
    localTails: upgrade ? { upgrade, tails } : undefined,
    consoleFiles: consoleFiles(),
  });
  const close = async () => {
    tails.closeAll();
    await host.close(config.graceMs);
  };
  return { app: createApp(deps), host, tails, deps, close };
}
