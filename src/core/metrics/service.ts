// The metrics object (one, named "metrics"): the sum of what every source pushed (reporter.ts),
// so GET /metrics reads this one object however many partitions, groups and Worker isolates there
// are — a scrape never wakes the objects it reports on. Its cost is one answer whose size grows
// with the series (about ten per partition, three per group partition), and one row written per push.
//
// Partition and group sources are stable names: their counters, histograms and gauges are stored
// per source (one row each), so an idle partition's end offset survives this object's restart,
// and a source's `drop` removes exactly its series. Process sources (a Worker isolate, a
// standalone process) come and go, so their counters and histograms are folded into one
// "process" row at once, and their gauges (live SSE streams) are kept in memory only and expire
// when the process has not pushed for PROCESS_GAUGE_TTL_MS: a vanished isolate's streams are gone.
import type { Serves } from "../object-api.ts";
import type { StoragePort } from "../storage-port.ts";
import { seriesKey } from "./reporter.ts";
import type { HistogramSample, MetricsApi, MetricsPush, MetricsScrape, Sample } from "./types.ts";

export const PROCESS_GAUGE_TTL_MS = 120_000;
const PROCESS_SCOPE = "process";

interface SourceState {
  counters: Record<string, Sample>;
  histograms: Record<string, HistogramSample>;
  gauges: Sample[];
}

const SCHEMA = "CREATE TABLE IF NOT EXISTS metrics_sources (source TEXT PRIMARY KEY, state TEXT NOT NULL)";

function isProcess(source: string): boolean {
  return source.startsWith("process:");
}

export class MetricsService implements Serves<MetricsApi> {
  private readonly storage: StoragePort;
  private readonly now: () => number;
  private readonly sources = new Map<string, SourceState>();
  private readonly processGauges = new Map<string, { at: number; gauges: Sample[] }>();

  constructor(storage: StoragePort, now: () => number = Date.now) {
    this.storage = storage;
    this.now = now;
    storage.sql.exec(SCHEMA);
    for (const row of storage.sql.exec<{ source: string; state: string }>("SELECT source, state FROM metrics_sources")) {
      this.sources.set(row.source, JSON.parse(row.state) as SourceState);
    }
  }

  push(push: MetricsPush): { ok: true } {
    if (push.drop) {
      this.sources.delete(push.source);
      this.storage.sql.exec("DELETE FROM metrics_sources WHERE source = ?", push.source);
      return { ok: true };
    }
    const scope = isProcess(push.source) ? PROCESS_SCOPE : push.source;
    const state = this.sources.get(scope) ?? { counters: {}, histograms: {}, gauges: [] };
    for (const c of push.counters) {
      const k = seriesKey(c.name, c.labels);
      const mine = state.counters[k];
      if (mine) mine.value += c.value;
      else state.counters[k] = { name: c.name, labels: c.labels, value: c.value };
    }
    for (const h of push.histograms) {
      const k = seriesKey(h.name, h.labels);
      const mine = state.histograms[k];
      if (!mine) state.histograms[k] = { name: h.name, labels: h.labels, buckets: [...h.buckets], sum: h.sum, count: h.count };
      else {
        h.buckets.forEach((n, i) => (mine.buckets[i] = (mine.buckets[i] ?? 0) + n));
        mine.sum += h.sum;
        mine.count += h.count;
      }
    }
    if (scope === PROCESS_SCOPE) this.processGauges.set(push.source, { at: this.now(), gauges: push.gauges });
    else state.gauges = push.gauges;
    this.sources.set(scope, state);
    this.storage.sql.exec("INSERT OR REPLACE INTO metrics_sources (source, state) VALUES (?, ?)", scope, JSON.stringify(state));
    return { ok: true };
  }

  scrape(): MetricsScrape {
    const now = this.now();
    const counters = new Map<string, Sample>();
    const histograms: HistogramSample[] = [];
    const gauges = new Map<string, Sample>();
    const addGauge = (g: Sample) => {
      const k = seriesKey(g.name, g.labels);
      const mine = gauges.get(k);
      if (mine) mine.value += g.value;
      else gauges.set(k, { ...g });
    };
    const kinds = { partition: 0, group: 0, process: 0 };
    for (const [source, state] of this.sources) {
      if (source.startsWith("partition:")) kinds.partition++;
      else if (source.startsWith("group:")) kinds.group++;
      for (const c of Object.values(state.counters)) {
        const k = seriesKey(c.name, c.labels);
        const mine = counters.get(k);
        if (mine) mine.value += c.value;
        else counters.set(k, { ...c });
      }
      histograms.push(...Object.values(state.histograms));
      state.gauges.forEach(addGauge);
    }
    for (const [source, entry] of this.processGauges) {
      if (now - entry.at > PROCESS_GAUGE_TTL_MS) {
        this.processGauges.delete(source);
        continue;
      }
      kinds.process++;
      entry.gauges.forEach(addGauge);
    }
    // Lag: each group's committed offset against the partition's end offset as last pushed.
    const ends = new Map<string, number>();
    for (const g of gauges.values()) {
      if (g.name === "edgebroker_partition_end_offset") ends.set(`${g.labels.topic}/${g.labels.partition}`, g.value);
    }
    const lags: Sample[] = [];
    for (const g of gauges.values()) {
      if (g.name !== "edgebroker_group_committed_offset") continue;
      const end = ends.get(`${g.labels.topic}/${g.labels.partition}`);
      if (end !== undefined) lags.push({ name: "edgebroker_group_lag", labels: g.labels, value: Math.max(0, end - g.value) });
    }
    const sources: Sample[] = Object.entries(kinds).map(([kind, value]) => ({
      name: "edgebroker_metrics_sources",
      labels: { kind },
      value,
    }));
    return { counters: [...counters.values()], histograms, gauges: [...gauges.values(), ...lags, ...sources] };
  }
}
