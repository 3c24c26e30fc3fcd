// `npm run bench:runtimes`: the foundation's produce/fetch scenarios against every host in one
// run — Miniflare (workerd, the Worker bundle) and the standalone servers on Node, Bun and Deno
// (src/runtime, SQLite in WAL mode with synchronous=FULL) — printed as one table. Each host's
// no-op route (/healthz) is its own ceiling: ratios are what to compare, absolute numbers drift.
//   (a) binary produce, 1,000 × 100-byte records per request, 4 clients
//   (c) single-record JSON produce, 100 concurrent clients
//   (d) catch-up fetch of the whole partition as binary batches, 4 MiB per request
// `--quick` runs a tenth of the requests.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { LogCore } from "../src/core/batch/log-core.ts";
import { encodeBatch } from "../src/core/batch/record-batch.ts";
import { percentile, runLoad, send, type LoadResult } from "./lib/load.ts";
import { BENCH_TOKEN, startBroker } from "./lib/servers.ts";
import { RUNTIMES, startServer } from "../test/contract/hosts-support.ts";

const { values: args } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
const scale = args.quick ? 0.1 : 1;
const auth = { authorization: `Bearer ${BENCH_TOKEN}` };
const utf8 = new TextEncoder();
const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

interface Host {
  name: string;
  url: string;
  stop(): Promise<unknown>;
}

interface Row {
  scenario: string;
  host: string;
  records: number;
  bytes: number;
  result: LoadResult;
  rowsWritten?: number;
}

async function post(base: string, path: string, body: unknown): Promise<void> {
  const res = await send(base, new http.Agent(), {
    method: "POST",
    path,
    headers: { ...auth, "content-type": "application/json" },
    body: utf8.encode(JSON.stringify(body)),
  });
  if (res.status >= 300) throw new Error(`POST ${path}: ${res.status} ${res.body}`);
}

async function rowsWritten(base: string, topic: string): Promise<number> {
  const res = await send(base, new http.Agent(), { method: "GET", path: `/v1/topics/${topic}`, headers: auth });
  return JSON.parse(res.body.toString()).partitions[0].rows_written;
}

async function measure(host: Host, batch: Uint8Array, single: Uint8Array): Promise<Row[]> {
  const rows: Row[] = [];
  const batchRequests = Math.round(300 * scale);
  const singleRequests = Math.round(10_000 * scale);
  const fill = Math.round(300 * scale);
  const binary = { ...auth, "content-type": "application/vnd.kafka.record-batch" };

  // Warm-up: JIT, object start-up and the first SQLite pages are outside the measurements.
  await post(host.url, "/v1/topics", { name: "warm", partitions: 1 });
  await runLoad(host.url, 4, 50, () => ({ method: "POST", path: "/v1/topics/warm/records", headers: binary, body: batch }));

  rows.push({
    scenario: "ceiling: no-op route",
    host: host.name,
    records: singleRequests,
    bytes: 0,
    result: await runLoad(host.url, 100, singleRequests, () => ({ method: "GET", path: "/healthz" })),
  });

  await post(host.url, "/v1/topics", { name: "bench-a", partitions: 1 });
  const a: Row = {
    scenario: "(a) produce binary 1,000 × 100 B",
    host: host.name,
    records: batchRequests * 1000,
    bytes: batchRequests * batch.length,
    result: await runLoad(host.url, 4, batchRequests, () => ({
      method: "POST",
      path: "/v1/topics/bench-a/records?partition=0",
      headers: binary,
      body: batch,
    })),
  };
  a.rowsWritten = await rowsWritten(host.url, "bench-a");
  rows.push(a);

  await post(host.url, "/v1/topics", { name: "bench-c", partitions: 1 });
  const c: Row = {
    scenario: "(c) produce 1 record × 100 producers",
    host: host.name,
    records: singleRequests,
    bytes: singleRequests * single.length,
    result: await runLoad(host.url, 100, singleRequests, () => ({
      method: "POST",
      path: "/v1/topics/bench-c/records",
      headers: { ...auth, "content-type": "application/json" },
      body: single,
    })),
  };
  c.rowsWritten = await rowsWritten(host.url, "bench-c");
  rows.push(c);

  await post(host.url, "/v1/topics", { name: "bench-d", partitions: 1 });
  await runLoad(host.url, 4, fill, () => ({
    method: "POST",
    path: "/v1/topics/bench-d/records?partition=0",
    headers: binary,
    body: batch,
  }));
  const agent = new http.Agent({ keepAlive: true });
  const latencies: number[] = [];
  let offset = 0;
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  while (offset < fill * 1000) {
    const s = process.hrtime.bigint();
    const res = await send(host.url, agent, {
      method: "GET",
      path: `/v1/topics/bench-d/partitions/0/records?offset=${offset}&max_bytes=4194304`,
      headers: { ...auth, accept: "application/vnd.kafka.record-batch" },
    });
    latencies.push(Number(process.hrtime.bigint() - s) / 1e6);
    if (res.status !== 200) throw new Error(`fetch ${offset}: ${res.status} ${res.body}`);
    offset = Number(res.headers["edgebroker-next-offset"]);
    bytes += res.body.length;
  }
  agent.destroy();
  latencies.sort((x, y) => x - y);
  rows.push({
    scenario: `(d) catch-up fetch ${fmt(fill * 1000)} records, binary`,
    host: host.name,
    records: fill * 1000,
    bytes,
    result: { requests: latencies.length, seconds: Number(process.hrtime.bigint() - t0) / 1e9, latenciesMs: latencies, bytesIn: bytes },
  });
  return rows;
}

