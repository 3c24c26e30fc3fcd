// The Prometheus text exposition format, version 0.0.4 (prometheus.io/docs/instrumenting/
// exposition_formats): `# HELP` and `# TYPE` once per metric family, then one line per sample,
// histograms as cumulative `_bucket{le=...}` lines ending with le="+Inf", then `_sum` and `_count`.
// Written here rather than taken from prom-client, which depends on Node's modules: this layer
// must run on Workers too, and the format is a few rules.
import { LATENCY_BUCKETS, METRICS, type MetricName } from "./catalog.ts";
import type { Labels, MetricsScrape } from "./types.ts";

/** Label values escape backslash, double quote and line feed (the format's only escapes). */
function labelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1));
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return "";
  return `{${pairs.map(([k, v]) => `${k}="${labelValue(v)}"`).join(",")}}`;
}

function number(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

export function formatExposition(scrape: MetricsScrape): string {
  const families = new Map<MetricName, string[]>();
  const lines = (name: MetricName) => {
    let l = families.get(name);
    if (!l) families.set(name, (l = []));
    return l;
  };
  for (const s of [...scrape.counters, ...scrape.gauges]) lines(s.name).push(`${s.name}${labelText(s.labels)} ${number(s.value)}`);
  for (const h of scrape.histograms) {
    const out = lines(h.name);
    let cumulative = 0;
    LATENCY_BUCKETS.forEach((le, i) => {
      cumulative += h.buckets[i] ?? 0;
      out.push(`${h.name}_bucket${labelText(h.labels, ["le", String(le)])} ${cumulative}`);
    });
    out.push(`${h.name}_bucket${labelText(h.labels, ["le", "+Inf"])} ${h.count}`);
    out.push(`${h.name}_sum${labelText(h.labels)} ${number(h.sum)}`);
    out.push(`${h.name}_count${labelText(h.labels)} ${h.count}`);
  }
  let text = "";
  // Every family in the catalog is described, even with no samples yet, so dashboards and alerts
  // can tell "no traffic" from "metric missing".
  for (const [name, info] of Object.entries(METRICS) as Array<[MetricName, (typeof METRICS)[MetricName]]>) {
    text += `# HELP ${name} ${info.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}\n# TYPE ${name} ${info.type}\n`;
    for (const line of families.get(name) ?? []) text += `${line}\n`;
  }
  return text;
}

export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
