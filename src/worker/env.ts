import type { ClusterObject } from "./cluster-object.ts";
import type { ConnectorObject } from "./connector-object.ts";
import type { GroupObject } from "./group-object.ts";
import type { KeyObject } from "./key-object.ts";
import type { MetricsObject } from "./metrics-object.ts";
import type { PartitionObject } from "./partition-object.ts";
import type { SubscriptionsObject } from "./subscriptions-object.ts";
import type { TxnObject } from "./txn-object.ts";

export interface Env {
  PARTITION: DurableObjectNamespace<PartitionObject>;
  CLUSTER: DurableObjectNamespace<ClusterObject>;
  KEY: DurableObjectNamespace<KeyObject>;
  /** One coordinator per consumer group, named by the group; "/registry" lists the groups. */
  GROUP: DurableObjectNamespace<GroupObject>;
  /** One transaction coordinator per transactional id, named by it; "/registry" lists the ids. */
  TXN: DurableObjectNamespace<TxnObject>;
  /** One object per connector, named by it; "/registry" lists the connectors (docs/connectors.md). */
  CONNECTOR: DurableObjectNamespace<ConnectorObject>;
  /** The one metrics object ("metrics"): every source pushes to it, GET /metrics reads it. */
  METRICS: DurableObjectNamespace<MetricsObject>;
  /** The one Durable Streams subscriptions object (SUBSCRIPTIONS_NAME). */
  SUBSCRIPTIONS: DurableObjectNamespace<SubscriptionsObject>;
  /** The web console's built files (wrangler.toml [assets], build/console/); read by the /console route. */
  ASSETS?: Fetcher;
  /** Tiered storage's bucket (wrangler.toml [[r2_buckets]], docs/tiered-storage.md); absent: no tiering. */
  TIERED?: R2Bucket;
  /** Object-storage sinks' bucket (`store=r2`, wrangler.toml [[r2_buckets]], docs/connectors.md); absent: no store=r2. */
  ARCHIVE?: R2Bucket;
  EDGEBROKER_ADMIN_TOKEN?: string;
  /** Comma-separated origins allowed by CORS, or "*"; unset = CORS off. */
  EDGEBROKER_CORS_ORIGINS?: string;
  [limit: `EDGEBROKER_${string}`]: unknown;
}
