// The Kafka listener beside the binary HTTP API, on the Node standalone host in one run:
//   produce — the same RecordBatch bytes (BATCH records of 100 bytes each) sent one request at a
//             time as Kafka Produce (raw frames over one connection) and as HTTP POST
//             application/vnd.kafka.record-batch (the baseline: the same partition append), then
//             kafkajs producer.send and kcat -P for what real clients get;
//   consume — the whole partition read back as Kafka Fetch (raw), as HTTP GET of record batches
//             (the baseline), and by kcat -C.
// Prints records/s, MB/s and per-request latency p50/p99, each with its ratio to the HTTP baseline.
//
//   node bench/kafka.ts                 (npm run bench:kafka)
//   RECORDS=200000 BATCH=1000 node bench/kafka.ts
import { readFile } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { LogCore } from "../src/core/batch/log-core.ts";
import { encodeBatch, type RecordInput } from "../src/core/batch/record-batch.ts";
import { Reader } from "../src/kafka/protocol/reader.ts";
import { Writer } from "../src/kafka/protocol/writer.ts";
import { WASM_URL } from "../src/runtime/broker.ts";
import { percentile } from "./lib/load.ts";
import { ADMIN, http, kafkajs, kcat, startKafkaHost, type KafkaHost } from "../test/kafka/support.ts";

const RECORDS = Number(process.env.RECORDS ?? 50_000);
const BATCH = Number(process.env.BATCH ?? 500);
const VALUE_BYTES = 100;

interface Result { label: string; records: number; bytes: number; ms: number; latencies: number[] }

function report(results: Result[], baseline: Result): void {
  const base = baseline.records / (baseline.ms / 1000);
  for (const r of results) {
    const perSec = r.records / (r.ms / 1000);
    const sorted = [...r.latencies].sort((a, b) => a - b);
    const lat = sorted.length ? `p50 ${percentile(sorted, 50).toFixed(2)} ms  p99 ${percentile(sorted, 99).toFixed(2)} ms` : "(one process)";
    console.log(`  ${r.label.padEnd(40)} ${String(Math.round(perSec)).padStart(9)} records/s ${(r.bytes / 1e6 / (r.ms / 1000)).toFixed(1).padStart(7)} MB/s  ${(perSec / base).toFixed(2)}×  ${lat}`);
  }
}

