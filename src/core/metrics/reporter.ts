// A metrics source's side of the push: counters and histograms accumulate in memory and go to the
// metrics object as deltas, with the source's gauges, at most once every `intervalMs` — the first
// change after a quiet period pushes at once, later ones wait for a trailing push — so the cost
// of metrics is one small call per source per interval while it is busy and nothing while idle.
// A source that stops before its trailing push (eviction, crash) loses at most one interval of
// increments; a failed push is merged back into the next one.
import { LATENCY_BUCKETS, type MetricName } from "./catalog.ts";
import type { HistogramSample, Labels, MetricsPush, Sample } from "./types.ts";

export type MetricsSink = (push: MetricsPush) => Promise<unknown>;

export interface ReporterOptions {
  sink: MetricsSink;
  intervalMs: number;
  now?: () => number;
  /** The gauges of this source now, read at every push. */
  gauges?: () => Sample[];
  /** Cumulative counters kept elsewhere (e.g. the log's fields): pushed as the increase since the last push. */
  totals?: () => Sample[];
}

function key(name: string, labels: Labels): string {
  // Every request counts one or two series with no label or one (the HTTP metrics): those keys
  // are written out as the general form would write them, without its arrays and sort.
  let only: string | undefined;
  for (const label in labels) {
    if (only !== undefined) return generalKey(name, labels);
    only = label;
  }
  if (only === undefined) return `${name}[]`;
  const value = labels[only];
  return typeof value === "string" ? `${name}[[${JSON.stringify(only)},${JSON.stringify(value)}]]` : generalKey(name, labels);
}

/**
 * A series — a metric and its labels — with its key written once, for a source that counts the
 * same few series on every request (the HTTP metrics: issue #20). Every sample of the series
 * holds the same labels object (nothing changes a sample's labels).
 */
export interface Series {
  readonly key: string;
  readonly name: MetricName;
  readonly labels: Labels;
}

export function series(name: MetricName, labels: Labels): Series {
  return { key: key(name, labels), name, labels };
}

function generalKey(name: string, labels: Labels): string {
  return `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
}

export class MetricsReporter {
  private readonly options: ReporterOptions;
  private readonly now: () => number;
  private counters = new Map<string, Sample>();
  private histograms = new Map<string, HistogramSample>();
  private pushedTotals = new Map<string, number>();
  private lastPush = -Infinity;
  private trailing: Promise<void> | undefined;
  private dirty = false;
  source: string | undefined;

  constructor(source: string | undefined, options: ReporterOptions) {
    this.source = source;
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  count(name: MetricName, labels: Labels, by = 1): void {
    this.add(series(name, labels), by);
  }

  observe(name: MetricName, labels: Labels, seconds: number): void {
    this.record(series(name, labels), seconds);
  }

  /** count() of a series named once (series()): its key is not written again for every increment. */
  add(s: Series, by = 1): void {
    const sample = this.counters.get(s.key);
    if (sample) sample.value += by;
    else this.counters.set(s.key, { name: s.name, labels: s.labels, value: by });
    this.dirty = true;
  }

  /** observe() of a series named once (series()). */
  record(s: Series, seconds: number): void {
    let h = this.histograms.get(s.key);
    if (!h) this.histograms.set(s.key, (h = { name: s.name, labels: s.labels, buckets: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 }));
    const i = LATENCY_BUCKETS.findIndex((le) => seconds <= le);
    if (i >= 0) h.buckets[i]!++;
    h.sum += seconds;
    h.count++;
    this.dirty = true;
  }

  /**
   * Something changed: push now if the last push is an interval old, else make sure a trailing
   * push is scheduled. Returns the promise of a push this call started or scheduled (a Worker
   * hands it to waitUntil), or undefined when one was already on its way.
   */
  changed(): Promise<void> | undefined {
    this.dirty = true;
    if (this.trailing) return undefined;
    const wait = this.lastPush + this.options.intervalMs - this.now();
    if (wait <= 0) return this.flush();
    this.trailing = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, wait) as unknown as { unref?: () => void };
      timer.unref?.(); // a standalone host may exit with a push pending (it loses one interval at most)
    }).then(() => {
      this.trailing = undefined;
      return this.flush();
    });
    return this.trailing;
  }

  /** Pushes what accumulated now (a scrape flushes its own process first, so its numbers are current). */
  async flush(): Promise<void> {
    if (!this.dirty || !this.source) return;
    this.dirty = false;
    this.lastPush = this.now();
    const counters = [...this.counters.values()];
    const histograms = [...this.histograms.values()];
    this.counters = new Map();
    this.histograms = new Map();
    const previous = new Map(this.pushedTotals);
    const increases: Sample[] = [];
    for (const t of this.options.totals?.() ?? []) {
      const k = key(t.name, t.labels);
      const before = this.pushedTotals.get(k) ?? 0;
      const delta = t.value >= before ? t.value - before : t.value; // went down: the source restarted its count
      this.pushedTotals.set(k, t.value);
      if (delta > 0) increases.push({ ...t, value: delta });
    }
    const push: MetricsPush = {
      source: this.source,
      counters: [...counters, ...increases],
      histograms,
      gauges: this.options.gauges?.() ?? [],
    };
    try {
      await this.options.sink(push);
    } catch (err) {
      // Not lost: the deltas go with the next push.
      this.pushedTotals = previous;
      for (const c of counters) this.count(c.name, c.labels, c.value);
      for (const h of histograms) this.mergeHistogram(h);
      console.error("edgebroker: metrics push failed", err);
    }
  }

  private mergeHistogram(h: HistogramSample): void {
    const k = key(h.name, h.labels);
    const mine = this.histograms.get(k);
    if (!mine) this.histograms.set(k, h);
    else {
      h.buckets.forEach((n, i) => (mine.buckets[i]! += n));
      mine.sum += h.sum;
      mine.count += h.count;
    }
    this.dirty = true;
  }

  /** The source is gone (its topic or group was deleted): its series leave the scrape. */
  async drop(): Promise<void> {
    if (!this.source) return;
    this.counters = new Map();
    this.histograms = new Map();
    // What the source counted so far belongs to the dropped series; a recreated one starts from here.
    this.pushedTotals = new Map((this.options.totals?.() ?? []).map((t) => [key(t.name, t.labels), t.value]));
    this.dirty = false;
    try {
      await this.options.sink({ source: this.source, counters: [], histograms: [], gauges: [], drop: true });
    } catch (err) {
      console.error("edgebroker: metrics drop failed", err);
    }
  }
}

export { key as seriesKey, generalKey };
