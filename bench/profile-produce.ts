// `node bench/profile-produce.ts [--workload one|batch] [--format json|binary] [--requests N]`:
// the standalone Node server under `node --cpu-prof` while it takes produce requests — single
// JSON records from 100 concurrent producers (`one`, the IoT pattern) or 1,000-record bodies from
// 4 clients (`batch`) — then the frames with the most self time (share of non-idle samples).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { LogCore } from "../src/core/batch/log-core.ts";
import { encodeBatch } from "../src/core/batch/record-batch.ts";
import { runLoad, send } from "./lib/load.ts";
import { BENCH_TOKEN } from "./lib/servers.ts";
import { startServer } from "../test/contract/hosts-support.ts";
import { topFrames } from "./lib/cpu-profile.ts";

const { values: args } = parseArgs({
  options: {
    workload: { type: "string", default: "one" },
    format: { type: "string", default: "json" },
    requests: { type: "string" },
  },
});
const auth = { authorization: `Bearer ${BENCH_TOKEN}` };
const utf8 = new TextEncoder();
const one = args.workload === "one";
const requests = Number(args.requests ?? (one ? 5000 : 100));

const profDir = new URL("./results/profile/", import.meta.url).pathname;
rmSync(profDir, { recursive: true, force: true });
mkdirSync(profDir, { recursive: true });
const dataDir = mkdtempSync(join(tmpdir(), "edgebroker-profile-"));
const server = await startServer("node", { dataDir, env: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profDir}` } });
try {
  const core = await LogCore.instantiate(readFileSync(new URL("../build/edgebroker.wasm", import.meta.url)));
  const n = one ? 1 : 1000;
  const value = utf8.encode("x".repeat(100));
  const body =
    args.format === "binary"
      ? encodeBatch(
          Array.from({ length: n }, (_, i) => ({ key: null, value, headers: [], timestamp: Date.now() + i })),
          { crc32c: (b) => core.crc32c(b) },
        )
      : utf8.encode(JSON.stringify({ records: Array.from({ length: n }, () => ({ value: "x".repeat(98) })) }));
  const contentType = args.format === "binary" ? "application/vnd.kafka.record-batch" : "application/json";
  await send(server.url, new http.Agent(), {
    method: "POST",
    path: "/v1/topics",
    headers: { ...auth, "content-type": "application/json" },
    body: utf8.encode(JSON.stringify({ name: "p", partitions: 1 })),
  });
  const t0 = process.hrtime.bigint();
  await runLoad(server.url, one ? 100 : 4, requests, () => ({
    method: "POST",
    path: "/v1/topics/p/records", // as bench/produce.ts sends it: a one-partition topic, no query
    headers: { ...auth, "content-type": contentType },
    body,
  }));
  const rate = (requests * n) / (Number(process.hrtime.bigint() - t0) / 1e9);
  console.log(`${args.workload} ${args.format} produce: ${Math.round(rate).toLocaleString("en-US")} records/s`);
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
const file = readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
if (!file) throw new Error(`no profile in ${profDir}`);
console.log(`\nself time (% of non-idle samples), ${file}:\n${topFrames(join(profDir, file), 25).join("\n")}`);
