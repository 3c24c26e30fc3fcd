// `node bench/workerd-single.ts [--rounds N] [--requests N] [--only a,b]`: where a single-record JSON
// produce spends its time in workerd (issue #20 item 5). In one run, against the broker and the
// ceiling worker (bench/ceiling-worker.js) each in its own Miniflare/workerd process, interleaved
// round by round so drift hits all alike, 100 concurrent clients of one request each:
//   noop      the ceiling worker's route that does nothing (no Durable Object)
//   do-noop   a Durable Object RPC that does nothing (bench:produce's ceiling)
//   do-store  a Durable Object RPC inserting the request bytes as one SQLite row (no group commit)
//   healthz   the broker's /healthz (Hono, before any middleware)
//   produce   the broker's single-record JSON produce (one partition)
// For each: requests/s, p50, p99, and the workerd process's CPU per request (utime + stime of the
// process over the round, /proc), which repeats far better than a rate on a shared machine.
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { percentile, runLoad, send, type RequestSpec } from "./lib/load.ts";
import { BENCH_TOKEN, startBroker, startCeiling } from "./lib/servers.ts";
import { profileWorker } from "./lib/workerd-profile.ts";

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    requests: { type: "string", default: "5000" },
    only: { type: "string", default: "noop,do-noop,do-store,healthz,produce" },
    /** Profile this worker of the broker's workerd ("core:user:" the broker, "core:entry" Miniflare's entry) over one produce round. */
    profile: { type: "string" },
    /** The case --profile profiles (default produce; a ceiling case profiles the ceiling's workerd). */
    "profile-case": { type: "string", default: "produce" },
    /** Before the rounds, 200 JSON batches of 1,000 records to another topic of the broker (as bench:produce runs them first). */
    "after-batch": { type: "boolean", default: false },
  },
});
const ROUNDS = Number(args.rounds);
const REQUESTS = Number(args.requests);
const CONCURRENCY = 100;
const utf8 = new TextEncoder();
const body = utf8.encode(JSON.stringify({ records: [{ value: "x".repeat(98) }] }));
const auth = { authorization: `Bearer ${BENCH_TOKEN}`, "content-type": "application/json" };

/** The workerd processes this one started (Miniflare spawns one per instance), oldest first. */
function workerdPids(): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) === process.pid && stat.includes("(workerd)")) out.push(Number(d));
    } catch {
      // gone
    }
  }
  return out.sort((a, b) => a - b);
}

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, clock ticks of 10 ms
}

const before = new Set(workerdPids());
const INSPECTOR_PORT = 9431;
const broker = await startBroker({}, undefined, args.profile ? { inspectorPort: INSPECTOR_PORT } : {});
const brokerPid = workerdPids().find((p) => !before.has(p))!;
const seen = new Set(workerdPids());
const ceiling = await startCeiling(args.profile ? { inspectorPort: INSPECTOR_PORT + 1 } : {});
const ceilingPid = workerdPids().find((p) => !seen.has(p))!;
if (!brokerPid || !ceilingPid) throw new Error("could not find the workerd processes");

const res = await send(broker.url, new http.Agent(), {
  method: "POST",
  path: "/v1/topics",
  headers: auth,
  body: utf8.encode(JSON.stringify({ name: "one", partitions: 1 })),
});
if (res.status >= 300) throw new Error(`create topic: ${res.status} ${res.body}`);

if (args["after-batch"]) {
  const batch = utf8.encode(JSON.stringify({ records: Array.from({ length: 1000 }, () => ({ value: "x".repeat(98) })) }));
  await send(broker.url, new http.Agent(), {
    method: "POST",
    path: "/v1/topics",
    headers: auth,
    body: utf8.encode(JSON.stringify({ name: "batch", partitions: 1 })),
  });
  await runLoad(broker.url, 4, 200, () => ({ method: "POST", path: "/v1/topics/batch/records", headers: auth, body: batch }));
}

const cases: Record<string, { url: string; pid: number; spec: () => RequestSpec }> = {
  noop: { url: ceiling.url, pid: ceilingPid, spec: () => ({ method: "GET", path: "/noop" }) },
  "do-noop": { url: ceiling.url, pid: ceilingPid, spec: () => ({ method: "POST", path: "/do-noop", body }) },
  "do-store": { url: ceiling.url, pid: ceilingPid, spec: () => ({ method: "POST", path: "/do-store", body }) },
  healthz: { url: broker.url, pid: brokerPid, spec: () => ({ method: "GET", path: "/healthz" }) },
  produce: {
    url: broker.url,
    pid: brokerPid,
    spec: () => ({ method: "POST", path: "/v1/topics/one/records", headers: auth, body }),
  },
};
const names = args.only.split(",");
const results: Record<string, Array<{ rate: number; p50: number; p99: number; cpu: number }>> = {};
try {
  for (const name of names) await runLoad(cases[name]!.url, CONCURRENCY, 1000, cases[name]!.spec); // warm-up
  if (args.profile) {
    const c = cases[args["profile-case"]]!;
    const out = join(tmpdir(), `workerd-${args["profile-case"]}.cpuprofile`);
    const port = c.url === broker.url ? INSPECTOR_PORT : INSPECTOR_PORT + 1;
    const top = await profileWorker(port, args.profile, () => runLoad(c.url, CONCURRENCY, REQUESTS, c.spec), out);
    console.log(`${out}: frames with the most self time\n${top.join("\n")}`);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names) {
      const c = cases[name]!;
      const cpu0 = cpuMs(c.pid);
      const r = await runLoad(c.url, CONCURRENCY, REQUESTS, c.spec);
      const cpu = (cpuMs(c.pid) - cpu0) / REQUESTS;
      (results[name] ??= []).push({
        rate: REQUESTS / r.seconds,
        p50: percentile(r.latenciesMs, 50),
        p99: percentile(r.latenciesMs, 99),
        cpu,
      });
    }
  }
} finally {
  await broker.dispose();
  await ceiling.dispose();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const f = (n: number, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
console.log(
  `\n${new Date().toISOString()}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}; ${ROUNDS} rounds × ${REQUESTS} requests, ${CONCURRENCY} clients; medians, every round's rate in brackets\n`,
);
console.log("| case | req/s | p50 ms | p99 ms | p99/p50 | workerd CPU ms/req | req/s ÷ do-noop (per round) |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
for (const name of ROUNDS > 0 ? names : []) {
  const xs = results[name]!;
  const ratios = results["do-noop"] ? xs.map((x, i) => (x.rate / results["do-noop"]![i]!.rate).toFixed(2)).join(", ") : "";
  console.log(
    `| ${name} | ${f(median(xs.map((x) => x.rate)))} (${xs.map((x) => f(x.rate)).join(", ")}) | ${f(median(xs.map((x) => x.p50)), 1)} | ${f(median(xs.map((x) => x.p99)), 1)} | ${f(median(xs.map((x) => x.p99 / x.p50)), 1)} | ${f(median(xs.map((x) => x.cpu)), 3)} | ${ratios} |`,
  );
}
