// `npm run bench:peers`: edgebroker on every host (the standalone server on Node, Bun and Deno —
// SQLite WAL, synchronous=FULL, one fsync per group commit — and the Worker bundle in Miniflare's
// workerd) beside Redis Streams and NATS JetStream on this machine, the same workloads for all:
//   produce-batch  1,000 × 100-byte records per request (Redis: a pipeline of 1,000 XADD;
//                  JetStream: 1,000 async publishes, acks awaited together), 4 clients
//   produce-one    single-record produce, 100 concurrent producers
//   catch-up       read the whole stream of produce-batch's first run from its start
// edgebroker in binary (Kafka record batches) and JSON (and MessagePack for catch-up). Every
// figure is the median of PEERS_RUNS (default 3) runs, the runs interleaved across systems so
// drift hits all alike; ratios are against edgebroker-Node binary of the same workload and
// against each peer. PEERS_SCALE (default 1) multiplies the request counts; a default run takes
// a few minutes. A peer whose server binary is missing is skipped with a message.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LogCore } from "../src/core/batch/log-core.ts";
import { encodeBatch } from "../src/core/batch/record-batch.ts";
import { nextOffset, runLoad, send } from "./lib/load.ts";
import { CLIENTS, startNats, startRedis, type Peer } from "./lib/peers.ts";
import { BENCH_TOKEN, startBroker } from "./lib/servers.ts";
import { RUNTIMES, startServer } from "../test/contract/hosts-support.ts";

const scale = Number(process.env.PEERS_SCALE ?? 1);
const runs = Math.max(1, Number(process.env.PEERS_RUNS ?? 3));
const BATCH_REQUESTS = Math.max(4, Math.round(40 * scale));
const SINGLE_REQUESTS = Math.max(100, Math.round(1_000 * scale));
const CONCURRENT = 100;
const auth = { authorization: `Bearer ${BENCH_TOKEN}` };
const utf8 = new TextEncoder();
const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Host {
  name: string;
  url: string;
  stop(): Promise<unknown>;
}
type Sample = { system: string; workload: string; format: string; rate: number };
const samples: Sample[] = [];

async function post(base: string, path: string, body: unknown): Promise<void> {
  const res = await send(base, new http.Agent(), {
    method: "POST",
    path,
    headers: { ...auth, "content-type": "application/json" },
    body: utf8.encode(JSON.stringify(body)),
  });
  if (res.status >= 300) throw new Error(`POST ${path}: ${res.status} ${res.body}`);
}

async function catchUp(url: string, topic: string, total: number, kind: "batch" | "json" | "msgpack"): Promise<number> {
  const agent = new http.Agent({ keepAlive: true });
  const accept = kind === "batch" ? "application/vnd.kafka.record-batch" : kind === "msgpack" ? "application/msgpack" : "application/json";
  let offset = 0;
  const t0 = process.hrtime.bigint();
  while (offset < total) {
    const res = await send(url, agent, {
      method: "GET",
      path: `/v1/topics/${topic}/partitions/0/records?offset=${offset}&max_records=10000&max_bytes=4194304`,
      headers: { ...auth, accept },
    });
    if (res.status !== 200) throw new Error(`fetch ${topic}@${offset}: ${res.status} ${res.body.toString().slice(0, 200)}`);
    offset = kind === "batch" ? Number(res.headers["edgebroker-next-offset"]) : nextOffset(res.body, kind);
  }
  agent.destroy();
  return total / (Number(process.hrtime.bigint() - t0) / 1e9);
}

