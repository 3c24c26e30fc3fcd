// `node bench/produce-path.ts [--requests N] [--profile]`: where a single-record JSON produce's CPU
// goes on the Node host (issue #20 item 5). In this one process: the broker of serve-node.ts (the
// Hono app on @hono/node-server, real actor host, partition objects, node:sqlite, WASM core) and
// the bare server's work (bench/lib/bare-produce.ts) on node:http, each taking single-record
// produce requests from 100 keep-alive connections of a load generator in a child process; the
// server CPU per request is this process's CPU (process.cpuUsage) over the run. Also, without
// HTTP, the partition alone: the stub's append of the one-record batch the route encodes
// (`append`). broker − bare − append is what Hono, the middlewares and the produce handler add.
// With --profile the broker run is profiled with the inspector after warm-up (no start-up in
// it) and the self time is printed by file and by frame.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { Session } from "node:inspector/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DatabaseSync } from "node:sqlite";
import { serve } from "@hono/node-server";
import { createBroker } from "../src/runtime/broker.ts";
import { configFromEnv } from "../src/runtime/config.ts";
import { openNodeDatabase } from "../src/runtime/sqlite-node.ts";
import { encodeBatch } from "../src/core/batch/record-batch.ts";
import { BENCH_TOKEN } from "./lib/servers.ts";

const { values: args } = parseArgs({
  options: { requests: { type: "string", default: "10000" }, profile: { type: "boolean", default: false } },
});
const REQUESTS = Number(args.requests);
const CONCURRENCY = 100;
const utf8 = new TextEncoder();
const BODY = JSON.stringify({ records: [{ value: "x".repeat(98) }] });

const dataDir = mkdtempSync(join(tmpdir(), "edgebroker-path-"));
const env: Record<string, string> = { EDGEBROKER_ADMIN_TOKEN: BENCH_TOKEN, EDGEBROKER_DATA_DIR: dataDir };
const broker = await createBroker(
  configFromEnv((n) => env[n]),
  openNodeDatabase,
);
const brokerServer = await new Promise<{ url: string; server: http.Server }>((resolve) => {
  const server = serve({ fetch: broker.app.fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
    resolve({ url: `http://127.0.0.1:${info.port}`, server: server as http.Server }),
  );
});

// The bare server's work (bench/lib/bare-produce.ts, node:http branch), in this process.
const bareDb = new DatabaseSync(join(dataDir, "bare.sqlite"));
for (const sql of ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "CREATE TABLE log (id INTEGER PRIMARY KEY, data BLOB NOT NULL)"])
  bareDb.exec(sql);
const insert = bareDb.prepare("INSERT INTO log (data) VALUES (?)");
let pending: Array<{ values: Uint8Array[]; resolve(first: number): void }> = [];
let scheduled = false;
let linger = 0;
let nextOffset = 0;
function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setTimeout(flush, linger);
}
function flush(): void {
  scheduled = false;
  const group = pending;
  pending = [];
  let size = 0;
  for (const p of group) for (const v of p.values) size += v.length;
  const row = new Uint8Array(size);
  let at = 0;
  for (const p of group)
    for (const v of p.values) {
      row.set(v, at);
      at += v.length;
    }
  bareDb.exec("BEGIN");
  insert.run(row);
  bareDb.exec("COMMIT");
  linger = group.length > 1 && size < 64 * 1024 ? 2 : 0;
  for (const p of group) {
    p.resolve(nextOffset);
    nextOffset += p.values.length;
  }
  if (pending.length > 0) schedule();
}
async function bareProduce(body: string): Promise<string> {
  const parsed = JSON.parse(body) as { records: Array<{ value: unknown }> };
  const values = parsed.records.map((r) => utf8.encode(JSON.stringify(r.value)));
  const first = await new Promise<number>((resolve) => {
    pending.push({ values, resolve });
    schedule();
  });
  return JSON.stringify({ offsets: values.map((_, i) => ({ partition: 0, offset: first + i })) });
}
const bareServer = await new Promise<{ url: string; server: http.Server }>((resolve) => {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void bareProduce(Buffer.concat(chunks).toString()).then((out) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(out);
      });
    });
  });
  server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server }));
});

