// `npm run bench:log-size`: does the cost of appending and reading grow with a partition's
// history? One partition is filled to each size in turn (default 10 MB, 100 MB, 1 GB; `--quick`:
// 1, 10, 100 MB; `--sizes=1000,10000,20000` in MB) with 1,000 × 100-byte record batches; at each
// size the same append, random-read and catch-up workloads run, and their rates and storage rows
// are printed beside the smallest size's figures (the ceiling of this run: the same broker with a
// small log).
//
// `--tiered` (docs/tiered-storage.md): the topic has remote.storage.enable and
// local.retention.bytes = `--local-mb` (default 256), so the partition grows past what it keeps
// locally — past one Durable Object's 10 GB with `--sizes=1000,10000,20000`. Before measuring at
// each size the bench waits for the uploads to catch up, and prints the local bytes beside the
// local retention. `--host=node` runs the Node standalone host (a directory store) instead of
// workerd (local R2).
//   node bench/log-size.ts --tiered --host=node --sizes=1000,10000,20000
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { LogCore } from "../src/core/batch/log-core.ts";
import { encodeBatch } from "../src/core/batch/record-batch.ts";
import { percentile, runLoad, send } from "./lib/load.ts";
import { BENCH_TOKEN, startBroker, type Server } from "./lib/servers.ts";
import { startServer } from "../test/contract/hosts-support.ts";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    sizes: { type: "string" },
    tiered: { type: "boolean", default: false },
    "local-mb": { type: "string", default: "256" },
    host: { type: "string", default: "workerd" },
  },
});
const MB = 1_000_000;
const sizes = args.sizes
  ? args.sizes.split(",").map((s) => Number(s) * MB)
  : args.quick
    ? [1 * MB, 10 * MB, 100 * MB]
    : [10 * MB, 100 * MB, 1000 * MB];
if (sizes.some((s) => !Number.isFinite(s) || s <= 0)) throw new Error("--sizes: comma-separated sizes in MB");
const localRetention = Number(args["local-mb"]) * MB;
const auth = { authorization: `Bearer ${BENCH_TOKEN}` };
const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

const core = await LogCore.instantiate(readFileSync(new URL("../build/edgebroker.wasm", import.meta.url)));
const value = new TextEncoder().encode("x".repeat(100));
const batch = encodeBatch(
  Array.from({ length: 1000 }, (_, i) => ({ key: null, value, headers: [], timestamp: 1_700_000_000_000 + i })),
  { crc32c: (b) => core.crc32c(b) },
);
const produceSpec = {
  method: "POST",
  path: "/v1/topics/history/records?partition=0",
  headers: { ...auth, "content-type": "application/vnd.kafka.record-batch" },
  body: batch,
};

