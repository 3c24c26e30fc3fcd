// The metrics object (one, named "metrics"): the portable MetricsAggregator as a Durable Object.
// Partition and group objects and Worker isolates push to it; GET /metrics reads it (docs/monitoring.md).
import { MetricsAggregator } from "../core/metrics/aggregator.ts";
import type { MetricsPush } from "../core/metrics/types.ts";
import type { StoragePort } from "../core/storage-port.ts";
import type { Env } from "./env.ts";
import { objectClass } from "./object-class.ts";

export class MetricsObject extends objectClass(MetricsAggregator, (ctx) => new MetricsAggregator(ctx.storage as unknown as StoragePort)) {}

/** The push every source on Workers uses: one call to the metrics object. */
export function metricsSink(env: Env): (push: MetricsPush) => Promise<unknown> {
  return (push) => env.METRICS.get(env.METRICS.idFromName("metrics")).push(push);
}
