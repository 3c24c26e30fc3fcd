// The object kinds the actor host runs: the local counterparts of the Durable Object classes in
// src/worker/. Where a Durable Object class forwards its RPC methods to a portable core class, the
// host serves that core class directly. Adding a kind (consumer groups) is one entry here.
import { ClusterService } from "../core/topics/cluster-service.ts";
import { GroupService } from "../core/groups/service.ts";
import type { GroupApi } from "../core/groups/types.ts";
import { KeyService } from "../core/keys/service.ts";
import { TxnService } from "../core/txn/service.ts";
import { TXN_REGISTRY_NAME, type TxnApi } from "../core/txn/types.ts";
import type { PartitionApi } from "../core/log/partition-types.ts";
import type { ClusterApi } from "../core/topics/registry.ts";
import type { LogCore } from "../core/batch/log-core.ts";
import { alarmNoLaterThan } from "../core/alarm-port.ts";
import { PartitionService } from "../core/log/partition-service.ts";
import { PartitionLog } from "../core/log/partition-log.ts";
import { MetricsService } from "../core/metrics/service.ts";
import { SubscriptionService } from "../core/streams/subscription-service.ts";
import { SUBSCRIPTIONS_OBJECT } from "../core/streams/subscriptions.ts";
import type { MetricsSink } from "../core/metrics/reporter.ts";
import { objectOptions, type TieredStoreSettings } from "../http/config.ts";
import type { ObjectStore } from "../core/objectstore/port.ts";
import { resolve } from "node:path";
import { DirObjectStore } from "./dir-object-store.ts";
import { S3ObjectStore } from "./s3-object-store.ts";
import type { LocalTails } from "../http/tails/local-tails.ts";
import { ConnectorService } from "../core/connect/service.ts";
import { CONNECTOR_REGISTRY_NAME, type ConnectorApi } from "../core/connect/types.ts";
import type { ActorFactory } from "./actor-host.ts";
import { nodeOutboundFetch } from "./outbound-fetch.ts";
import type { ServerConfig } from "./config.ts";

/** Tiered storage's store for every partition of this host (docs/tiered-storage.md), if configured. */
function tieredStore(settings: TieredStoreSettings | undefined): ObjectStore | undefined {
  if (!settings) return undefined;
  return settings.kind === "dir" ? new DirObjectStore(resolve(settings.dir)) : new S3ObjectStore(settings);
}

export interface ObjectEnv {
  config: ServerConfig;
  /** The WASM core, instantiated once before the host starts. */
  core: LogCore;
  /** WebSocket tails of this process: told of each partition's commits and drops. */
  tails?: LocalTails;
  /** Stubs of other objects, for objects that call others (the transaction coordinator). */
  stub?: <T extends object>(kind: string, name: string) => T;
  /** Pushes to the metrics object (a stub of the "metrics" actor). */
  metricsSink?: MetricsSink;
}

/** Kind → factory. The kind is also the data directory's subfolder for that kind's databases. */
export function objectKinds(env: ObjectEnv): Record<string, ActorFactory> {
  const options = objectOptions(env.config);
  const metrics = env.metricsSink && { sink: env.metricsSink, intervalMs: options.metricsIntervalMs };
  const objectStore = tieredStore(env.config.tiered);
  const archiveDir = env.config.archiveDir ? new DirObjectStore(resolve(env.config.archiveDir)) : undefined;
  return {
    // One per partition, named "<topic>/<partition>"; the host calls its alarm() for maintenance.
    // A PartitionService: a drop deletes the object's file (core/log/partition-service.ts).
    partition: (state) =>
      new PartitionService(
        () =>
          PartitionLog.open(state.storage, env.core, {
            ...options.partition,
            objectStore,
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
    key: (state) => new KeyService(state.storage),
    // One per consumer group, named by the group ("/registry": the list of groups); the host calls
    // its alarm() for session timeouts.
    group: (state) =>
      new GroupService(state.storage, {
        ...options.group,
        alarms: { setAlarm: (at) => void state.storage.setAlarm(at), deleteAlarm: () => void state.storage.deleteAlarm() },
        metrics,
      }),
    // One per transactional id ("/registry": the list of ids); its alarm() re-drives markers and
    // aborts timed-out transactions.
    txn: (state) => {
      const stub = env.stub;
      if (!stub) throw new Error("the txn kind needs ObjectEnv.stub");
      return new TxnService(state.storage, {
        writeMarker: (p, m) =>
          stub<PartitionApi>("partition", `${p.topic}/${p.partition}`).writeMarker({
            topic: p.topic,
            partition: p.partition,
            epoch: p.epoch,
            ...m,
          }),
        completeOffsets: (group, r) => stub<GroupApi>("group", group).txnComplete(group, { producerId: r.producerId, commit: r.commit }),
        newProducerId: () => stub<ClusterApi>("cluster", "cluster").initProducer(),
        register: (entry) => stub<TxnApi>("txn", TXN_REGISTRY_NAME).register(entry),
        alarms: { setAlarm: (at) => void state.storage.setAlarm(at) },
        ...options.txn,
      });
    },
    // One per connector, named by it ("/registry": the list of connectors); its alarm() runs a
    // sink's next step (docs/connectors.md).
    connector: (state) => {
      const stub = env.stub;
      if (!stub) throw new Error("the connector kind needs ObjectEnv.stub");
      return new ConnectorService(state.storage, {
        objects: {
          cluster: () => stub<ClusterApi>("cluster", "cluster"),
          partition: (topic, partition) => stub<PartitionApi>("partition", `${topic}/${partition}`),
          group: (name) => stub<GroupApi>("group", name),
          logCore: () => Promise.resolve(env.core),
        },
        registry: () => stub<ConnectorApi>("connector", CONNECTOR_REGISTRY_NAME),
        outbound: nodeOutboundFetch(),
        policy: { allowLoopback: env.config.connectLoopback === true },
        // Object-storage sinks: store=dir (EDGEBROKER_ARCHIVE_DIR) or store=s3 (the connector's endpoint).
        stores: {
          dir: archiveDir,
          s3: (e) => new S3ObjectStore(e),
        },
        alarms: { setAlarm: (at) => void state.storage.setAlarm(at), deleteAlarm: () => void state.storage.deleteAlarm() },
        deleteAll: () => state.storage.deleteAll(),
        workerId: "standalone",
      });
    },
    // The one metrics object, named "metrics" (docs/monitoring.md).
    metrics: (state) => new MetricsService(state.storage),
    // The one Durable Streams subscriptions object (SUBSCRIPTIONS_NAME); on its first call it moves
    // what an older version kept in the partition object SUBSCRIPTIONS_OBJECT.
    subscriptions: (state) => {
      const stub = env.stub;
      if (!stub) throw new Error("the subscriptions kind needs ObjectEnv.stub");
      return new SubscriptionService(state.storage, () => stub<PartitionApi>("partition", `${SUBSCRIPTIONS_OBJECT}/0`));
    },
  };
}