async function measureHost(host: Host, run: number, bodies: Record<string, Uint8Array>): Promise<void> {
  const add = (workload: string, format: string, rate: number) =>
    samples.push({ system: `edgebroker-${host.name}`, workload, format, rate });
  const binary = { ...auth, "content-type": "application/vnd.kafka.record-batch" };
  const json = { ...auth, "content-type": "application/json" };
  for (const [format, headers, body] of [
    ["binary", binary, bodies.batch!],
    ["JSON", json, bodies.batchJson!],
  ] as const) {
    const topic = `pb-${format}-${run}`;
    await post(host.url, "/v1/topics", { name: topic, partitions: 1 });
    const r = await runLoad(host.url, CLIENTS, BATCH_REQUESTS, () => ({
      method: "POST",
      path: `/v1/topics/${topic}/records?partition=0`,
      headers,
      body,
    }));
    add("produce-batch", format, (BATCH_REQUESTS * 1000) / r.seconds);
  }
  for (const [format, headers, body] of [
    ["binary", binary, bodies.single!],
    ["JSON", json, bodies.singleJson!],
  ] as const) {
    const topic = `po-${format}-${run}`;
    await post(host.url, "/v1/topics", { name: topic, partitions: 1 });
    const r = await runLoad(host.url, CONCURRENT, SINGLE_REQUESTS, () => ({
      method: "POST",
      path: `/v1/topics/${topic}/records?partition=0`,
      headers,
      body,
    }));
    add("produce-one", format, SINGLE_REQUESTS / r.seconds);
  }
  const total = BATCH_REQUESTS * 1000;
  await catchUp(host.url, "pb-binary-0", total, "batch"); // warm-up: pages into SQLite's cache, for every format alike
  add("catch-up", "binary", await catchUp(host.url, "pb-binary-0", total, "batch"));
  add("catch-up", "JSON, opaque values", await catchUp(host.url, "pb-binary-0", total, "json"));
  add("catch-up", "JSON, JSON values", await catchUp(host.url, "pb-JSON-0", total, "json"));
  add("catch-up", "MessagePack", await catchUp(host.url, "pb-binary-0", total, "msgpack"));
}

async function closedLoop(concurrency: number, total: number, op: (client: number) => Promise<void>): Promise<number> {
  let issued = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, client) => {
      while (issued++ < total) await op(client);
    }),
  );
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function measurePeer(peer: Peer, run: number, value: Uint8Array): Promise<void> {
  const add = (workload: string, rate: number) => samples.push({ system: peer.name, workload, format: "native", rate });
  const values = Array.from({ length: 1000 }, () => value);
  const pb = `pb${run}`;
  await peer.prepare(pb);
  add("produce-batch", (BATCH_REQUESTS * 1000) / (await closedLoop(CLIENTS, BATCH_REQUESTS, (c) => peer.produceBatch(c, pb, values))));
  const po = `po${run}`;
  await peer.prepare(po);
  add("produce-one", SINGLE_REQUESTS / (await closedLoop(CONCURRENT, SINGLE_REQUESTS, (c) => peer.produceOne(c, po, value))));
  const t0 = process.hrtime.bigint();
  const n = await peer.readAll("pb0", 10_000);
  if (n !== BATCH_REQUESTS * 1000) throw new Error(`${peer.name}: read ${n} records, expected ${BATCH_REQUESTS * 1000}`);
  add("catch-up", n / (Number(process.hrtime.bigint() - t0) / 1e9));
}

