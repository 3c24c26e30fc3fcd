// The Worker entry: builds the Hono app once per isolate from the bindings and routes to it.
import { createApp } from "../http/app.ts";
import { appDeps } from "../http/config.ts";
import type { AppDeps } from "../http/deps.ts";
import { fetchOutbound } from "../core/outbound/outbound-fetch.ts";
import { workerConfig } from "./config.ts";
import type { Env } from "./env.ts";
import { loadLogCore } from "./log-core.ts";

export { ClusterObject } from "./cluster-object.ts";
export { GroupObject } from "./group-object.ts";
export { KeyObject } from "./key-object.ts";
export { PartitionObject } from "./partition-object.ts";
export { MetricsObject } from "./metrics-object.ts";

function workerDeps(env: Env): AppDeps {
  // A malformed value cannot stop a Worker from starting: every request says what to fix instead.
  const { config, error } = workerConfig(env);
  return appDeps(
    config,
    {
      // RPC stubs expose the objects' methods as promises of the same plain-data results: their
      // types are checked against the APIs here, as the portable classes are (core/object-api.ts).
      cluster: () => env.CLUSTER.get(env.CLUSTER.idFromName("cluster")),
      partition: (topic, partition) => env.PARTITION.get(env.PARTITION.idFromName(`${topic}/${partition}`)),
      partitionSocket: (topic, partition, request) => env.PARTITION.get(env.PARTITION.idFromName(`${topic}/${partition}`)).fetch(request),
      key: (id) => env.KEY.get(env.KEY.idFromName(id)),
      group: (name) => env.GROUP.get(env.GROUP.idFromName(name)),
      metrics: () => env.METRICS.get(env.METRICS.idFromName("metrics")),
      logCore: loadLogCore,
      // Workers' fetch: the URL checks only; Cloudflare's network does not reach private addresses (docs/security.md).
      outboundFetch: fetchOutbound((input, init) => fetch(input, init)),
    },
    error,
  );
}

let app: ReturnType<typeof createApp> | undefined;

export default {
  fetch(request, env, ctx) {
    app ??= createApp(workerDeps(env));
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
