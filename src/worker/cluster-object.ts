// The single cluster object ("cluster"): topic metadata, producer ids, the API key listing — the
// portable ClusterService as a Durable Object.
import { ClusterService } from "../core/topics/cluster-service.ts";
import type { StoragePort } from "../core/storage-port.ts";
import { workerConfig } from "./config.ts";
import { objectClass } from "./object-class.ts";

export class ClusterObject extends objectClass(
  ClusterService,
  (ctx, env) => new ClusterService(ctx.storage as unknown as StoragePort, workerConfig(env).options.cluster.limits),
) {}
