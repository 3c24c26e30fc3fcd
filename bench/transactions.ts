// Transactions' cost (issue 17, item 6): the SDK's transactional producer writing N records over P
// partitions per transaction, beside the idempotent producer writing the same records in the same
// groups (a flush where the transaction commits) — the ceiling, measured in the same run against
// the same host. Prints records/s of both, the overhead ratio (Kafka reports a few percent for
// large transactions), and the commit latency (flush of the records excluded) p50/p99.
//
//   node bench/transactions.ts                 (npm run bench:transactions)
//   HOSTS=node,workerd SIZES=100,1000,10000 TXNS=20 node bench/transactions.ts
import { Admin, Producer, type ClientOptions } from "../src/client/index.ts";
import { startRuntime, startWorkerd, type Target } from "../test/contract/hosts-support.ts";

const HOSTS = (process.env.HOSTS ?? "node").split(",").filter(Boolean);
const SIZES = (process.env.SIZES ?? "10,100,1000,10000").split(",").map(Number);
const PARTITIONS = Number(process.env.PARTITIONS ?? 4);
const TXNS = Number(process.env.TXNS ?? 20);
const VALUE = "x".repeat(98); // 100 bytes as stored JSON text

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function topic(options: ClientOptions): Promise<string> {
  const name = `bench-txn-${Math.random().toString(36).slice(2, 8)}`;
  await new Admin(options).createTopic({ name, partitions: PARTITIONS });
  return name;
}

/** `TXNS` groups of `size` records over every partition; `end` closes a group (commit, or flush). */
async function run(
  producer: Producer,
  name: string,
  size: number,
  begin: () => Promise<void>,
  end: () => Promise<void>,
): Promise<{ ms: number; ends: number[] }> {
  const ends: number[] = [];
  const started = performance.now();
  for (let t = 0; t < TXNS; t++) {
    await begin();
    const sends = Array.from({ length: size }, (_, i) => producer.send({ topic: name, partition: i % PARTITIONS, value: VALUE }));
    await producer.flush();
    await Promise.all(sends);
    const e = performance.now();
    await end();
    ends.push(performance.now() - e);
  }
  return { ms: performance.now() - started, ends };
}

async function bench(target: Target): Promise<void> {
  const options = { url: target.url, token: target.token };
  console.log(`\n${target.name}: ${TXNS} transactions per size, over ${PARTITIONS} partitions, 100-byte records`);
  console.log(
    `  ${"records/txn".padEnd(12)} ${"idempotent".padStart(12)} ${"transactional".padStart(14)} ${"ratio".padStart(6)}   commit p50 / p99`,
  );
  for (const size of SIZES) {
    const idempotent = new Producer({ ...options, lingerMs: 0 });
    const plain = await run(
      idempotent,
      await topic(options),
      size,
      async () => undefined,
      async () => undefined,
    );
    await idempotent.close();
    const transactional = new Producer({ ...options, lingerMs: 0, transactionalId: `bench-${Math.random().toString(36).slice(2)}` });
    await transactional.initTransactions();
    const txn = await run(
      transactional,
      await topic(options),
      size,
      () => transactional.beginTransaction(),
      () => transactional.commitTransaction(),
    );
    await transactional.close();
    const rate = (ms: number) => Math.round((size * TXNS) / (ms / 1000));
    const commits = [...txn.ends].sort((a, b) => a - b);
    console.log(
      `  ${String(size).padEnd(12)} ${String(rate(plain.ms)).padStart(10)}/s ${String(rate(txn.ms)).padStart(12)}/s ${(txn.ms / plain.ms).toFixed(2).padStart(5)}×   ${percentile(commits, 0.5).toFixed(1)} / ${percentile(commits, 0.99).toFixed(1)} ms`,
    );
  }
}

for (const host of HOSTS) {
  const target = host === "workerd" ? await startWorkerd() : await startRuntime(host as "node" | "bun" | "deno");
  try {
    await bench(target);
  } finally {
    await target.stop();
  }
}
