// `npm run bench:ds`: Durable Streams append and read throughput of edgebroker (/ds: the Worker in
// workerd via Miniflare, and the Node standalone host) beside the protocol's reference server
// @durable-streams/server (in this process, file-backed and in-memory), same machine, same run,
// same load generator.
//   append: 100-byte appends (POST) to one stream from concurrent clients
//   read:   catch-up reads (GET ?offset=-1) of that stream (10,000 × 100 B: under edgebroker's 1 MiB
//           chunk, so every server answers the whole stream each time)
// `--quick` runs a tenth of the requests. A server that fails mid-run is reported, not fatal.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DurableStreamTestServer } from "@durable-streams/server";
import { percentile, runLoad, send, type LoadResult } from "./lib/load.ts";
import { BENCH_TOKEN, startBroker } from "./lib/servers.ts";
import { startServer } from "../test/contract/hosts-support.ts";
import http from "node:http";

const { values: args } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
const scale = args.quick ? 0.1 : 1;
const APPENDS = Math.round(10_000 * scale);
const READS = Math.round(2_000 * scale);
const CONCURRENCY = 50;
const PAYLOAD = new Uint8Array(100).fill(0x61);

interface Target {
  name: string;
  /** Base URL of streams: a stream's URL is base + "/" + path. */
  base: string;
  headers: Record<string, string>;
  stop(): Promise<void>;
}

interface Figures {
  append: LoadResult;
  read: LoadResult;
}

const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function measure(target: Target): Promise<Figures> {
  const url = new URL(target.base);
  const stream = `${url.pathname.replace(/\/$/, "")}/bench/s-${Date.now()}`;
  const origin = url.origin;
  const agent = new http.Agent({ keepAlive: true });
  const created = await send(origin, agent, {
    method: "PUT",
    path: stream,
    headers: { ...target.headers, "content-type": "application/octet-stream" },
  });
  agent.destroy();
  if (created.status !== 201) throw new Error(`${target.name}: PUT → ${created.status} ${created.body.toString()}`);
  const append = await runLoad(origin, CONCURRENCY, APPENDS, () => ({
    method: "POST",
    path: stream,
    headers: { ...target.headers, "content-type": "application/octet-stream" },
    body: PAYLOAD,
  }));
  const read = await runLoad(origin, CONCURRENCY, READS, () => ({ method: "GET", path: `${stream}?offset=-1`, headers: target.headers }));
  return { append, read };
}

function row(name: string, kind: string, r: LoadResult, bytes: number, base?: LoadResult): string {
  const ratio = base ? fmt(r.requests / r.seconds / (base.requests / base.seconds), 2) : "1.00";
  return `| ${name} | ${kind} | ${fmt(r.requests / r.seconds)} | ${fmt(bytes / r.seconds / 1e6, 1)} | ${fmt(percentile(r.latenciesMs, 50), 1)} | ${fmt(percentile(r.latenciesMs, 99), 1)} | ${ratio} |`;
}

async function reference(name: string, dataDir?: string): Promise<Target> {
  const server = new DurableStreamTestServer({ port: 0, host: "127.0.0.1", dataDir, compression: false });
  const url = await server.start();
  return { name, base: url, headers: {}, stop: () => server.stop() };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "edgebroker-ds-bench-"));
  const broker = await startBroker();
  const node = await startServer("node", { dataDir: join(dir, "node") });
  const bearer = { authorization: `Bearer ${BENCH_TOKEN}` };
  const targets: Target[] = [
    { name: "edgebroker (workerd)", base: `${broker.url}/ds`, headers: bearer, stop: () => broker.dispose() },
    { name: "edgebroker (Node host)", base: `${node.url}/ds`, headers: bearer, stop: async () => void (await node.stop()) },
    await reference("@durable-streams/server (file)", dir),
    await reference("@durable-streams/server (memory)"),
  ];
  const results: Array<[Target, Figures]> = [];
  const failures: string[] = [];
  try {
    for (const t of targets) {
      process.stderr.write(`${t.name}: ${APPENDS} appends, ${READS} reads, ${CONCURRENCY} clients…\n`);
      try {
        results.push([t, await measure(t)]);
      } catch (err) {
        failures.push(`${t.name}: failed (${(err as Error).message})`);
      }
    }
  } finally {
    for (const t of targets) await t.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  if (results[0]?.[0] !== targets[0]) throw new Error(failures.join("\n"));
  const [, ours] = results[0]!;
  console.log(`\nDurable Streams: ${APPENDS} × 100-byte appends and ${READS} catch-up reads, ${CONCURRENCY} concurrent clients`);
  console.log("| server | operation | req/s | MB/s | p50 ms | p99 ms | req/s vs edgebroker |");
  console.log("|---|---|---:|---:|---:|---:|---:|");
  for (const [t, f] of results) {
    console.log(row(t.name, "append", f.append, f.append.requests * PAYLOAD.length, ours.append));
    console.log(row(t.name, "read", f.read, f.read.bytesIn, ours.read));
  }
  for (const f of failures) console.log(f);
}

await main();
