// The object kinds the actor host runs: the local counterparts of the Durable Object classes in
// src/worker/. Where a Durable Object class forwards its RPC methods to a portable core class, the
// host serves that core class directly. Adding a kind (consumer groups) is one entry here.
import { ClusterService } from "../core/cluster-service.ts";
import { GroupService } from "../core/group-service.ts";
import { KeyStore } from "../core/key-store.ts";
import type { LogCore } from "../core/log-core.ts";
import { alarmNoLaterThan } from "../core/alarm-port.ts";
import { PartitionLog } from "../core/partition-log.ts";
import { PartitionHolder } from "../core/partition-holder.ts";
import type { LocalTails } from "../http/local-tails.ts";
import type { ActorFactory } from "./actor-host.ts";
import type { ServerConfig } from "./config.ts";

export interface ObjectEnv {
  config: ServerConfig;
  /** The WASM core, instantiated once before the host starts. */
  core: LogCore;
  /** WebSocket tails of this process: told of each partition's commits and drops. */
  tails?: LocalTails;
}

/** Kind → factory. The kind is also the data directory's subfolder for that kind's databases. */
export function objectKinds(env: ObjectEnv): Record<string, ActorFactory> {
  return {
    // One per partition, named "<topic>/<partition>"; the host calls its alarm() for maintenance.
    // Served through a PartitionHolder: a drop deletes the object's file (core/partition-holder.ts).
    partition: (state) => {
      const holder = new PartitionHolder(
        () =>
          PartitionLog.open(state.storage, env.core, {
            producerExpirationMs: env.config.producerExpirationMs,
            alarms: alarmNoLaterThan(state.storage),
            onCommit: () => env.tails?.committed(state.id.name),
            onDrop: (epoch) => env.tails?.dropped(state.id.name, epoch),
          }),
        () => state.storage.deleteAll(),
      );
      return partitionMethods(holder);
    },
    // The single cluster object, named "cluster".
    cluster: (state) => new ClusterService(state.storage, env.config.limits),
    // One per API key, named by the key id.
    key: (state) => new KeyStore(state.storage),
    // One per consumer group, named by the group ("/registry": the list of groups); the host calls
    // its alarm() for session timeouts.
    group: (state) =>
      new GroupService(state.storage, {
        alarms: { setAlarm: (at) => void state.storage.setAlarm(at), deleteAlarm: () => void state.storage.deleteAlarm() },
      }),
  };
}

/**
 * The partition object's methods over its holder: every PartitionLog method, called on the open
 * log — or answered topic_not_found when its first argument addresses a dropped incarnation.
 */
function partitionMethods(holder: PartitionHolder): object {
  return new Proxy({}, {
    get: (_, method) => {
      if (typeof method !== "string" || method === "then") return undefined;
      if (method === "drop") return (addr: Parameters<PartitionHolder["drop"]>[0]) => holder.drop(addr);
      if (method === "alarm") return (...args: unknown[]) => (holder.current() as unknown as Record<string, (...a: unknown[]) => unknown> | undefined)?.alarm?.(...args);
      if (method === "constructor" || typeof (PartitionLog.prototype as unknown as Record<string, unknown>)[method] !== "function") return undefined;
      return (...args: unknown[]) => {
        const first = args[0] as { epoch?: unknown; topic?: unknown } | undefined;
        const addr = first && typeof first.epoch === "number" && typeof first.topic === "string" ? (first as Parameters<PartitionHolder["get"]>[0]) : undefined;
        const target = holder.get(addr);
        if ("ok" in target) return target;
        return (target as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!(...args);
      };
    },
  });
}