async function startHosts(): Promise<Host[]> {
  const hosts: Host[] = [];
  const mf = await startBroker();
  hosts.push({ name: "miniflare", url: mf.url, stop: () => mf.dispose() });
  for (const runtime of RUNTIMES) {
    const dataDir = mkdtempSync(join(tmpdir(), `edgebroker-bench-${runtime}-`));
    const server = await startServer(runtime, { dataDir });
    hosts.push({
      name: runtime,
      url: server.url,
      stop: async () => {
        await server.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    });
  }
  return hosts;
}

async function main() {
  const core = await LogCore.instantiate(readFileSync(new URL("../build/edgebroker.wasm", import.meta.url)));
  const value100 = utf8.encode("x".repeat(100));
  const batch = encodeBatch(
    Array.from({ length: 1000 }, (_, i) => ({ key: null, value: value100, headers: [], timestamp: 1_700_000_000_000 + i })),
    { crc32c: (b) => core.crc32c(b) },
  );
  const single = utf8.encode(JSON.stringify({ records: [{ value: "x".repeat(98) }] }));

  // One host at a time, so no two servers compete for the two cores.
  const rows: Row[] = [];
  const hosts = await startHosts();
  try {
    for (const host of hosts) {
      console.error(`measuring ${host.name} …`);
      rows.push(...(await measure(host, batch, single)));
    }
  } finally {
    for (const host of hosts) await host.stop();
  }

  const rate = (r: Row) => r.records / r.result.seconds;
  const lines = [
    "| Scenario | host | records/s | requests/s | MB/s | p50 ms | p99 ms | rows written / M records | vs Miniflare | (c) vs own no-op route |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const scenario of [...new Set(rows.map((r) => r.scenario))]) {
    const group = rows.filter((r) => r.scenario === scenario);
    const base = group.find((r) => r.host === "miniflare");
    for (const r of group) {
      const noop = rows.find((x) => x.host === r.host && x.scenario.startsWith("ceiling"))!;
      const ratioNoop = !scenario.startsWith("(c)")
        ? ""
        : fmt(r.result.requests / r.result.seconds / (noop.result.requests / noop.result.seconds), 2);
      const cells = [
        scenario,
        r.host,
        fmt(rate(r)),
        fmt(r.result.requests / r.result.seconds),
        fmt(r.bytes / r.result.seconds / 1e6, 1),
        fmt(percentile(r.result.latenciesMs, 50), 1),
        fmt(percentile(r.result.latenciesMs, 99), 1),
        r.rowsWritten === undefined ? "" : fmt((r.rowsWritten / r.records) * 1e6),
        base ? fmt(rate(r) / rate(base), 2) : "",
        ratioNoop,
      ];
      lines.push(`| ${cells.join(" | ")} |`);
    }
  }
  const versions = hosts.map((h) => h.name).join(", ");
  const out = `Measured ${new Date().toISOString()} on ${process.platform}/${process.arch}, ${args.quick ? "QUICK (10% scale)" : "full scale"}; hosts: ${versions}.\n\n${lines.join("\n")}\n`;
  console.log(`\n${out}`);
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  writeFileSync(new URL("./results/runtimes.md", import.meta.url), out);
}

await main();
