// `npm run bench:groups`: consumer groups against Miniflare on this machine (DESIGN.md, benchmark
// method: figures beside a ceiling measured in the same run).
//   (a) ceiling: one consumer catching up on a 4-partition topic of 1,000,000 records with the
//       plain fetch route (no group), partition after partition
//   (b) a group of 4 members draining the same topic (each poll = heartbeat + fan-out fetch +
//       position update), records/s and the ratio to (a)
//   (c) failover: a member of a two-member group dies; time from its last poll until the other
//       member receives a record from one of its partitions (session timeout 1 s, alarm-driven)
// `--quick` uses 100,000 records.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Miniflare } from "miniflare";

const { values: args } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
const TOTAL = args.quick ? 100_000 : 1_000_000;
const PARTITIONS = 4;
const TOKEN = "bench-admin-token";
const PER_REQUEST = 5_000;
const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function startBroker(): Promise<{ url: string; dispose(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "edgebroker-bench-groups-"));
  const outdir = join(dir, "bundle");
  execFileSync("wrangler", ["deploy", "--dry-run", "--outdir", outdir], {
    stdio: "ignore",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  if (!readdirSync(outdir).includes("index.js")) throw new Error(`wrangler produced no index.js in ${outdir}`);
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(outdir, "index.js"),
    modulesRoot: outdir,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2026-07-01",
    durableObjects: {
      PARTITION: { className: "PartitionObject", useSQLite: true },
      CLUSTER: { className: "ClusterObject", useSQLite: true },
      KEY: { className: "KeyObject", useSQLite: true },
      METRICS: { className: "MetricsObject", useSQLite: true },
      CONNECTOR: { className: "ConnectorObject", useSQLite: true },
      SUBSCRIPTIONS: { className: "SubscriptionsObject", useSQLite: true },
      GROUP: { className: "GroupObject", useSQLite: true },
      TXN: { className: "TxnObject", useSQLite: true },
    },
    durableObjectsPersist: join(dir, "state"),
    bindings: { EDGEBROKER_ADMIN_TOKEN: TOKEN },
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  return {
    url,
    dispose: async () => {
      await mf.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function api(base: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function fill(base: string, topic: string): Promise<void> {
  const value = "x".repeat(80);
  const requests = TOTAL / PER_REQUEST;
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < requests) {
        const i = next++;
        await api(base, "POST", `/v1/topics/${topic}/records?partition=${i % PARTITIONS}`, {
          records: Array.from({ length: PER_REQUEST }, () => ({ value })),
        });
      }
    }),
  );
}

async function ceiling(base: string, topic: string): Promise<number> {
  const started = performance.now();
  let got = 0;
  for (let p = 0; p < PARTITIONS; p++) {
    let offset = 0;
    for (;;) {
      const r = await api(base, "GET", `/v1/topics/${topic}/partitions/${p}/records?offset=${offset}&max_records=10000&max_bytes=4194304`);
      if (r.records.length === 0) break;
      got += r.records.length;
      offset = r.next_offset;
    }
  }
  if (got !== TOTAL) throw new Error(`ceiling read ${got} records, expected ${TOTAL}`);
  return (performance.now() - started) / 1000;
}

async function drain(
  base: string,
  topic: string,
): Promise<{ seconds: number; polls: number; duplicates: number; p50: number; p99: number }> {
  const group = `bench-${Date.now()}`;
  const members = [];
  for (let i = 0; i < 4; i++)
    members.push(
      await api(base, "POST", `/v1/groups/${group}/members`, { topics: [topic], auto_offset_reset: "earliest", member_id: `m${i}` }),
    );
  // Records are delivered in offset order per partition, so the distinct records delivered are
  // the sum of (highest offset + 1); anything beyond is a redelivery.
  const end = Array.from({ length: PARTITIONS }, () => 0);
  const distinct = () => end.reduce((a, b) => a + b, 0);
  let got = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    members.map(async (m) => {
      let epoch = m.member_epoch;
      while (distinct() < TOTAL) {
        const t = performance.now();
        const r = await api(base, "POST", `/v1/groups/${group}/members/${m.member_id}/poll`, {
          member_epoch: epoch,
          max_records: 10_000,
          max_bytes: 4_194_304,
          wait_ms: 200,
        });
        latencies.push(performance.now() - t);
        epoch = r.member_epoch;
        got += r.records.length;
        for (const rec of r.records) end[rec.partition] = Math.max(end[rec.partition]!, rec.offset + 1);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { seconds, polls: latencies.length, duplicates: got - distinct(), p50: pct(0.5), p99: pct(0.99) };
}

async function failover(base: string): Promise<{ ms: number; sessionMs: number }> {
  const topic = `failover-${Date.now()}`;
  await api(base, "POST", "/v1/topics", { name: topic, partitions: 2 });
  const group = `failover-${Date.now()}`;
  const sessionMs = 1_000;
  const dying = await api(base, "POST", `/v1/groups/${group}/members`, {
    topics: [topic],
    session_timeout_ms: sessionMs,
    member_id: "dying",
  });
  const alive = await api(base, "POST", `/v1/groups/${group}/members`, { topics: [topic], session_timeout_ms: 30_000, member_id: "alive" });
  const dyingEpoch = (await api(base, "POST", `/v1/groups/${group}/members/dying/poll`, { member_epoch: dying.member_epoch })).member_epoch;
  const orphan: number = (await api(base, "POST", `/v1/groups/${group}/members/dying/poll`, { member_epoch: dyingEpoch })).assignment[0]
    .partitions[0];
  const died = performance.now(); // last sign of life
  let stop = false;
  const producer = (async () => {
    while (!stop) {
      await api(base, "POST", `/v1/topics/${topic}/records`, { records: [{ value: "tick", partition: orphan }] });
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  let epoch = alive.member_epoch;
  for (;;) {
    const r = await api(base, "POST", `/v1/groups/${group}/members/alive/poll`, { member_epoch: epoch, wait_ms: 100 });
    epoch = r.member_epoch;
    if (r.records.some((rec: any) => rec.partition === orphan)) break;
  }
  const ms = performance.now() - died;
  stop = true;
  await producer;
  return { ms, sessionMs };
}

const broker = await startBroker();
try {
  const topic = `drain-${Date.now()}`;
  await api(broker.url, "POST", "/v1/topics", { name: topic, partitions: PARTITIONS });
  const t0 = performance.now();
  await fill(broker.url, topic);
  console.log(`filled ${fmt(TOTAL)} records (${PARTITIONS} partitions) in ${fmt((performance.now() - t0) / 1000, 1)} s`);
  const ceilingSeconds = await ceiling(broker.url, topic);
  const group = await drain(broker.url, topic);
  const fo = await failover(broker.url);
  console.log("");
  console.log("| Measure | records/s | seconds | ratio to ceiling |");
  console.log("| --- | --- | --- | --- |");
  console.log(`| (a) ceiling: 1 consumer, plain fetch, catch-up | ${fmt(TOTAL / ceilingSeconds)} | ${fmt(ceilingSeconds, 1)} | 1.00 |`);
  console.log(
    `| (b) group of 4 members draining | ${fmt(TOTAL / group.seconds)} | ${fmt(group.seconds, 1)} | ${fmt(ceilingSeconds / group.seconds, 2)} |`,
  );
  console.log("");
  console.log(
    `(b): ${fmt(group.polls)} polls of up to 10,000 records, poll latency p50 ${fmt(group.p50, 1)} ms, p99 ${fmt(group.p99, 1)} ms, ${fmt(group.duplicates)} records delivered twice`,
  );
  console.log("");
  console.log(
    `(c) failover: member died → its partition consumed by the other member after ${fmt(fo.ms)} ms (session timeout ${fmt(fo.sessionMs)} ms)`,
  );
} finally {
  await broker.dispose();
}