// The load generator runs in a child process, so this process's CPU is the server's alone.
const LOAD = `
import { runLoad, send } from ${JSON.stringify(new URL("./lib/load.ts", import.meta.url).href)};
import http from "node:http";
const [url, path, n, create] = process.argv.slice(1);
const headers = { authorization: "Bearer ${BENCH_TOKEN}", "content-type": "application/json" };
if (create === "1") await send(url, new http.Agent(), { method: "POST", path: "/v1/topics", headers, body: new TextEncoder().encode('{"name":"p","partitions":1}') });
const body = new TextEncoder().encode(${JSON.stringify(BODY)});
await runLoad(url, ${CONCURRENCY}, Number(n), () => ({ method: "POST", path, headers, body }));
`;
function load(url: string, path: string, n: number, create = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--disable-warning=ExperimentalWarning", "--input-type=module", "-e", LOAD, url, path, String(n), create ? "1" : "0"],
      {
        stdio: ["ignore", "inherit", "inherit"],
      },
    );
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`load generator exited with ${code}`))));
  });
}

/** Server CPU µs per request and requests/s of one run of `n` requests. */
async function overHttp(url: string, path: string, n = REQUESTS): Promise<{ cpuUs: number; rate: number }> {
  // The child's start-up is not timed: it is idle here until the first request arrives... so
  // CPU is taken over the whole child run, which includes only its own connection handling.
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await load(url, path, n);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { cpuUs: (cpu.user + cpu.system) / n, rate: (n / ms) * 1000 };
}

// Without HTTP: the partition's append alone, as the route calls it, from 100 callers.
const described = await (async () => {
  await load(brokerServer.url, "/v1/topics/p/records", 1, true);
  return broker.deps.cluster().describeTopic("p");
})();
if (!described.ok) throw new Error("no topic p");
const { epoch, config, config_revision: configRevision } = described.topic;
const partition = broker.deps.partition("p", 0);
const crc = () => 0;
const value = utf8.encode(JSON.stringify("x".repeat(98)));
async function appendOnly(n = REQUESTS): Promise<{ cpuUs: number; rate: number }> {
  let left = n;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (left-- > 0) {
        const batches = encodeBatch([{ key: null, value, headers: [], timestamp: Date.now() }], { crc32c: crc });
        const r = await partition.append({ topic: "p", partition: 0, epoch, batches, config, configRevision, fillCrc: true });
        if (!r.ok) throw new Error(JSON.stringify(r));
      }
    }),
  );
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { cpuUs: (cpu.user + cpu.system) / n, rate: (n / ms) * 1000 };
}

// Without a socket: app.fetch with a Request made here (undici's Request and Response cost more
// than the adapter's own; the figure moves with the app's layers, not the HTTP server's).
const appHeaders = {
  authorization: `Bearer ${BENCH_TOKEN}`,
  "content-type": "application/json",
  "content-length": String(utf8.encode(BODY).length),
};
const bodyBytes = utf8.encode(BODY);
async function appFetch(n = REQUESTS): Promise<{ cpuUs: number; rate: number }> {
  let left = n;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (left-- > 0) {
        const res = await broker.app.fetch(
          new Request(`${brokerServer.url}/v1/topics/p/records`, { method: "POST", headers: appHeaders, body: bodyBytes }),
        );
        const text = await res.text();
        if (res.status !== 200) throw new Error(text);
      }
    }),
  );
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { cpuUs: (cpu.user + cpu.system) / n, rate: (n / ms) * 1000 };
}

const runs: Record<string, () => Promise<{ cpuUs: number; rate: number }>> = {
  broker: () => overHttp(brokerServer.url, "/v1/topics/p/records"),
  bare: () => overHttp(bareServer.url, "/produce"),
  append: () => appendOnly(),
  "app.fetch": () => appFetch(),
};
// Warm-up (JIT, caches, WAL), then two rounds, interleaved; the lower CPU of the two is kept.
await overHttp(brokerServer.url, "/v1/topics/p/records", 2000);
await overHttp(bareServer.url, "/produce", 2000);
await appendOnly(2000);
await appFetch(2000);
const results: Record<string, { cpuUs: number; rate: number }> = {};
for (let round = 0; round < 2; round++)
  for (const [name, run] of Object.entries(runs)) {
    const r = await run();
    if (!results[name] || r.cpuUs < results[name].cpuUs) results[name] = r;
  }
