// `edgebroker bench produce|consume`: the broker's performance from a client's seat, after
// kafka-producer-perf-test and kafka-consumer-perf-test. produce sends N records of a fixed size
// (optionally at a target rate) and reports records/s, MB/s and send latency percentiles; consume
// reads N records from the beginning and reports records/s and MB/s.
import type { Command } from "commander";
import { Admin, Consumer, Producer } from "../../client/index.ts";
import { latency, throughput, Throttle, type LatencyReport, type ThroughputReport } from "../bench-stats.ts";
import { clientOptions, contextOf, integer, positiveNumber, type Context } from "../context.ts";
import { count, note, printJson } from "../output.ts";

interface ProduceBenchOptions {
  topic: string;
  records: number;
  recordSize: number;
  throughput?: number;
  concurrency: number;
  partitions: number;
  lingerMs?: number;
}

// Sends in flight per producer before waiting, as produce does.
const WINDOW = 2048;

/** Creates the topic when it does not exist, so a bench runs against a fresh broker. */
async function ensureTopic(ctx: Context, topic: string, partitions: number): Promise<void> {
  const admin = new Admin(clientOptions(ctx));
  try {
    await admin.describeTopic(topic);
  } catch (e) {
    if ((e as { code?: string }).code !== "topic_not_found") throw e;
    await admin.createTopic({ name: topic, partitions });
    note(`created topic ${topic} with ${partitions} partition${partitions === 1 ? "" : "s"}`);
  }
}

/** A JSON string value whose stored text (with its quotes) is `size` bytes: random letters. */
function payload(size: number): string {
  const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  let s = "";
  for (let i = 0; i < Math.max(0, size - 2); i++) s += letters[Math.floor(Math.random() * letters.length)];
  return s;
}

async function benchProduce(ctx: Context, opts: ProduceBenchOptions): Promise<ThroughputReport & { latency: LatencyReport }> {
  await ensureTopic(ctx, opts.topic, opts.partitions);
  const value = payload(opts.recordSize);
  const producers = Array.from(
    { length: opts.concurrency },
    () => new Producer({ ...clientOptions(ctx), ...(opts.lingerMs === undefined ? {} : { lingerMs: opts.lingerMs }) }),
  );
  const samples = new Float64Array(opts.records);
  const throttle = new Throttle(opts.throughput);
  let next = 0;
  const started = performance.now();
  // Each worker drives one producer, taking the next record number until all are sent.
  const worker = async (producer: Producer) => {
    let window: Promise<unknown>[] = [];
    while (next < opts.records) {
      const i = next++;
      await throttle.wait(i);
      const t0 = performance.now();
      window.push(producer.send({ topic: opts.topic, value }).then(() => (samples[i] = performance.now() - t0)));
      if (window.length >= WINDOW) {
        await Promise.all(window);
        window = [];
      }
    }
    await Promise.all(window);
    await producer.flush();
  };
  try {
    await Promise.all(producers.map(worker));
  } finally {
    await Promise.all(producers.map((p) => p.close().catch(() => {})));
  }
  const elapsed = performance.now() - started;
  return { ...throughput(opts.records, opts.records * opts.recordSize, elapsed), latency: latency(samples) };
}

interface ConsumeBenchOptions {
  topic: string;
  records?: number;
  group?: string;
}

async function benchConsume(ctx: Context, opts: ConsumeBenchOptions): Promise<ThroughputReport & { first_record_ms: number | null }> {
  const admin = new Admin(clientOptions(ctx));
  const described = await admin.describeTopic(opts.topic);
  const available = described.partitions.reduce((n, p) => n + p.end_offset - p.start_offset, 0);
  const wanted = opts.records ?? available;
  if (wanted > available && !opts.group) note(`the topic holds ${count(available)} records; waiting for ${count(wanted - available)} more`);
  const consumer = new Consumer({
    ...clientOptions(ctx),
    topics: [opts.topic],
    ...(opts.group === undefined ? {} : { group: opts.group }),
    autoOffsetReset: "earliest",
    waitMs: 1000,
  });
  const encoder = new TextEncoder();
  let records = 0;
  let bytes = 0;
  let first: number | null = null;
  const started = performance.now();
  try {
    if (wanted > 0) {
      for await (const r of consumer) {
        first ??= performance.now() - started;
        records++;
        bytes +=
          r.value instanceof Uint8Array
            ? r.value.length
            : typeof r.value === "string"
              ? encoder.encode(r.value).length + 2
              : encoder.encode(JSON.stringify(r.value)).length;
        if (records >= wanted) break;
      }
    }
  } finally {
    await consumer.close();
  }
  const elapsed = performance.now() - started;
  return { ...throughput(records, bytes, elapsed), first_record_ms: first === null ? null : Math.round(first * 10) / 10 };
}

const fixed = (n: number) => n.toFixed(2);

export function registerBench(program: Command): void {
  const bench = program.command("bench").description("measure produce and consume throughput and latency (like kafka-producer-perf-test)");

  bench
    .command("produce")
    .description("send N records of a given size; report records/s, MB/s and latency percentiles")
    .requiredOption("-t, --topic <topic>", "topic (created when missing)")
    .option("-n, --records <n>", "records to send", integer(1), 100_000)
    .option("-s, --record-size <bytes>", "size of each record's value in bytes", integer(2), 100)
    .option("--throughput <records/s>", "target rate (default: as fast as possible)", positiveNumber)
    .option("-c, --concurrency <n>", "producers sending in parallel", integer(1, 256), 1)
    .option("--partitions <n>", "partitions of the topic when it is created", integer(1), 1)
    .option("--linger-ms <ms>", "producer linger (batching delay)", integer(0, 60_000))
    .addHelpText("after", "\nExample:\n  edgebroker bench produce --topic bench --records 100000 --record-size 100 --concurrency 4")
    .action(async (opts: ProduceBenchOptions, cmd: Command) => {
      const ctx = contextOf(cmd);
      const r = await benchProduce(ctx, opts);
      if (ctx.json) return printJson({ topic: opts.topic, record_size: opts.recordSize, concurrency: opts.concurrency, ...r });
      const l = r.latency;
      process.stdout.write(
        `${count(r.records)} records sent, ${count(Math.round(r.records_per_sec))} records/s (${fixed(r.mb_per_sec)} MB/s), ` +
          `${fixed(l.avg_ms)} ms avg latency, ${fixed(l.max_ms)} ms max latency, ` +
          `${fixed(l.p50_ms)} ms 50th, ${fixed(l.p95_ms)} ms 95th, ${fixed(l.p99_ms)} ms 99th, ${fixed(l.p999_ms)} ms 99.9th.\n`,
      );
    });

  bench
    .command("consume")
    .description("read records from the beginning; report records/s and MB/s")
    .requiredOption("-t, --topic <topic>", "topic")
    .option("-n, --records <n>", "records to read (default: all the topic holds now)", integer(1))
    .option("-g, --group <group>", "read as a member of this consumer group")
    .addHelpText("after", "\nExample:\n  edgebroker bench consume --topic bench --records 100000")
    .action(async (opts: ConsumeBenchOptions, cmd: Command) => {
      const ctx = contextOf(cmd);
      const r = await benchConsume(ctx, opts);
      if (ctx.json) return printJson({ topic: opts.topic, ...r });
      process.stdout.write(
        `${count(r.records)} records read in ${fixed(r.elapsed_ms / 1000)} s, ${count(Math.round(r.records_per_sec))} records/s (${fixed(r.mb_per_sec)} MB/s), ` +
          `first record after ${r.first_record_ms ?? "-"} ms.\n`,
      );
    });
}
