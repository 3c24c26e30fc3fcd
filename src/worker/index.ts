// The Worker entry: builds the Hono app once per isolate from the bindings and routes to it.
import { createApp } from "../http/app.ts";
import { appDeps } from "../http/config.ts";
import type { AppDeps } from "../http/deps.ts";
import { fetchOutbound } from "../core/outbound/outbound-fetch.ts";
import { SUBSCRIPTIONS_NAME } from "../core/streams/subscription-service.ts";
import { workerConfig } from "./config.ts";
import type { Env } from "./env.ts";
import { loadLogCore } from "./log-core.ts";
import { KafkaServer } from "../kafka/server.ts";
import { kafkaSocket } from "./kafka-socket.ts";

export { ClusterObject } from "./cluster-object.ts";
export { GroupObject } from "./group-object.ts";
export { KeyObject } from "./key-object.ts";
export { PartitionObject } from "./partition-object.ts";
export { TxnObject } from "./txn-object.ts";
export { MetricsObject } from "./metrics-object.ts";
export { ConnectorObject } from "./connector-object.ts";
export { SubscriptionsObject } from "./subscriptions-object.ts";

/**
 * The console's files from the static-assets binding. `run_worker_first` sends every request to
 * the Worker, so the /console route (src/http/console/routes.ts) sets the headers on every host alike.
 */
function consoleAssets(assets: Fetcher): (path: string) => Promise<Uint8Array | null> {
  return async (path) => {
    const res = await assets.fetch(new Request(`https://assets.invalid/${path}`));
    return res.ok ? new Uint8Array(await res.arrayBuffer()) : null;
  };
}

/**
 * Ids of recently named objects of one namespace. An id is plain data (stubs are not: they belong
 * to the request that made them), and idFromName hashes the name: a produce names its partition
 * on every request, so the isolate keeps the ids of the last ones it named.
 */
function idsOf<T extends Rpc.DurableObjectBranded | undefined>(ns: DurableObjectNamespace<T>): (name: string) => DurableObjectId {
  const ids = new Map<string, DurableObjectId>();
  return (name) => {
    let id = ids.get(name);
    if (!id) {
      if (ids.size >= 1024) ids.delete(ids.keys().next().value!);
      ids.set(name, (id = ns.idFromName(name)));
    }
    return id;
  };
}

function workerDeps(env: Env): AppDeps {
  // A malformed value cannot stop a Worker from starting: every request says what to fix instead.
  const { config, error } = workerConfig(env);
  const partitionId = idsOf(env.PARTITION);
  return appDeps(
    config,
    {
      // RPC stubs expose the objects' methods as promises of the same plain-data results: their
      // types are checked against the APIs here, as the portable classes are (core/object-api.ts).
      cluster: () => env.CLUSTER.get(env.CLUSTER.idFromName("cluster")),
      partition: (topic, partition) => env.PARTITION.get(partitionId(`${topic}/${partition}`)),
      partitionSocket: (topic, partition, request) => env.PARTITION.get(partitionId(`${topic}/${partition}`)).fetch(request),
      key: (id) => env.KEY.get(env.KEY.idFromName(id)),
      group: (name) => env.GROUP.get(env.GROUP.idFromName(name)),
      txn: (id) => env.TXN.get(env.TXN.idFromName(id)),
      connector: (name) => env.CONNECTOR.get(env.CONNECTOR.idFromName(name)),
      metrics: () => env.METRICS.get(env.METRICS.idFromName("metrics")),
      subscriptions: () => env.SUBSCRIPTIONS.get(env.SUBSCRIPTIONS.idFromName(SUBSCRIPTIONS_NAME)),
      logCore: loadLogCore,
      // Workers' fetch: the URL checks only; Cloudflare's network does not reach private addresses (docs/security.md).
      outboundFetch: fetchOutbound((input, init) => fetch(input, init)),
      consoleFiles: env.ASSETS ? consoleAssets(env.ASSETS) : undefined,
    },
    error,
  );
}

let app: ReturnType<typeof createApp> | undefined;
let kafka: KafkaServer | undefined;
let deps: AppDeps | undefined;

export default {
  fetch(request, env, ctx) {
    deps ??= workerDeps(env);
    if (new URL(request.url).pathname === "/v1/kafka") {
      // Clients connect through a bridge that states its own address (?advertised=); without one,
      // the default names the conventional local listener.
      kafka ??= new KafkaServer({ deps, broker: { nodeId: 0, host: "127.0.0.1", port: 9092 }, clusterId: "edgebroker" });
      return kafkaSocket(request, kafka);
    }
    app ??= createApp(deps);
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
