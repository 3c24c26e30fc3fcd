// `npm run bench:connectors`: the HTTP sink's throughput beside the plain consumer group reading
// the same topic, in the same run, on the Worker in Miniflare (DESIGN.md, benchmark method).
//   (a) ceiling: one HTTP group member polling and committing the whole topic
//   (b) an HTTP sink delivering the same topic to a local receiver that answers 200 at once
//       (records/s counted from the connector's creation to the last record received)
// `--records N` (default 50,000), `--batch N` (the sink's batch.max.records and the poll's
// max_records, default 500), `--partitions N` (default 2).
import { parseArgs } from "node:util";
import { startBroker, BENCH_TOKEN } from "./lib/servers.ts";
import { startReceiver } from "./lib/sink-receiver.ts";

const { values: args } = parseArgs({
  options: {
    records: { type: "string", default: "50000" },
    batch: { type: "string", default: "500" },
    partitions: { type: "string", default: "2" },
  },
});
const TOTAL = Number(args.records);
const BATCH = Number(args.batch);
const PARTITIONS = Number(args.partitions);
const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function api(base: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${BENCH_TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function fill(base: string, topic: string): Promise<void> {
  const value = { note: "x".repeat(80) };
  for (let sent = 0, i = 0; sent < TOTAL; i++) {
    const n = Math.min(5_000, TOTAL - sent);
    await api(base, "POST", `/v1/topics/${topic}/records?partition=${i % PARTITIONS}`, {
      records: Array.from({ length: n }, () => ({ value })),
    });
    sent += n;
  }
}

/** (a) One group member, polling `BATCH` records at a time and committing what it got. */
async function groupConsumer(base: string, topic: string): Promise<number> {
  const group = `bench-${Date.now()}`;
  const m = await api(base, "POST", `/v1/groups/${group}/members`, { topics: [topic], auto_offset_reset: "earliest", auto_commit: false });
  let epoch = m.member_epoch;
  let got = 0;
  const started = performance.now();
  while (got < TOTAL) {
    const r = await api(base, "POST", `/v1/groups/${group}/members/${m.member_id}/poll`, {
      member_epoch: epoch,
      max_records: BATCH,
      wait_ms: 100,
    });
    epoch = r.member_epoch;
    got += r.records.length;
    const last = new Map<number, number>();
    for (const rec of r.records) last.set(rec.partition, rec.offset + 1);
    if (last.size > 0)
      await api(base, "POST", `/v1/groups/${group}/members/${m.member_id}/commit`, {
        member_epoch: epoch,
        offsets: [...last].map(([partition, offset]) => ({ topic, partition, offset })),
      });
  }
  return (performance.now() - started) / 1000;
}

const receiver = await startReceiver();
const broker = await startBroker({ EDGEBROKER_CONNECT_LOOPBACK: "1" });
try {
  const topic = `sink-${Date.now()}`;
  await api(broker.url, "POST", "/v1/topics", { name: topic, partitions: PARTITIONS });
  await fill(broker.url, topic);
  console.log(`filled ${fmt(TOTAL)} records of ~100 bytes (${PARTITIONS} partitions); batches of ${fmt(BATCH)}`);
  const groupSeconds = await groupConsumer(broker.url, topic);

  const distinct = new Set<string>();
  const started = performance.now();
  await api(broker.url, "POST", "/v1/connectors", {
    name: "bench",
    config: {
      "connector.class": "http-sink",
      topics: topic,
      "http.url": `${receiver.url}/bench`,
      "batch.max.records": BATCH,
      "batch.linger.ms": 0,
    },
  });
  let seen = 0;
  while (distinct.size < TOTAL) {
    for (; seen < receiver.received.length; seen++)
      for (const r of receiver.received[seen]!.records) distinct.add(`${r.partition}/${r.offset}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  const sinkSeconds = (performance.now() - started) / 1000;
  const requests = receiver.received.length;

  console.log("");
  console.log("| Measure | records/s | seconds | ratio to (a) |");
  console.log("| --- | --- | --- | --- |");
  console.log(`| (a) ceiling: plain group member, poll + commit | ${fmt(TOTAL / groupSeconds)} | ${fmt(groupSeconds, 2)} | 1.00 |`);
  console.log(
    `| (b) HTTP sink → local receiver | ${fmt(TOTAL / sinkSeconds)} | ${fmt(sinkSeconds, 2)} | ${fmt(groupSeconds / sinkSeconds, 2)} |`,
  );
  console.log("");
  console.log(`(b): ${fmt(requests)} POSTs, ${fmt(TOTAL / requests, 0)} records each on average`);
} finally {
  await broker.dispose();
  await receiver.close();
}