console.log(
  `server CPU per single-record produce, ${REQUESTS} requests from ${CONCURRENCY} connections (load ${loadavg()[0]!.toFixed(2)}):`,
);
for (const [name, r] of Object.entries(results))
  console.log(`  ${name.padEnd(7)} ${r.cpuUs.toFixed(1).padStart(6)} µs   ${Math.round(r.rate).toLocaleString("en-US").padStart(7)} req/s`);
const { broker: b, bare, append } = results as Record<string, { cpuUs: number }>;
console.log(`  HTTP layers beyond bare (broker − bare − append): ${(b!.cpuUs - bare!.cpuUs - append!.cpuUs).toFixed(1)} µs`);

/** The layer a frame's self time belongs to; native frames (no URL) go with their caller's. */
function layerOf(url: string, fn: string): string | undefined {
  if (fn === "(garbage collector)") return "GC";
  if (fn === "runMicrotasks") return "promise jobs (runMicrotasks)";
  if (!url) return undefined;
  if (url.startsWith("node:")) return "Node http/net/streams/timers";
  if (url.includes("/@hono/node-server/")) return "@hono/node-server adapter";
  if (url.includes("/node_modules/hono/")) return "Hono (router, compose, context)";
  if (url.includes("/node_modules/")) return "other packages";
  if (url.includes("/bench/")) return "bare handler";
  if (/\/src\/http\/metrics\//.test(url)) return "src/http metrics middleware";
  if (/\/src\/http\/(v1-gate|body-limit|body-meter|auth\/)/.test(url)) return "src/http /v1 gate (auth, limits)";
  if (/\/src\/http\/(log|topics)\/|\/src\/http\/content/.test(url)) return "src/http produce handler (+ topic cache)";
  if (url.includes("/src/http/")) return "src/http other";
  if (/\/src\/runtime\/(actor-host|broker)/.test(url)) return "actor host (stub, call)";
  if (url.startsWith("wasm://") || url.includes("/src/core/") || url.includes("/src/runtime/"))
    return "partition (PartitionLog, WASM, SQLite)";
  return "other";
}

async function profiled(url: string, path: string): Promise<Map<string, number>> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 50 });
  await session.post("Profiler.start");
  await overHttp(url, path);
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const layers = new Map<string, number>();
  let busy = 0;
  for (const id of profile.samples!) {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === "(idle)" || f.functionName === "(program)") continue;
    busy++;
    let layer = layerOf(f.url, f.functionName);
    for (let up = parent.get(id); layer === undefined && up !== undefined; up = parent.get(up)) {
      const cf = byId.get(up)!.callFrame;
      layer = cf.url ? layerOf(cf.url, cf.functionName) : undefined;
    }
    layer ??= "native, no JS caller";
    layers.set(layer, (layers.get(layer) ?? 0) + 1);
  }
  for (const [k, v] of layers) layers.set(k, v / busy);
  const file = new URL(`./results/produce-path-${path === "/produce" ? "bare" : "broker"}.cpuprofile`, import.meta.url);
  mkdirSync(new URL("./", file), { recursive: true });
  writeFileSync(file, JSON.stringify(profile));
  return layers;
}

if (args.profile) {
  // Shares of each server's non-idle samples, turned into µs with its CPU per request measured
  // above without the profiler.
  const brokerLayers = await profiled(brokerServer.url, "/v1/topics/p/records");
  const bareLayers = await profiled(bareServer.url, "/produce");
  const names = [...new Set([...brokerLayers.keys(), ...bareLayers.keys()])].sort(
    (x, y) => (brokerLayers.get(y) ?? 0) - (brokerLayers.get(x) ?? 0),
  );
  console.log("\nµs per request by layer (profile share × CPU per request):   broker     bare");
  for (const n of names) {
    const us = (m: Map<string, number>, cpu: number) => ((m.get(n) ?? 0) * cpu).toFixed(1).padStart(8);
    console.log(`  ${n.padEnd(58)}${us(brokerLayers, b!.cpuUs)} ${us(bareLayers, bare!.cpuUs)}`);
  }
  console.log("profiles: bench/results/produce-path-{broker,bare}.cpuprofile");
}

brokerServer.server.close();
bareServer.server.close();
brokerServer.server.closeAllConnections();
bareServer.server.closeAllConnections();
await broker.close();
bareDb.close();
rmSync(dataDir, { recursive: true, force: true });
