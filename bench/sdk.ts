// The SDK's cost over the wire it drives: the Producer and the Consumer beside the same requests
// made with bare fetch (MessagePack, BATCH records per request, one request in flight per
// partition — the shape an idempotent producer sends), in one run against each host, plus the
// SDK alone against a fetch that answers at once (its own CPU ceiling).
//
//   node bench/sdk.ts                     (npm run bench:sdk)
//   RECORDS=200000 HOSTS=node,workerd node bench/sdk.ts
import { decode, encode } from "@msgpack/msgpack";
import { Admin, Consumer, Producer, type ClientOptions, type FetchLike } from "../src/client/index.ts";
import { startRuntime, startWorkerd, type Target } from "../test/contract/hosts-support.ts";

const RECORDS = Number(process.env.RECORDS ?? 100_000);
const HOSTS = (process.env.HOSTS ?? "node,workerd")
  .split(",")
  .map((h) => h.trim())
  .filter(Boolean);
const PARTITIONS = 4;
const BATCH = 5000;
const VALUE = "x".repeat(98); // 100 bytes as stored JSON text
const utf8 = new TextEncoder();

const rate = (n: number, ms: number) => Math.round(n / (ms / 1000));
const row = (label: string, perSec: number, base: number) =>
  console.log(`  ${label.padEnd(44)} ${String(perSec).padStart(9)} records/s  ${(perSec / base).toFixed(2)}×`);

async function topic(options: ClientOptions): Promise<string> {
  const name = `bench-sdk-${Math.random().toString(36).slice(2, 8)}`;
  await new Admin(options).createTopic({ name, partitions: PARTITIONS });
  return name;
}

/** The ceiling: pre-shaped MessagePack requests with bare fetch, one in flight per partition. */
async function rawProduce(t: Target): Promise<number> {
  const name = await topic({ url: t.url, token: t.token });
  const value = utf8.encode(JSON.stringify(VALUE));
  const started = performance.now();
  await Promise.all(
    Array.from({ length: PARTITIONS }, async (_, p) => {
      for (let sent = 0; sent < RECORDS / PARTITIONS; sent += BATCH) {
        const body = encode({ records: Array.from({ length: BATCH }, (_, i) => ({ key: utf8.encode(`k${i}`), value })) });
        const res = await fetch(`${t.url}/v1/topics/${name}/records?partition=${p}`, {
          method: "POST",
          headers: { authorization: `Bearer ${t.token}`, "content-type": "application/msgpack", accept: "application/msgpack" },
          body,
        });
        if (!res.ok) throw new Error(`raw produce: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      }
    }),
  );
  return rate(RECORDS, performance.now() - started);
}

async function sdkProduce(
  options: ClientOptions & { idempotent?: boolean },
  existing?: string,
): Promise<{ perSec: number; topic: string }> {
  const name = existing ?? (await topic(options));
  const producer = new Producer({ ...options, maxBatchRecords: BATCH });
  const started = performance.now();
  let window: Promise<unknown>[] = [];
  for (let i = 0; i < RECORDS; i++) {
    window.push(producer.send({ topic: name, key: `k${i % 1000}`, value: VALUE }));
    if (window.length >= 20_000) {
      await Promise.all(window);
      window = [];
    }
  }
  await Promise.all(window);
  await producer.close();
  return { perSec: rate(RECORDS, performance.now() - started), topic: name };
}

async function sdkConsume(options: ClientOptions, name: string, group: string | undefined): Promise<number> {
  const consumer = new Consumer({
    ...options,
    topics: [name],
    ...(group ? { group } : {}),
    autoOffsetReset: "earliest",
    maxRecords: BATCH,
    waitMs: 0,
  });
  const started = performance.now();
  let n = 0;
  for await (const _ of consumer) if (++n >= RECORDS) break;
  return rate(RECORDS, performance.now() - started);
}

/** A fetch that answers every request at once, so only the SDK's own work is timed. */
const instant: FetchLike = async (url, init) => {
  const reply = (body: unknown) => new Response(encode(body), { headers: { "content-type": "application/msgpack" } });
  if (url.includes("/v1/producers")) return reply({ producer_id: 1, producer_epoch: 0 });
  if (init.method === "GET") return reply({ partitions: Array.from({ length: PARTITIONS }, () => ({})) });
  const { records } = decode(init.body as Uint8Array) as { records: unknown[] };
  return reply({ offsets: records.map((_, offset) => ({ partition: 0, offset })) });
};

async function main(): Promise<void> {
  console.log(
    `${RECORDS} records of 100 B, ${PARTITIONS} partitions, ${BATCH} records per request; ${process.platform} ${process.arch}, Node ${process.versions.node}`,
  );
  const alone = await sdkProduce({ url: "http://sdk.invalid", fetch: instant }, "t");
  console.log(`SDK alone (instant fetch): Producer ${alone.perSec} records/s`);
  for (const host of HOSTS) {
    const t = host === "workerd" ? await startWorkerd() : await startRuntime(host as "node" | "bun" | "deno");
    try {
      const options = { url: t.url, token: t.token };
      const raw = await rawProduce(t);
      console.log(`${host}:`);
      row("bare fetch, produce (the ceiling)", raw, raw);
      const idem = await sdkProduce(options);
      row("Producer, idempotent (default)", idem.perSec, raw);
      row("Producer, idempotent: false", (await sdkProduce({ ...options, idempotent: false })).perSec, raw);
      row("Consumer, group (auto-commit)", await sdkConsume(options, idem.topic, `${idem.topic}-g`), raw);
      row("Consumer, no group", await sdkConsume(options, idem.topic, undefined), raw);
    } finally {
      await t.stop();
    }
  }
}

await main();
