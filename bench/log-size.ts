// `npm run bench:log-size`: does the cost of appending and reading grow with a partition's
// history? One partition is filled to 10 MB, 100 MB and 1 GB (`--quick`: 1, 10, 100 MB) of
// 1,000 × 100-byte record batches; at each size the same append and random-read workloads run, and
// their time and storage rows per million records are printed beside the smallest size's figures.
import { readFileSync } from "node:fs";
import http from "node:http";
import { parseArgs } from "node:util";
import { LogCore } from "../src/core/batch/log-core.ts";
import { encodeBatch } from "../src/core/batch/record-batch.ts";
import { percentile, runLoad, send } from "./lib/load.ts";
import { BENCH_TOKEN, startBroker } from "./lib/servers.ts";

const { values: args } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
const MB = 1_000_000;
const sizes = args.quick ? [1 * MB, 10 * MB, 100 * MB] : [10 * MB, 100 * MB, 1000 * MB];
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

const broker = await startBroker();
const agent = new http.Agent({ keepAlive: true });
const stats = async () =>
  JSON.parse((await send(broker.url, agent, { method: "GET", path: "/v1/topics/history", headers: auth })).body.toString()).partitions[0];
try {
  await send(broker.url, agent, {
    method: "POST",
    path: "/v1/topics",
    headers: { ...auth, "content-type": "application/json" },
    body: new TextEncoder().encode('{"name":"history","partitions":1,"config":{"retention.ms":-1}}'),
  });
  const rows: string[] = [];
  let base: { append: number; read: number } | undefined;
  for (const size of sizes) {
    const have = (await stats()).bytes as number;
    const fill = Math.max(0, Math.ceil((size - have) / batch.length));
    process.stdout.write(`filling to ${fmt(size / MB)} MB (${fill} batches)… `);
    await runLoad(broker.url, 4, fill, () => produceSpec);
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
    const readRecords = read.bytesIn / (batch.length / 1000);
    const readRowsPerM = ((afterRead.rows_read - afterAppend.rows_read) / readRecords) * 1e6;
    const appendRate = (appends * 1000) / append.seconds;
    const readRate = readRecords / read.seconds;
    base ??= { append: appendRate, read: readRate };
    const cells = [
      `${fmt(afterRead.bytes / MB)} MB, ${fmt(afterRead.rows)} rows`,
      fmt(appendRate),
      `${fmt(percentile(append.latenciesMs, 50), 1)} / ${fmt(percentile(append.latenciesMs, 99), 1)}`,
      fmt(appendRowsPerM),
      fmt(appendRate / base.append, 2),
      fmt(readRate),
      `${fmt(percentile(read.latenciesMs, 50), 1)} / ${fmt(percentile(read.latenciesMs, 99), 1)}`,
      fmt(readRowsPerM),
      fmt(readRate / base.read, 2),
    ];
    rows.push(`| ${cells.join(" | ")} |`);
    console.log("done");
  }
  console.log(`\n| Log size | append records/s | append p50 / p99 ms | append rows written / M | vs smallest | random read records/s | read p50 / p99 ms | read rows read / M | vs smallest |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join("\n")}\n`);
} finally {
  await broker.dispose();
}
