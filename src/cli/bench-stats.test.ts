import { describe, expect, it } from "vitest";
import { latency, throughput } from "./bench-stats.ts";

describe("bench statistics", () => {
  it("nearest-rank percentiles over all samples", () => {
    const samples = Array.from({ length: 1000 }, (_, i) => i + 1); // 1..1000 ms, shuffled below
    samples.sort(() => Math.random() - 0.5);
    expect(latency(samples)).toEqual({ avg_ms: 500.5, p50_ms: 500, p95_ms: 950, p99_ms: 990, p999_ms: 999, max_ms: 1000 });
    expect(latency([7])).toEqual({ avg_ms: 7, p50_ms: 7, p95_ms: 7, p99_ms: 7, p999_ms: 7, max_ms: 7 });
    expect(latency([]).max_ms).toBe(0);
  });

  it("records/s and MB/s (MiB, as Kafka's perf tools)", () => {
    expect(throughput(10_000, 10 * 1024 * 1024, 2000)).toEqual({
      records: 10_000,
      bytes: 10 * 1024 * 1024,
      elapsed_ms: 2000,
      records_per_sec: 5000,
      mb_per_sec: 5,
    });
  });
});