async function startHost(): Promise<Server> {
  if (args.host === "workerd") return startBroker();
  if (args.host !== "node") throw new Error("--host: workerd or node");
  const dataDir = mkdtempSync(join(tmpdir(), "edgebroker-log-size-"));
  const server = await startServer("node", { dataDir, env: { EDGEBROKER_TIERED_DIR: join(dataDir, "tiered") } });
  return {
    url: server.url,
    async dispose() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const broker = await startHost();
const agent = new http.Agent({ keepAlive: true });
const stats = async () =>
  JSON.parse((await send(broker.url, agent, { method: "GET", path: "/v1/topics/history", headers: auth })).body.toString()).partitions[0];
const config = args.tiered
  ? { "retention.ms": -1, "remote.storage.enable": "true", "local.retention.bytes": localRetention }
  : { "retention.ms": -1 };

/** Tiered: uploads run at the partition's alarm; wait until the local part is back within local retention. */
async function settle(): Promise<void> {
  if (!args.tiered) return;
  // One row above the limit is allowed: the newest row always stays local.
  for (let s = await stats(); s.local_bytes > localRetention + 2 * MB; s = await stats()) await new Promise((r) => setTimeout(r, 500));
}

try {
  await send(broker.url, agent, {
    method: "POST",
    path: "/v1/topics",
    headers: { ...auth, "content-type": "application/json" },
    body: new TextEncoder().encode(JSON.stringify({ name: "history", partitions: 1, config })),
  });
  const rows: string[] = [];
  let base: { append: number; read: number; catchUp: number } | undefined;
  for (const size of sizes) {
    const have = (await stats()).bytes as number;
    const fill = Math.max(0, Math.ceil((size - have) / batch.length));
    const t0 = Date.now();
    process.stdout.write(`filling to ${fmt(size / MB)} MB (${fill} batches)… `);
    await runLoad(broker.url, 4, fill, () => produceSpec);
    await settle();
    process.stdout.write(`${fmt((Date.now() - t0) / 1000)} s… `);
    const before = await stats();
    const appends = 200;
    const append = await runLoad(broker.url, 4, appends, () => produceSpec);
    const afterAppend = await stats();
    const appendRowsPerM = ((afterAppend.rows_written - before.rows_written) / (appends * 1000)) * 1e6;
    const end = afterAppend.end_offset as number;
    const reads = 200;
    const read = await runLoad(broker.url, 1, reads, () => ({
      method: "GET",
      path: `/v1/topics/history/partitions/0/records?offset=${Math.floor(Math.random() * (end - 1000))}&max_bytes=1048576`,
      headers: { ...auth, accept: "application/vnd.kafka.record-batch" },
    }));
    const afterRead = await stats();
    // Catch-up: one consumer reading 100 consecutive 1 MiB pages from a random point in the
    // oldest half of the log (remote segments when tiered).
    let next = Math.floor(Math.random() * (end / 2));
    const catchUp = await runLoad(broker.url, 1, 100, () => {
      if (next >= end - 1000) next = 0; // a small log: start over
      const spec = {
        method: "GET",
        path: `/v1/topics/history/partitions/0/records?offset=${next}&max_bytes=1048576`,
        headers: { ...auth, accept: "application/vnd.kafka.record-batch" },
      };
      next += Math.floor(1048576 / (batch.length / 1000)) - 1000; // about one page on: whole batches, so step a batch short
      return spec;
    });
    const readRecords = read.bytesIn / (batch.length / 1000);
    const readRowsPerM = ((afterRead.rows_read - afterAppend.rows_read) / readRecords) * 1e6;
    const appendRate = (appends * 1000) / append.seconds;
    const readRate = readRecords / read.seconds;
    const catchUpRate = catchUp.bytesIn / (batch.length / 1000) / catchUp.seconds;
    base ??= { append: appendRate, read: readRate, catchUp: catchUpRate };
    const s = await stats();
    const cells = [
      `${fmt(s.bytes / MB)} MB`,
      `${fmt((s.local_bytes ?? s.bytes) / MB)} MB${args.tiered ? ` (≤ ${fmt(localRetention / MB)} + 1 row)` : ""}`,
      `${fmt(s.rows)} + ${fmt(s.remote_segments ?? 0)}`,
      fmt(appendRate),
      `${fmt(percentile(append.latenciesMs, 50), 1)} / ${fmt(percentile(append.latenciesMs, 99), 1)}`,
      fmt(appendRowsPerM),
      fmt(appendRate / base.append, 2),
      fmt(readRate),
      `${fmt(percentile(read.latenciesMs, 50), 1)} / ${fmt(percentile(read.latenciesMs, 99), 1)}`,
      fmt(readRowsPerM),
      fmt(readRate / base.read, 2),
      fmt(catchUpRate),
      fmt(catchUpRate / base.catchUp, 2),
    ];
    rows.push(`| ${cells.join(" | ")} |`);
    console.log("done");
  }
  console.log(`\nhost ${args.host}${args.tiered ? `, tiered (local.retention.bytes ${fmt(localRetention / MB)} MB)` : ""}; ratios are to the smallest size's figures (target ≥ 0.83, i.e. within 1.2×)
| Log size | local | rows + remote segments | append records/s | append p50 / p99 ms | append rows written / M | vs smallest | random read records/s | read p50 / p99 ms | read rows read / M | vs smallest | catch-up records/s | vs smallest |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join("\n")}\n`);
} finally {
  await broker.dispose();
}