/** A minimal Kafka client: SASL/PLAIN, then one request at a time over one connection. */
class RawKafka {
  private buffer: Buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  private corr = 0;
  private readonly socket: Socket;
  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (d: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, d]) : d;
      this.wake?.();
    });
  }

  static async open(bootstrap: string): Promise<RawKafka> {
    const [host, port] = bootstrap.split(":");
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(Number(port), host!, () => resolve(s));
      s.once("error", reject);
    });
    socket.setNoDelay(true);
    const c = new RawKafka(socket);
    await c.call(17, 1, (w) => w.nullableString("PLAIN"));
    await c.call(36, 1, (w) => w.nullableBytes(new TextEncoder().encode(`\u0000${ADMIN.user}\u0000${ADMIN.password}`)));
    return c;
  }

  async call(apiKey: number, version: number, body: (w: Writer) => void): Promise<Reader> {
    const w = new Writer(1 << 16);
    w.int32(0).int16(apiKey).int16(version).int32(++this.corr).nullableString("bench");
    body(w);
    w.patchInt32(0, w.offset - 4);
    this.socket.write(w.finish());
    for (;;) {
      if (this.buffer.length >= 4 && this.buffer.length >= 4 + this.buffer.readInt32BE(0)) {
        const size = this.buffer.readInt32BE(0);
        const frame = new Uint8Array(this.buffer.subarray(4, 4 + size));
        this.buffer = this.buffer.subarray(4 + size);
        const r = new Reader(frame);
        r.int32();
        return r;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

async function main(): Promise<void> {
  const core = await LogCore.instantiate(await readFile(WASM_URL));
  const value = new Uint8Array(VALUE_BYTES).fill(120);
  const batches: Uint8Array[] = [];
  for (let sent = 0; sent < RECORDS; sent += BATCH) {
    const records: RecordInput[] = Array.from({ length: Math.min(BATCH, RECORDS - sent) }, (_, i) => ({ key: null, value, headers: [], timestamp: Date.now() + i }));
    batches.push(encodeBatch(records, { crc32c: (b) => core.crc32c(b) }));
  }
  const bytes = batches.reduce((n, b) => n + b.length, 0);
  const host: KafkaHost = await startKafkaHost("node");
  console.log(`bench:kafka — Node host, ${RECORDS} records of ${VALUE_BYTES} B in requests of ${BATCH}, one request in flight`);
  try {
    const topic = async (name: string) => {
      const r = await http(host.http, host.token, "POST", "/v1/topics", { name, partitions: 1 });
      if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${await r.text()}`);
    };
    for (const t of ["b-http", "b-kafka", "b-kafkajs", "b-kcat"]) await topic(t);

    // Produce.
    const timed = async (label: string, send: (b: Uint8Array) => Promise<void>): Promise<Result> => {
      const latencies: number[] = [];
      const started = performance.now();
      for (const b of batches) {
        const t0 = performance.now();
        await send(b);
        latencies.push(performance.now() - t0);
      }
      return { label, records: RECORDS, bytes, ms: performance.now() - started, latencies };
    };
    const httpProduce = await timed("HTTP POST record-batch (baseline)", async (b) => {
      const r = await http(host.http, host.token, "POST", "/v1/topics/b-http/records?partition=0", b);
      if (r.status !== 200) throw new Error(`HTTP produce ${r.status} ${await r.text()}`);
      await r.arrayBuffer();
    });
    const raw = await RawKafka.open(host.bootstrap);
    const kafkaProduce = await timed("Kafka Produce v7 (raw frames)", async (b) => {
      const r = await raw.call(0, 7, (w) => w.nullableString(null).int16(-1).int32(30_000).int32(1).nullableString("b-kafka").int32(1).int32(0).nullableBytes(b));
      r.int32(); r.nullableString(); r.int32(); r.int32();
      const code = r.int16();
      if (code !== 0) throw new Error(`Kafka produce error ${code}`);
    });
    const kafka = kafkajs(host.bootstrap);
    const producer = kafka.producer();
    await producer.connect();
    const messages = Array.from({ length: BATCH }, () => ({ value: Buffer.from(value) }));
    const jsProduce = await timed("kafkajs producer.send", async () => {
      await producer.send({ topic: "b-kafkajs", acks: -1, messages });
    });
    await producer.disconnect();
    const lines = `${"x".repeat(VALUE_BYTES)}\n`.repeat(RECORDS);
    const kcatStarted = performance.now();
    const kp = await kcat(host.bootstrap, ["-P", "-t", "b-kcat", "-p", "0", "-X", `batch.num.messages=${BATCH}`, "-X", "linger.ms=5"], { input: lines });
    if (kp.code !== 0) throw new Error(`kcat -P: ${kp.stderr}`);
    const kcatProduce: Result = { label: "kcat -P (whole process)", records: RECORDS, bytes, ms: performance.now() - kcatStarted, latencies: [] };
    console.log("produce:");
    report([httpProduce, kafkaProduce, jsProduce, kcatProduce], httpProduce);

    // Consume the HTTP-produced partition, 1 MiB per request.
    const readAll = async (label: string, fetchFrom: (offset: number) => Promise<number>): Promise<Result> => {
      const latencies: number[] = [];
      const started = performance.now();
      let offset = 0;
      while (offset < RECORDS) {
        const t0 = performance.now();
        offset = await fetchFrom(offset);
        latencies.push(performance.now() - t0);
      }
      return { label, records: RECORDS, bytes, ms: performance.now() - started, latencies };
    };
    const httpConsume = await readAll("HTTP GET record-batch (baseline)", async (offset) => {
      const r = await http(host.http, host.token, "GET", `/v1/topics/b-http/partitions/0/records?offset=${offset}&max_bytes=1048576`, undefined, { accept: "application/vnd.kafka.record-batch" });
      await r.arrayBuffer();
      return Number(r.headers.get("edgebroker-next-offset"));
    });
    const kafkaConsume = await readAll("Kafka Fetch v11 (raw frames)", async (offset) => {
      const r = await raw.call(1, 11, (w) => w.int32(-1).int32(0).int32(1).int32(1_048_576).int8(0).int32(0).int32(-1)
        .int32(1).nullableString("b-http").int32(1).int32(0).int32(-1).int64(offset).int64(-1).int32(1_048_576).int32(0).nullableString(""));
      r.int32(); r.int16(); r.int32(); r.int32(); r.nullableString(); r.int32(); r.int32();
      if (r.int16() !== 0) throw new Error("fetch error");
      r.int64(); r.int64(); r.int64();
      for (let n = r.int32(); n > 0; n--) { r.int64(); r.int64(); }
      r.int32();
      const records = r.nullableBytes()!;
      // Walk the batches to the next offset: baseOffset int64 + lastOffsetDelta at byte 23.
      const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
      let next = offset;
      for (let at = 0; at + 61 <= records.length; at += 12 + view.getInt32(at + 8)) next = Number(view.getBigInt64(at)) + view.getInt32(at + 23) + 1;
      return next;
    });
    raw.close();
    const kcStarted = performance.now();
    const kc = await kcat(host.bootstrap, ["-C", "-t", "b-http", "-p", "0", "-o", "beginning", "-e", "-q", "-f", "%o\n"]);
    const seen = kc.stdout.toString().trim().split("\n").length;
    if (seen !== RECORDS) throw new Error(`kcat -C read ${seen} records`);
    const kcatConsume: Result = { label: "kcat -C (whole process)", records: RECORDS, bytes, ms: performance.now() - kcStarted, latencies: [] };
    console.log("consume:");
    report([httpConsume, kafkaConsume, kcatConsume], httpConsume);
  } finally {
    await host.stop();
  }
}

await main();
