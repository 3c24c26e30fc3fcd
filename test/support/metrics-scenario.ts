// GET /metrics checked against what a test did, on any host (workerd tests and the contract suite):
// a strict parser of the Prometheus text format 0.0.4, and one scenario — produce, fetch, a group
// commit, an error, a live SSE tail — whose numbers the scrape must show exactly. Metrics reach the
// metrics object within the push interval, so the scenario scrapes until they match (or gives up
// after SETTLE_MS and shows the last difference).
import { expect } from "vitest";
import { LATENCY_BUCKETS, METRICS } from "../../src/core/metrics/catalog.ts";

export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  types: Map<string, string>;
  samples: MetricSample[];
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/;

function parseValue(text: string, line: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  if (!/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad sample value in: ${line}`);
  return Number(text);
}

/** Parses the exposition strictly: every line a comment of a known form or a sample of a declared family. */
export function parseExposition(text: string): Exposition {
  if (!text.endsWith("\n")) throw new Error("the exposition must end with a line feed");
  const types = new Map<string, string>();
  const samples: MetricSample[] = [];
  for (const line of text.slice(0, -1).split("\n")) {
    if (line.startsWith("# HELP ")) {
      if (!new RegExp(`^# HELP ${NAME} .+$`).test(line)) throw new Error(`bad HELP line: ${line}`);
      continue;
    }
    if (line.startsWith("# TYPE ")) {
      const m = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line);
      if (!m) throw new Error(`bad TYPE line: ${line}`);
      if (types.has(m[1]!)) throw new Error(`TYPE given twice for ${m[1]}`);
      types.set(m[1]!, m[2]!);
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`bad sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    let rest = m[2] ?? "";
    while (rest.length > 0) {
      const l = LABEL.exec(rest);
      if (!l) throw new Error(`bad labels in: ${line}`);
      labels[l[1]!] = l[2]!.replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c));
      rest = rest.slice(l[0].length);
    }
    const name = m[1]!;
    const family = types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, "");
    const type = types.get(family);
    if (!type) throw new Error(`sample before its TYPE line: ${line}`);
    if (family !== name && type !== "histogram") throw new Error(`${name}: suffix on a ${type}`);
    samples.push({ name, labels, value: parseValue(m[3]!, line) });
  }
  checkHistograms(types, samples);
  return { types, samples };
}

/** Buckets are cumulative, end with le="+Inf", and +Inf equals _count. */
function checkHistograms(types: Map<string, string>, samples: MetricSample[]): void {
  for (const [family, type] of types) {
    if (type !== "histogram") continue;
    const series = new Map<string, MetricSample[]>();
    for (const s of samples.filter((x) => x.name === `${family}_bucket`)) {
      const { le: _, ...rest } = s.labels;
      const key = JSON.stringify(rest);
      series.set(key, [...(series.get(key) ?? []), s]);
    }
    for (const [key, buckets] of series) {
      expect(buckets.map((b) => b.labels.le)).toEqual([...LATENCY_BUCKETS.map(String), "+Inf"]);
      for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
      const count = samples.find((x) => x.name === `${family}_count` && JSON.stringify(x.labels) === key);
      expect(count?.value).toBe(buckets.at(-1)!.value);
    }
  }
}

export function value(e: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  const hit = e.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return hit?.value;
}

/** Sum over every series of `name` whose labels include `labels`. */
export function total(e: Exposition, name: string, labels: Record<string, string> = {}): number {
  return e.samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((n, s) => n + s.value, 0);
}

export interface MetricsApi {
  call(path: string, init?: RequestInit): Promise<Response>;
  json(path: string, method: string, body: unknown): Promise<Response>;
  createTopic(partitions?: number): Promise<string>;
  produce(topic: string, records: unknown[]): Promise<Array<{ partition: number; offset: number }>>;
}

const SETTLE_MS = 20_000;

export async function scrape(api: MetricsApi): Promise<Exposition> {
  const res = await api.call("/metrics");
  const text = await res.text();
  expect(res.status, text).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  const e = parseExposition(text);
  // Every documented family is declared with its documented type.
  for (const [name, info] of Object.entries(METRICS)) expect(e.types.get(name), name).toBe(info.type);
  return e;
}

/** Scrapes until `expected` (computed from a scrape) has no differences, or fails with the last ones. */
export async function settle(
  api: MetricsApi,
  expected: (e: Exposition) => Record<string, [number | undefined, number]>,
): Promise<Exposition> {
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    const e = await scrape(api);
    const wrong = Object.entries(expected(e)).filter(([, [got, want]]) => got !== want);
    if (wrong.length === 0) return e;
    if (Date.now() > deadline) expect(Object.fromEntries(wrong.map(([k, [got, want]]) => [k, { got, want }]))).toEqual({});
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Produce, fetch, a group commit and an error; the scrape must show each exactly. */
/**
 * `closeReachesServer`: false where a client's disconnect does not reach the broker while it waits
 * (Miniflare's HTTP proxy in front of workerd keeps the upstream request open), so the tail's end
 * cannot be observed there; workerd itself is checked by test/workers/metrics.test.ts.
 */
export async function metricsScenario(api: MetricsApi, group: string, closeReachesServer = true): Promise<void> {
  const before = await scrape(api);
  const topic = await api.createTopic(2);
  await api.produce(topic, [
    { value: "a", partition: 0 },
    { value: "b", partition: 0 },
    { value: "c", partition: 0 },
    { value: "d", partition: 1 },
    { value: "e", partition: 1 },
  ]);
  const p0 = (await (await api.call(`/v1/topics/${topic}/partitions/0/records?offset=0`)).json()) as { records: unknown[] };
  expect(p0.records).toHaveLength(3);
  const p1 = (await (await api.call(`/v1/topics/${topic}/partitions/1/records?offset=1`)).json()) as { records: unknown[] };
  expect(p1.records).toHaveLength(1);
  const outside = await api.call(`/v1/topics/${topic}/partitions/0/records?offset=99`);
  expect(outside.status).toBe(416);
  const joined = await api.json(`/v1/groups/${group}/members`, "POST", { topics: [topic], auto_offset_reset: "earliest" });
  const member = (await joined.json()) as { member_id: string; member_epoch: number };
  expect(joined.status).toBe(200);
  const committed = await api.json(`/v1/groups/${group}/members/${member.member_id}/commit`, "POST", {
    member_epoch: member.member_epoch,
    offsets: [
      { topic, partition: 0, offset: 2 },
      { topic, partition: 1, offset: 2 },
    ],
  });
  expect(committed.status, await committed.clone().text()).toBe(200);

  const part = (p: number) => ({ topic, partition: String(p) });
  const grouped = (p: number) => ({ group, topic, partition: String(p) });
  const delta = (e: Exposition, name: string, labels: Record<string, string> = {}) => total(e, name, labels) - total(before, name, labels);
  const after = await settle(api, (e) => ({
    "records_in p0": [value(e, "edgebroker_partition_records_in_total", part(0)), 3],
    "records_in p1": [value(e, "edgebroker_partition_records_in_total", part(1)), 2],
    "records_out p0": [value(e, "edgebroker_partition_records_out_total", part(0)), 3],
    "records_out p1": [value(e, "edgebroker_partition_records_out_total", part(1)), 1],
    "end_offset p0": [value(e, "edgebroker_partition_end_offset", part(0)), 3],
    "end_offset p1": [value(e, "edgebroker_partition_end_offset", part(1)), 2],
    "start_offset p0": [value(e, "edgebroker_partition_start_offset", part(0)), 0],
    "storage_rows p0": [value(e, "edgebroker_partition_storage_rows", part(0)), 1],
    "committed p0": [value(e, "edgebroker_group_committed_offset", grouped(0)), 2],
    "lag p0": [value(e, "edgebroker_group_lag", grouped(0)), 1],
    "lag p1": [value(e, "edgebroker_group_lag", grouped(1)), 0],
    members: [value(e, "edgebroker_group_members", { group }), 1],
    // Other tests may run beside this one on a shared host: at least what this one did.
    "produce requests ≥ 1": [Math.min(delta(e, "edgebroker_produce_duration_seconds_count"), 1), 1],
    "fetches ≥ 3": [Math.min(delta(e, "edgebroker_fetch_duration_seconds_count", { long_poll: "false" }), 3), 3],
    "offset_out_of_range errors ≥ 1": [Math.min(delta(e, "edgebroker_errors_total", { code: "offset_out_of_range" }), 1), 1],
  }));
  // The whole log of partition 0 was read once: the bytes out are the bytes in, and what is stored.
  const bytesIn = value(after, "edgebroker_partition_bytes_in_total", part(0))!;
  expect(bytesIn).toBeGreaterThan(61); // one batch header and its three records
  expect(value(after, "edgebroker_partition_bytes_out_total", part(0))).toBe(bytesIn);
  expect(value(after, "edgebroker_partition_storage_bytes", part(0))).toBe(bytesIn);
  expect(value(after, "edgebroker_partition_rows_written_total", part(0))).toBeGreaterThanOrEqual(1);

  // A live SSE tail is counted while it is open and no longer once it is closed.
  const abort = new AbortController();
  const tail = await api.call(`/v1/topics/${topic}/partitions/0/events?offset=0&heartbeat_ms=1000`, { signal: abort.signal });
  expect(tail.status).toBe(200);
  const reader = tail.body!.getReader();
  await reader.read();
  await settle(api, (e) => ({ "sse tails": [value(e, "edgebroker_tail_subscribers", { transport: "sse", topic }), 1] }));
  abort.abort();
  await reader.cancel().catch(() => {});
  if (closeReachesServer) {
    await settle(api, (e) => ({ "sse tails after close": [value(e, "edgebroker_tail_subscribers", { transport: "sse", topic }) ?? 0, 0] }));
  }

  // A deleted topic's partitions leave the scrape.
  expect((await api.call(`/v1/topics/${topic}`, { method: "DELETE" })).status).toBe(204);
  await settle(api, (e) => ({
    "series of the deleted topic": [
      e.samples.filter((s) => s.labels.topic === topic && s.name.startsWith("edgebroker_partition_")).length,
      0,
    ],
  }));
}
