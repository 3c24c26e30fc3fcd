// What a metrics source pushes to the metrics object, and what a scrape reads back. Plain data:
// it crosses Durable Object RPC and the local actor host unchanged.
import type { MetricName } from "./catalog.ts";

export type Labels = Record<string, string>;

/** A counter or gauge value of one series. */
export interface Sample {
  name: MetricName;
  labels: Labels;
  value: number;
}

/** A histogram series: per-bucket counts (not cumulative) for LATENCY_BUCKETS, then sum and count. */
export interface HistogramSample {
  name: MetricName;
  labels: Labels;
  buckets: number[];
  sum: number;
  count: number;
}

/**
 * One push: counter and histogram *deltas* since the source's previous push (added to the totals),
 * and the source's gauges *now* (replacing what it pushed before). `drop` removes the source and
 * every series it pushed (a deleted topic's partition, a deleted group).
 */
export interface MetricsPush {
  /** "partition:<topic>/<n>", "group:<name>", or "process:<random id>" (a Worker isolate, a standalone process). */
  source: string;
  counters: Sample[];
  histograms: HistogramSample[];
  gauges: Sample[];
  drop?: boolean;
}

export interface MetricsScrape {
  counters: Sample[];
  gauges: Sample[];
  histograms: HistogramSample[];
}

/** The metrics object's API (src/core/metrics/service.ts). */
export interface MetricsApi {
  push(push: MetricsPush): Promise<{ ok: true }>;
  scrape(): Promise<MetricsScrape>;
}
