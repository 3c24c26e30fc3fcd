// One Durable Object per connector, named by it (plus "/registry", the list of connectors) — the
// portable ConnectorService as a Durable Object. It reaches the cluster, partitions and its
// consumer group through the Worker's bindings; its alarm() runs a sink's next step.
import { ConnectorService } from "../core/connect/service.ts";
import { CONNECTOR_REGISTRY_NAME, type ConnectorApi } from "../core/connect/types.ts";
import { fetchOutbound } from "../core/outbound/outbound-fetch.ts";
import type { StoragePort } from "../core/storage-port.ts";
import { workerConfig } from "./config.ts";
import { loadLogCore } from "./log-core.ts";
import { objectClass } from "./object-class.ts";
import { R2ObjectStore } from "./r2-object-store.ts";

export class ConnectorObject extends objectClass(
  ConnectorService,
  (ctx, env): ConnectorService =>
    new ConnectorService(ctx.storage as unknown as StoragePort, {
      objects: {
        cluster: () => env.CLUSTER.get(env.CLUSTER.idFromName("cluster")),
        partition: (topic, partition) => env.PARTITION.get(env.PARTITION.idFromName(`${topic}/${partition}`)),
        group: (name) => env.GROUP.get(env.GROUP.idFromName(name)),
        logCore: loadLogCore,
      },
      // Typed by its API (ConnectorApi) rather than the stub: the namespace's type refers back to this class.
      registry: () => env.CONNECTOR.get(env.CONNECTOR.idFromName(CONNECTOR_REGISTRY_NAME)) as unknown as ConnectorApi,
      // Workers' fetch: the URL checks only; Cloudflare's network does not reach private addresses (docs/security.md).
      outbound: fetchOutbound((input, init) => fetch(input, init)),
      policy: { allowLoopback: workerConfig(env).config.connectLoopback === true },
      // Object-storage sinks write to the ARCHIVE bucket (store=r2).
      stores: { r2: env.ARCHIVE ? new R2ObjectStore(env.ARCHIVE) : undefined },
      alarms: { setAlarm: (at) => void ctx.storage.setAlarm(at), deleteAlarm: () => void ctx.storage.deleteAlarm() },
      deleteAll: () => ctx.storage.deleteAll(),
      workerId: "workerd",
    }),
) {}
