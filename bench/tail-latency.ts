// End-to-end tail latency: from the produce acknowledgement (the answer reaching the producer) to
// the record arriving at a subscriber — SSE, WebSocket, and the long-poll fetch beside them in the
// same run — with 1 and SUBSCRIBERS (default 1,000) subscribers, against the Worker in Miniflare
// and the standalone Node server (HOSTS: any of workerd, node, bun, deno).
//
//   node bench/tail-latency.ts            (npm run bench:tail)
//   SUBSCRIBERS=200 RECORDS=100 HOSTS=workerd,bun node bench/tail-latency.ts
//
// The producer sends one record at a time and waits until every subscriber has it before sending
// the next, so each figure is the latency of one delivery, not of a queue. Two clocks per delivery:
// from the acknowledgement (signed: a subscriber often has the record before the producer has its
// answer, since both leave the partition object at the same time — negative means "before the ack")
// and from the moment the produce request was sent (always positive; includes the commit).
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BENCH_TOKEN, startBroker, type Server } from "./lib/servers.ts";
import { startServer, type Runtime } from "../test/contract/hosts-support.ts";
import { percentile, send } from "./lib/load.ts";

const MANY = Number(process.env.SUBSCRIBERS ?? 1000);
const RECORDS = Number(process.env.RECORDS ?? 200);
const HOSTS = (process.env.HOSTS ?? "workerd,node")
  .split(",")
  .map((h) => h.trim())
  .filter(Boolean);
const auth = { authorization: `Bearer ${BENCH_TOKEN}` };

type Mode = "sse" | "ws" | "long-poll";

interface Subscriber {
  close(): void;
}

/** Arrival times of each record (by its value `seq`), per subscriber. */
class Arrivals {
  private readonly times = new Map<number, number[]>();
  private readonly waiters = new Map<number, () => void>();
  private readonly expected: number;
  constructor(expected: number) {
    this.expected = expected;
  }
  arrived(seq: number): void {
    const now = performance.now();
    const list = this.times.get(seq) ?? [];
    list.push(now);
    this.times.set(seq, list);
    if (list.length === this.expected) this.waiters.get(seq)?.();
  }
  all(seq: number, timeoutMs = 30_000): Promise<number[]> {
    const list = this.times.get(seq);
    if (list && list.length >= this.expected) return Promise.resolve(list);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`record ${seq}: ${this.times.get(seq)?.length ?? 0}/${this.expected} arrivals`)),
        timeoutMs,
      );
      this.waiters.set(seq, () => {
        clearTimeout(timer);
        resolve(this.times.get(seq)!);
      });
    });
  }
}

function sseSubscriber(base: string, path: string, agent: http.Agent, onValue: (v: any) => void): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      new URL(`${path}/events?offset=latest`, base),
      { agent, headers: { ...auth, accept: "text/event-stream" } },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`SSE: ${res.statusCode}`));
        let buffer = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buffer += chunk;
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = block.split("\n").find((l) => l.startsWith("data: "));
            if (block.includes("event: record") && data) onValue(JSON.parse(data.slice(6)).value);
          }
        });
        res.on("error", () => undefined);
        resolve({ close: () => req.destroy() });
      },
    );
    req.on("error", (err) => (req.destroyed ? undefined : reject(err)));
    req.end();
  });
}

function wsSubscriber(base: string, path: string, onValue: (v: any) => void): Promise<Subscriber> {
  // Node's WebSocket is undici's, which takes extra request headers (not in the browser API).
  const ws = new WebSocket(`${base.replace(/^http/, "ws")}${path}/ws?offset=latest`, { headers: auth } as never);
  return new Promise((resolve, reject) => {
    ws.addEventListener("open", () => resolve({ close: () => ws.close() }));
    ws.addEventListener("error", (e) => reject(new Error(`WebSocket: ${String((e as ErrorEvent).message ?? e.type)}`)));
    ws.addEventListener("message", (e) => {
      const msg = JSON.parse(String(e.data));
      if (msg.type !== "records") return;
      for (const r of msg.records) onValue(r.value);
      ws.send(JSON.stringify({ type: "ack", offset: msg.next_offset }));
    });
  });
}

