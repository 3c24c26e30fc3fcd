import type { ClusterObject } from "./cluster-object.ts";
import type { GroupObject } from "./group-object.ts";
import type { KeyObject } from "./key-object.ts";
import type { MetricsObject } from "./metrics-object.ts";
import type { PartitionObject } from "./partition-object.ts";

export interface Env {
  PARTITION: DurableObjectNamespace<PartitionObject>;
  CLUSTER: DurableObjectNamespace<ClusterObject>;
  KEY: DurableObjectNamespace<KeyObject>;
  /** One coordinator per consumer group, named by the group; "/registry" lists the groups. */
  GROUP: DurableObjectNamespace<GroupObject>;
  /** The one metrics object ("metrics"): every source pushes to it, GET /metrics reads it. */
  METRICS: DurableObjectNamespace<MetricsObject>;
  EDGEBROKER_ADMIN_TOKEN?: string;
  /** Comma-separated origins allowed by CORS, or "*"; unset = CORS off. */
  EDGEBROKER_CORS_ORIGINS?: string;
  [limit: `EDGEBROKER_${string}`]: unknown;
}