/** Starts each host into `hosts` as it comes up, so a failed start still stops the earlier ones. */
async function startHosts(hosts: Host[]): Promise<void> {
  for (const runtime of RUNTIMES) {
    const dataDir = mkdtempSync(join(tmpdir(), `edgebroker-peers-${runtime}-`));
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
  const mf = await startBroker();
  hosts.push({ name: "workerd", url: mf.url, stop: () => mf.dispose() });
}

function table(peers: Peer[]): string {
  const rate = (system: string, workload: string, format: string) =>
    median(samples.filter((s) => s.system === system && s.workload === workload && s.format === format).map((s) => s.rate));
  const peerNames = peers.map((p) => p.name);
  const lines = [
    `| workload | system | format | records/s (median of ${runs}) | vs edgebroker-node binary | ${peerNames.map((n) => `vs ${n}`).join(" | ")} |`,
    `| --- | --- | --- | ---: | ---: | ${peerNames.map(() => "---:").join(" | ")} |`,
  ];
  for (const workload of ["produce-batch", "produce-one", "catch-up"]) {
    const base = rate("edgebroker-node", workload, "binary");
    const peerRates = peerNames.map((n) => rate(n, workload, "native"));
    const keys = [...new Set(samples.filter((s) => s.workload === workload).map((s) => `${s.system}\u0000${s.format}`))];
    for (const key of keys) {
      const [system, format] = key.split("\u0000") as [string, string];
      const r = rate(system, workload, format);
      lines.push(
        `| ${workload} | ${system} | ${format} | ${fmt(r)} | ${fmt(r / base, 2)} | ${peerRates.map((p) => fmt(r / p, 2)).join(" | ")} |`,
      );
    }
  }
  return lines.join("\n");
}

async function main() {
  const core = await LogCore.instantiate(readFileSync(new URL("../build/edgebroker.wasm", import.meta.url)));
  const crc32c = (b: Uint8Array) => core.crc32c(b);
  const value = utf8.encode("x".repeat(100));
  // Current timestamps: records older than the topic's retention.ms would be deleted mid-run.
  const now = Date.now();
  const bodies = {
    batch: encodeBatch(
      Array.from({ length: 1000 }, (_, i) => ({ key: null, value, headers: [], timestamp: now + i })),
      { crc32c },
    ),
    // "x" × 98 as a JSON string is stored as 100 bytes of JSON text.
    batchJson: utf8.encode(JSON.stringify({ records: Array.from({ length: 1000 }, () => ({ value: "x".repeat(98) })) })),
    single: encodeBatch([{ key: null, value, headers: [], timestamp: now }], { crc32c }),
    singleJson: utf8.encode(JSON.stringify({ records: [{ value: "x".repeat(98) }] })),
  };

  const peers: Peer[] = [];
  const hosts: Host[] = [];
  try {
    for (const [name, start, pkg] of [
      ["Redis Streams", startRedis, "redis-server"],
      ["NATS JetStream", startNats, "nats-server"],
    ] as const) {
      const peer = await start();
      if (peer) peers.push(peer);
      else console.error(`skipping ${name}: \`${pkg}\` is not on PATH (apt-get install -y ${pkg})`);
    }
    await startHosts(hosts);
    // Warm-up: JIT, object start-up and the first SQLite pages stay outside the measurements.
    for (const host of hosts) {
      await post(host.url, "/v1/topics", { name: "warm", partitions: 1 });
      await runLoad(host.url, CLIENTS, 20, () => ({
        method: "POST",
        path: "/v1/topics/warm/records",
        headers: { ...auth, "content-type": "application/vnd.kafka.record-batch" },
        body: bodies.batch,
      }));
    }
    for (let run = 0; run < runs; run++) {
      for (const host of hosts) {
        console.error(`run ${run + 1}/${runs}: edgebroker-${host.name} …`);
        await measureHost(host, run, bodies);
      }
      for (const peer of peers) {
        console.error(`run ${run + 1}/${runs}: ${peer.name} …`);
        await measurePeer(peer, run, value);
      }
    }
  } finally {
    for (const host of hosts) await host.stop();
    for (const peer of peers) await peer.stop();
  }

  const durability = [
    "- edgebroker node/bun/deno: SQLite in WAL mode, synchronous=FULL, one fsync per group commit, acknowledged after it",
    "- edgebroker workerd: Miniflare's SQLite-backed Durable Object storage on a temporary directory (local simulation of the platform's storage)",
    ...peers.map((p) => `- ${p.name} ${p.version}: ${p.durability}`),
  ].join("\n");
  const out = `Measured ${new Date().toISOString()} on ${process.platform}/${process.arch}; ${BATCH_REQUESTS} batch requests (×1,000 records), ${SINGLE_REQUESTS} single-record requests per run; catch-up of ${fmt(BATCH_REQUESTS * 1000)} records.\n\nDurability:\n${durability}\n\n${table(peers)}\n`;
  console.log(`\n${out}`);
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  writeFileSync(new URL("./results/peers.md", import.meta.url), out);
}

await main();