function longPollSubscriber(base: string, path: string, agent: http.Agent, start: number, onValue: (v: any) => void): Subscriber {
  let open = true;
  let next = start;
  void (async () => {
    while (open) {
      const res = await send(base, agent, { method: "GET", path: `${path}/records?offset=${next}&wait_ms=20000`, headers: auth }).catch(
        () => undefined,
      );
      if (!res || !open) continue;
      const body = JSON.parse(res.body.toString());
      for (const r of body.records) onValue(r.value);
      next = body.next_offset;
    }
  })();
  return { close: () => (open = false) };
}

async function run(base: string, mode: Mode, subscribers: number, records: number): Promise<{ fromAck: number[]; fromSend: number[] }> {
  const topic = `lat-${mode}-${subscribers}-${Date.now().toString(36)}`;
  const created = await send(base, new http.Agent(), {
    method: "POST",
    path: "/v1/topics",
    headers: { ...auth, "content-type": "application/json" },
    body: Buffer.from(JSON.stringify({ name: topic, partitions: 1 })),
  });
  if (created.status !== 201) throw new Error(`create topic: ${created.status} ${created.body}`);
  const path = `/v1/topics/${topic}/partitions/0`;
  const arrivals = new Arrivals(subscribers);
  const agent = new http.Agent({ keepAlive: true, maxSockets: subscribers + 1 });
  const subs: Subscriber[] = [];
  for (let i = 0; i < subscribers; i += 50) {
    const batch = Array.from({ length: Math.min(50, subscribers - i) }, () =>
      mode === "sse"
        ? sseSubscriber(base, path, agent, (v) => arrivals.arrived(v))
        : mode === "ws"
          ? wsSubscriber(base, path, (v) => arrivals.arrived(v))
          : Promise.resolve(longPollSubscriber(base, path, agent, 0, (v) => arrivals.arrived(v))),
    );
    subs.push(...(await Promise.all(batch)));
  }
  await new Promise((r) => setTimeout(r, 500)); // let every subscriber reach its wait
  const producer = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const fromAck: number[] = [];
  const fromSend: number[] = [];
  for (let seq = 0; seq < records; seq++) {
    const sent = performance.now();
    const res = await send(base, producer, {
      method: "POST",
      path: `/v1/topics/${topic}/records`,
      headers: { ...auth, "content-type": "application/json" },
      body: Buffer.from(JSON.stringify({ records: [{ value: seq }] })),
    });
    const acked = performance.now();
    if (res.status !== 200) throw new Error(`produce: ${res.status}`);
    for (const t of await arrivals.all(seq)) {
      fromAck.push(t - acked);
      fromSend.push(t - sent);
    }
  }
  for (const s of subs) s.close();
  agent.destroy();
  producer.destroy();
  return { fromAck: fromAck.sort((a, b) => a - b), fromSend: fromSend.sort((a, b) => a - b) };
}

/** workerd (Miniflare, the bundle wrangler deploys) or a standalone server on a fresh data directory. */
async function startHost(host: string): Promise<Server> {
  if (host === "workerd") return startBroker();
  if (!["node", "bun", "deno"].includes(host)) throw new Error(`HOSTS: unknown host "${host}" (workerd, node, bun, deno)`);
  const dataDir = mkdtempSync(join(tmpdir(), `edgebroker-tail-${host}-`));
  const server = await startServer(host as Runtime, { dataDir, token: BENCH_TOKEN });
  return {
    url: server.url,
    async dispose() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

console.log(`tail latency: produce acknowledgement → arrival at each subscriber (${new Date().toISOString().slice(0, 10)})`);
console.log("| host | mode | subscribers | deliveries | from ack p50 ms | from ack p99 ms | from send p50 ms | from send p99 ms |");
console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const host of HOSTS) {
  const server = await startHost(host);
  try {
    for (const subscribers of [1, MANY]) {
      for (const mode of ["long-poll", "sse", "ws"] as Mode[]) {
        const records = subscribers === 1 ? RECORDS : Math.max(10, Math.round(RECORDS / 10));
        try {
          const { fromAck: a, fromSend: s } = await run(server.url, mode, subscribers, records);
          const f = (v: number) => v.toFixed(2);
          console.log(
            `| ${host} | ${mode} | ${subscribers} | ${a.length} | ${f(percentile(a, 50))} | ${f(percentile(a, 99))} | ${f(percentile(s, 50))} | ${f(percentile(s, 99))} |`,
          );
        } catch (err) {
          console.log(`| ${host} | ${mode} | ${subscribers} | failed: ${(err as Error).message} | | | | |`);
        }
      }
    }
  } finally {
    await server.dispose();
  }
}
