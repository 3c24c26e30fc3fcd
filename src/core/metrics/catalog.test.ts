// The metric catalog against what documents it: docs/monitoring.md names every metric with its
// type and labels, and the Grafana dashboard (docs/grafana/edgebroker.json) queries only metrics
// that exist. Plus the exposition's escaping, which Prometheus parsers depend on.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { METRICS } from "./catalog.ts";
import { formatExposition } from "./exposition.ts";

const doc = readFileSync(new URL("../../../docs/monitoring.md", import.meta.url), "utf8");
const dashboard = readFileSync(new URL("../../../docs/grafana/edgebroker.json", import.meta.url), "utf8");

describe("metric catalog", () => {
  it("docs/monitoring.md lists every metric with its type and labels, and no other", () => {
    const rows = new Map<string, string[]>();
    for (const m of doc.matchAll(/^\| `(edgebroker_\w+)` \| (\w+) \| ([^|]+) \|/gm)) rows.set(m[1]!, [m[2]!, m[3]!.trim()]);
    expect([...rows.keys()].sort()).toEqual(Object.keys(METRICS).sort());
    for (const [name, info] of Object.entries(METRICS)) {
      expect(rows.get(name), name).toEqual([info.type, info.labels.length ? info.labels.join(", ") : "—"]);
    }
  });

  it("the Grafana dashboard queries only metrics in the catalog, and uses each family", () => {
    const used = new Set([...dashboard.matchAll(/edgebroker_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, "")));
    for (const name of used) expect(Object.keys(METRICS), name).toContain(name);
    expect([...used].sort()).toEqual(Object.keys(METRICS).sort());
    expect(() => JSON.parse(dashboard)).not.toThrow();
  });

  it("escapes label values (backslash, quote, line feed) and keeps every family's HELP and TYPE", () => {
    const text = formatExposition({
      counters: [{ name: "edgebroker_errors_total", labels: { code: 'a"b\\c\nd' }, value: 2 }],
      gauges: [],
      histograms: [],
    });
    expect(text).toContain('edgebroker_errors_total{code="a\\"b\\\\c\\nd"} 2\n');
    for (const [name, info] of Object.entries(METRICS)) expect(text).toContain(`# TYPE ${name} ${info.type}\n`);
  });
});
