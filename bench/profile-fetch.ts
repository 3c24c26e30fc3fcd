// `node bench/profile-fetch.ts [--values json|opaque|both] [--format json|msgpack] [--records N]`:
// fills a partition on the standalone Node server, restarts it under `node --cpu-prof` on the
// same data, reads the partition back as JSON (or MessagePack) catch-up fetches of 10,000
// records, stops the server and prints the frames with the most self time from the profile it
// wrote (bench/results/profile/*.cpuprofile), so the profile holds the reads and not the fill.
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
    values: { type: "string", default: "both" },
    format: { type: "string", default: "json" },
    records: { type: "string", default: "100000" },
  },
});
const auth = { authorization: `Bearer ${BENCH_TOKEN}` };
const utf8 = new TextEncoder();
const total = Number(args.records);

const profDir = new URL("./results/profile/", import.meta.url).pathname;
rmSync(profDir, { recursive: true, force: true });
mkdirSync(profDir, { recursive: true });
const dataDir = mkdtempSync(join(tmpdir(), "edgebroker-profile-"));
const kinds = args.values === "both" ? ["opaque", "json"] : [args.values!];
let server = await startServer("node", { dataDir });
try {
  const core = await LogCore.instantiate(readFileSync(new URL("../build/edgebroker.wasm", import.meta.url)));
  const opaque = utf8.encode("x".repeat(100));
  const asJson = utf8.encode(JSON.stringify("x".repeat(98)));
  let agent = new http.Agent({ keepAlive: true });
  for (const kind of kinds) {
    const value = kind === "json" ? asJson : opaque;
    const batch = encodeBatch(
      Array.from({ length: 1000 }, (_, i) => ({ key: null, value, headers: [], timestamp: Date.now() + i })),
      { crc32c: (b) => core.crc32c(b) },
    );
    await send(server.url, agent, {
      method: "POST",
      path: "/v1/topics",
      headers: { ...auth, "content-type": "application/json" },
      body: utf8.encode(JSON.stringify({ name: `p-${kind}`, partitions: 1 })),
    });
    await runLoad(server.url, 4, total / 1000, () => ({
      method: "POST",
      path: `/v1/topics/p-${kind}/records?partition=0`,
      headers: { ...auth, "content-type": "application/vnd.kafka.record-batch" },
      body: batch,
    }));
  }
  agent.destroy();
  await server.stop();
  server = await startServer("node", { dataDir, env: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profDir}` } });
  agent = new http.Agent({ keepAlive: true });
  for (const kind of kinds) {
    const accept = args.format === "msgpack" ? "application/msgpack" : "application/json";
    const t0 = process.hrtime.bigint();
    for (let offset = 0; offset < total; offset += 10_000) {
      const res = await send(server.url, agent, {
        method: "GET",
        path: `/v1/topics/p-${kind}/partitions/0/records?offset=${offset}&max_records=10000&max_bytes=4194304`,
        headers: { ...auth, accept },
      });
      if (res.status !== 200) throw new Error(`${res.status} ${res.body}`);
    }
    console.log(
      `${args.format} catch-up, ${kind} values: ${Math.round(total / (Number(process.hrtime.bigint() - t0) / 1e9)).toLocaleString("en-US")} records/s`,
    );
  }
  agent.destroy();
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
const file = readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
if (!file) throw new Error(`no profile in ${profDir}`);
console.log(`\nself time (% of non-idle samples), ${file}:\n${topFrames(join(profDir, file)).join("\n")}`);
