// The metrics object (one, named "metrics"): the portable MetricsService as a Durable Object.
// Partition and group objects and Worker isolates push to it; GET /metrics reads it (docs/monitoring.md).
import { MetricsService } from "../core/metrics/service.ts";
import type { MetricsPush } from "../core/metrics/types.ts";
import type { StoragePort } from "../core/storage-port.ts";
import type { Env } from "./env.ts";
import { objectClass } from "./object-class.ts";

export class MetricsObject extends objectClass(MetricsService, (ctx) => new MetricsService(ctx.storage as unknown as StoragePort)) {}

/** The push every source on Workers uses: one call to the metrics object. */
export function metricsSink(env: Env): (push: MetricsPush) => Promise<unknown> {
  return (push) => env.METRICS.get(env.METRICS.idFromName("metrics")).push(push);
}
