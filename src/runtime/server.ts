// The life of a standalone server, the same on every runtime: read the configuration, start the
// broker, listen, and on SIGINT/SIGTERM shut down gracefully — stop accepting connections, let
// the requests in flight finish (appends already queued are committed and answered), close every
// database, exit. A second signal exits at once. The runtime-specific parts (SQLite binding, HTTP
// server, signals, environment) come in a RuntimeHost from serve-node.ts / serve-bun.ts /
// serve-deno.ts.
import type { Hono } from "hono";
import type { UpgradeWebSocket } from "hono/ws";
import { resolve } from "node:path";
import { createBroker } from "./broker.ts";
import { ConfigError, configFromEnv, type EnvGetter, type ServerConfig } from "./config.ts";
import type { OpenDatabase } from "./sqlite-driver.ts";
import { KafkaServer } from "../kafka/server.ts";
import type { KafkaListenerConfig } from "./config.ts";

export interface Listener {
  url: string;
  /** Stops accepting connections and resolves once the requests in flight are answered (at most `graceMs`). */
  stop(graceMs: number): Promise<void>;
}

export interface RuntimeHost {
  /** "node v22.23.3", "bun 1.4.5", "deno 2.9.6": printed at start. */
  runtime: string;
  env: EnvGetter;
  openDatabase: OpenDatabase;
  /** Takes the data directory for this process before any database opens, where the SQLite binding's own locks cannot (sqlite-wasm.ts). */
  claimDataDir?(dataDir: string): Promise<void>;
  /** Hono's WebSocket upgrade helper for this runtime (WebSocket tails); `listen` serves its sockets. */
  upgradeWebSocket?: UpgradeWebSocket;
  listen(app: Hono, config: ServerConfig): Promise<Listener>;
  /** The Kafka protocol on TCP (EDGEBROKER_KAFKA_PORT): feeds each connection to `kafka.connect`. */
  listenKafka?(kafka: KafkaServer, config: KafkaListenerConfig): Promise<Listener>;
  onSignal(signal: "SIGINT" | "SIGTERM", handler: () => void): void;
  exit(code: number): never;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => {
    const t = setTimeout(r, ms);
    (t as { unref?: () => void }).unref?.();
  });
}

export async function serve(rt: RuntimeHost): Promise<void> {
  let config: ServerConfig;
  try {
    config = configFromEnv(rt.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`edgebroker: ${err.message}`);
    return rt.exit(2);
  }
  let broker;
  let listener: Listener;
  let kafkaListener: Listener | undefined;
  try {
    await rt.claimDataDir?.(config.dataDir);
    broker = await createBroker(config, rt.openDatabase, rt.upgradeWebSocket);
    listener = await rt.listen(broker.app, config);
    if (config.kafka) {
      if (!rt.listenKafka) throw new Error(`EDGEBROKER_KAFKA_PORT is set but ${rt.runtime} has no Kafka listener`);
      const kafka = new KafkaServer({
        deps: broker.deps,
        broker: { nodeId: 0, host: config.kafka.advertisedHost, port: config.kafka.advertisedPort },
        log: (m) => console.warn(`edgebroker: ${m}`),
        limits: { idleMs: config.kafka.idleMs },
      });
      kafkaListener = await rt.listenKafka(kafka, config.kafka);
    }
  } catch (err) {
    console.error(`edgebroker: could not start: ${(err as Error).message}`);
    await broker?.close();
    return rt.exit(1);
  }
  console.log(`edgebroker (${rt.runtime}) listening on ${listener.url}, data in ${resolve(config.dataDir)}`);
  if (kafkaListener && config.kafka) {
    console.log(
      `edgebroker: Kafka protocol on ${kafkaListener.url}, advertised as ${config.kafka.advertisedHost}:${config.kafka.advertisedPort}`,
    );
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      console.error(`edgebroker: ${signal} again, exiting now`);
      rt.exit(130);
    }
    stopping = true;
    console.log(`edgebroker: ${signal}, shutting down (waiting up to ${config.graceMs} ms for requests in flight)`);
    try {
      // Open WebSocket tails would keep their connections (and so the server) up to the grace period.
      broker.tails.closeAll();
      await Promise.all([listener.stop(config.graceMs), kafkaListener?.stop(config.graceMs)]);
      await broker.close();
    } catch (err) {
      console.error("edgebroker: error while shutting down", err);
      rt.exit(1);
    }
    console.log("edgebroker: stopped, databases closed");
    rt.exit(0);
  };
  rt.onSignal("SIGINT", () => void shutdown("SIGINT"));
  rt.onSignal("SIGTERM", () => void shutdown("SIGTERM"));
}
