// The metrics object over real SQLite (node:sqlite): deltas add up, gauges replace, a dropped
// source leaves with its series, partition state survives a restart of the object, a process's
// gauges expire when it stops pushing (the clock is a parameter), and the reporter pushes at most
// once per interval with one trailing push.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openNodeDatabase } from "../../runtime/sqlite-node.ts";
import { openStorage } from "../../runtime/sqlite-port.ts";
import { MetricsService, PROCESS_GAUGE_TTL_MS } from "./service.ts";
import { MetricsReporter } from "./reporter.ts";
import type { MetricsPush, MetricsScrape } from "./types.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function storagePath(): string {
  const dir = mkdtempSync(join(tmpdir(), "metrics-"));
  dirs.push(dir);
  return join(dir, "metrics.sqlite");
}

const find = (s: MetricsScrape, name: string, labels: Record<string, string>) =>
  [...s.counters, ...s.gauges].find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value;

const p0 = { topic: "orders", partition: "0" };

function partitionPush(recordsIn: number, end: number): MetricsPush {
  return {
    source: "partition:orders/0",
    counters: [{ name: "edgebroker_partition_records_in_total", labels: p0, value: recordsIn }],
    histograms: [],
    gauges: [{ name: "edgebroker_partition_end_offset", labels: p0, value: end }],
  };
}

describe("MetricsService", () => {
  it("adds deltas, replaces gauges, computes lag, and keeps partition state across a restart", () => {
    const path = storagePath();
    let storage = openStorage(openNodeDatabase, path);
    let agg = new MetricsService(storage);
    agg.push(partitionPush(3, 3));
    agg.push(partitionPush(2, 5));
    agg.push({
      source: "group:billing",
      counters: [],
      histograms: [],
      gauges: [{ name: "edgebroker_group_committed_offset", labels: { group: "billing", ...p0 }, value: 4 }],
    });
    expect(find(agg.scrape(), "edgebroker_partition_records_in_total", p0)).toBe(5);
    expect(find(agg.scrape(), "edgebroker_partition_end_offset", p0)).toBe(5);
    expect(find(agg.scrape(), "edgebroker_group_lag", { group: "billing", ...p0 })).toBe(1);
    storage.close();
    storage = openStorage(openNodeDatabase, path);
    agg = new MetricsService(storage);
    expect(find(agg.scrape(), "edgebroker_partition_records_in_total", p0)).toBe(5);
    expect(find(agg.scrape(), "edgebroker_partition_end_offset", p0)).toBe(5);
    agg.push({ source: "partition:orders/0", counters: [], histograms: [], gauges: [], drop: true });
    const after = agg.scrape();
    expect(find(after, "edgebroker_partition_records_in_total", p0)).toBeUndefined();
    expect(find(after, "edgebroker_group_lag", { group: "billing" })).toBeUndefined();
    storage.close();
  });

  it("sums processes' counters and drops a silent process's gauges after the TTL", () => {
    let now = 1_000_000;
    const agg = new MetricsService(openStorage(openNodeDatabase, storagePath()), () => now);
    const push = (id: string, errors: number, tails: number): MetricsPush => ({
      source: `process:${id}`,
      counters: [{ name: "edgebroker_errors_total", labels: { code: "forbidden" }, value: errors }],
      histograms: [],
      gauges: [{ name: "edgebroker_tail_subscribers", labels: { transport: "sse", topic: "orders" }, value: tails }],
    });
    agg.push(push("a", 1, 2));
    agg.push(push("b", 2, 1));
    const both = agg.scrape();
    expect(find(both, "edgebroker_errors_total", { code: "forbidden" })).toBe(3);
    expect(find(both, "edgebroker_tail_subscribers", { transport: "sse" })).toBe(3);
    now += PROCESS_GAUGE_TTL_MS / 2;
    agg.push(push("b", 0, 1));
    now += PROCESS_GAUGE_TTL_MS / 2 + 1;
    const later = agg.scrape();
    expect(find(later, "edgebroker_errors_total", { code: "forbidden" })).toBe(3); // counters stay
    expect(find(later, "edgebroker_tail_subscribers", { transport: "sse" })).toBe(1); // only b is alive
  });
});

describe("MetricsReporter", () => {
  it("pushes the first change at once, later ones in one trailing push, totals as increases", async () => {
    const pushes: MetricsPush[] = [];
    let total = 0;
    const reporter = new MetricsReporter("partition:orders/0", {
      sink: async (p) => void pushes.push(p),
      intervalMs: 50,
      totals: () => [{ name: "edgebroker_partition_records_in_total", labels: p0, value: total }],
    });
    total = 3;
    await reporter.changed();
    expect(pushes.map((p) => p.counters[0]?.value)).toEqual([3]);
    total = 4;
    const trailing = reporter.changed();
    total = 6;
    expect(reporter.changed()).toBeUndefined(); // already scheduled
    await trailing;
    expect(pushes.map((p) => p.counters[0]?.value)).toEqual([3, 3]);
  });

  it("keeps what a failed push carried for the next one", async () => {
    let fail = true;
    const pushes: MetricsPush[] = [];
    const reporter = new MetricsReporter("process:x", {
      sink: async (p) => {
        if (fail) throw new Error("unreachable");
        pushes.push(p);
      },
      intervalMs: 10,
    });
    reporter.count("edgebroker_errors_total", { code: "forbidden" }, 2);
    await reporter.flush();
    fail = false;
    reporter.count("edgebroker_errors_total", { code: "forbidden" }, 1);
    await reporter.flush();
    expect(pushes).toHaveLength(1);
    expect(pushes[0]!.counters).toEqual([{ name: "edgebroker_errors_total", labels: { code: "forbidden" }, value: 3 }]);
  });
});
