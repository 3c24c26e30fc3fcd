// The object kinds the actor host runs: the local counterparts of the Durable Object classes in
// src/worker/. Where a Durable Object class forwards its RPC methods to a portable core class, the
// host serves that core class directly. Adding a kind (consumer groups) is one entry here.
import { ClusterService } from "../core/topics/cluster-service.ts";
import { GroupService } from "../core/groups/service.ts";
import { KeyStore } from "../core/keys/store.ts";
import type { LogCore } from "../core/batch/log-core.ts";
import { alarmNoLaterThan } from "../core/alarm-port.ts";
import { PartitionHolder } from "../core/log/partition-holder.ts";
import { PartitionLog } from "../core/log/partition-log.ts";
import { MetricsAggregator } from "../core/metrics/aggregator.ts";
import type { MetricsSink } from "../core/metrics/reporter.ts";
import { objectOptions } from "../http/config.ts";
import type { LocalTails } from "../http/tails/local-tails.ts";
import type { ActorFactory } from "./actor-host.ts";
import type { ServerConfig } from "./config.ts";

export interface ObjectEnv {
  config: ServerConfig;
  /** The WASM core, instantiated once before the host starts. */
  core: LogCore;
  /** WebSocket tails of this process: told of each partition's commits and drops. */
  tails?: LocalTails;
  /** Pushes to the metrics object (a stub of the "metrics" actor). */
  metricsSink?: MetricsSink;
}

/** Kind → factory. The kind is also the data directory's subfolder for that kind's databases. */
export function objectKinds(env: ObjectEnv): Record<string, ActorFactory> {
  const options = objectOptions(env.config);
  const metrics = env.metricsSink && { sink: env.metricsSink, intervalMs: options.metricsIntervalMs };
  return {
    // One per partition, named "<topic>/<partition>"; the host calls its alarm() for maintenance.
    // A PartitionHolder: a drop deletes the object's file (core/log/partition-holder.ts).
    partition: (state) =>
      new PartitionHolder(
        () =>
          PartitionLog.open(state.storage, env.core, {
            ...options.partition,
            alarms: alarmNoLaterThan(state.storage),
            onCommit: () => env.tails?.committed(state.id.name),
            onDrop: (epoch) => env.tails?.dropped(state.id.name, epoch),
            // WebSocket tails are counted by the process (src/http/metrics/http-metrics.ts) here.
            metrics,
          }),
        () => state.storage.deleteAll(),
      ),
    // The single cluster object, named "cluster".
    cluster: (state) => new ClusterService(state.storage, options.cluster.limits),
    // One per API key, named by the key id.
    key: (state) => new KeyStore(state.storage),
    // One per consumer group, named by the group ("/registry": the list of groups); the host calls
    // its alarm() for session timeouts.
    group: (state) =>
      new GroupService(state.storage, {
        alarms: { setAlarm: (at) => void state.storage.setAlarm(at), deleteAlarm: () => void state.storage.deleteAlarm() },
        metrics,
      }),
    // The one metrics object, named "metrics" (docs/monitoring.md).
    metrics: (state) => new MetricsAggregator(state.storage),
  };
}
