// Latency and throughput figures for `edgebroker bench`, reported the way kafka-producer-perf-test
// does: records/s, MB/s, average and percentile latencies in milliseconds.

export interface ThroughputReport {
  records: number;
  bytes: number;
  elapsed_ms: number;
  records_per_sec: number;
  mb_per_sec: number;
}

export interface LatencyReport {
  avg_ms: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  p999_ms: number;
  max_ms: number;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export function throughput(records: number, bytes: number, elapsedMs: number): ThroughputReport {
  const s = elapsedMs / 1000;
  return {
    records,
    bytes,
    elapsed_ms: round(elapsedMs, 1),
    records_per_sec: s > 0 ? round(records / s, 1) : 0,
    mb_per_sec: s > 0 ? round(bytes / s / (1024 * 1024)) : 0,
  };
}

/** Nearest-rank percentiles over every sample (bench runs are small enough to keep them all). */
export function latency(samplesMs: Float64Array | number[]): LatencyReport {
  const sorted = Float64Array.from(samplesMs).sort();
  const n = sorted.length;
  if (n === 0) return { avg_ms: 0, p50_ms: 0, p95_ms: 0, p99_ms: 0, p999_ms: 0, max_ms: 0 };
  const at = (q: number) => round(sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!);
  let sum = 0;
  for (const v of sorted) sum += v;
  return { avg_ms: round(sum / n), p50_ms: at(0.5), p95_ms: at(0.95), p99_ms: at(0.99), p999_ms: at(0.999), max_ms: round(sorted[n - 1]!) };
}

/**
 * Keeps a producer at a target rate (kafka's ThroughputThrottler): before each record, wait until
 * the schedule says it is due. Unlimited when the rate is undefined.
 */
export class Throttle {
  private readonly start = performance.now();
  private readonly perMs: number | undefined;

  constructor(recordsPerSec: number | undefined) {
    this.perMs = recordsPerSec === undefined ? undefined : recordsPerSec / 1000;
  }

  async wait(sent: number): Promise<void> {
    if (this.perMs === undefined) return;
    const due = this.start + sent / this.perMs;
    const ahead = due - performance.now();
    if (ahead > 1) await new Promise((r) => setTimeout(r, ahead));
  }
}
