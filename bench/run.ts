// `npm run bench`: the broker's produce and fetch paths against Miniflare on this machine, each
// figure beside a platform ceiling measured in the same run (DESIGN.md, benchmark method).
//   (a) binary produce, 1,000 × 100-byte records per batch   vs  a DO storing the same bytes
//   (b) the same records as JSON                             vs  a DO storing the same bytes
//   (c) single-record requests from 100 concurrent producers vs  a DO call that does nothing
//   (d) catch-up fetch of 1,000,000 records                  vs  a DO reading the same bytes back
//       binary, JSON and MessagePack of opaque values, and JSON of values stored as JSON text,
//       each also as a ratio to the binary fetch of the same run
// Ratios are what to compare across machines; absolute numbers drift.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import { parseArgs } from "node:util";
import { LogCore } from "../src/core/batch/log-core.ts";
import { encodeBatch, type RecordInput } from "../src/core/batch/record-batch.ts";
import { nextOffset, percentile, runLoad, send, type LoadResult } from "./lib/load.ts";
import { BENCH_TOKEN, startBroker, startCeiling } from "./lib/servers.ts";

const { values: args } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
const quick = args.quick;
const scale = quick ? 0.1 : 1;
const auth = { authorization: `Bearer ${BENCH_TOKEN}` };
const utf8 = new TextEncoder();

interface Row {
  name: string;
  records: number;
  result: LoadResult;
  bytes: number;
  rowsWritten?: number;
}

const rows: Row[] = [];
const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

function line(row: Row, ceiling?: Row, ratioBy: "records" | "requests" = "records"): string {
  const { result } = row;
  const rate = (r: Row) => (ratioBy === "records" ? r.records : r.result.requests) / r.result.seconds;
  const ratio = ceiling ? fmt(rate(row) / rate(ceiling), 2) : "";
  const rowsPerM = row.rowsWritten === undefined ? "" : fmt((row.rowsWritten / row.records) * 1e6);
  const cells = [
    row.name,
    fmt(row.records / result.seconds),
    fmt(result.requests / result.seconds),
    fmt(row.bytes / result.seconds / 1e6, 1),
    fmt(percentile(result.latenciesMs, 50), 1),
    fmt(percentile(result.latenciesMs, 99), 1),
    rowsPerM,
    ratio,
  ];
  return `| ${cells.join(" | ")} |`;
}

function record(value: Uint8Array, i: number): RecordInput {
  return { key: null, value, headers: [], timestamp: 1_700_000_000_000 + i };
}

async function describe(base: string, topic: string): Promise<{ end_offset: number; rows_written: number; rows: number }> {
  const agent = new http.Agent();
  const res = await send(base, agent, { method: "GET", path: `/v1/topics/${topic}`, headers: auth });
  return JSON.parse(res.body.toString()).partitions[0];
}

async function initProducers(base: string, n: number): Promise<Array<{ producer_id: number; producer_epoch: number }>> {
  const agent = new http.Agent({ keepAlive: true });
  const out = [];
  for (let i = 0; i < n; i++) {
    const res = await send(base, agent, {
      method: "POST",
      path: "/v1/producers",
      headers: { ...auth, "content-type": "application/json" },
      body: utf8.encode("{}"),
    });
    out.push(JSON.parse(res.body.toString()));
  }
  return out;
}

async function createTopic(base: string, name: string): Promise<void> {
  const res = await send(base, new http.Agent(), {
    method: "POST",
    path: "/v1/topics",
    headers: { ...auth, "content-type": "application/json" },
    body: utf8.encode(JSON.stringify({ name, partitions: 1 })),
  });
  if (res.status !== 201) throw new Error(`create ${name}: ${res.status} ${res.body}`);
}

async function main() {
  const core = await LogCore.instantiate(readFileSync(new URL("../build/edgebroker.wasm", import.meta.url)));
  const crc32c = (b: Uint8Array) => core.crc32c(b);
  const value100 = utf8.encode("x".repeat(100));
  const batch = encodeBatch(
    Array.from({ length: 1000 }, (_, i) => record(value100, i)),
    { crc32c },
  );
  const jsonBody = utf8.encode(JSON.stringify({ records: Array.from({ length: 1000 }, () => ({ value: "x".repeat(98) })) }));
  const singleBody = utf8.encode(JSON.stringify({ records: [{ value: "x".repeat(98) }] }));
  console.log(`batch: ${batch.length} bytes binary, ${jsonBody.length} bytes JSON (1,000 records of 100 bytes)`);

  const broker = await startBroker();
  const ceiling = await startCeiling();
  try {
    const batchRequests = Math.round(300 * scale);
    const singleRequests = Math.round(20_000 * scale);

    // Warm both up so JIT and object start-up are outside the measurements.
    await runLoad(ceiling.url, 4, 50, () => ({ method: "POST", path: "/do-store?name=warm", body: batch }));
    await createTopic(broker.url, "warm");
    await runLoad(broker.url, 4, 50, () => ({
      method: "POST",
      path: "/v1/topics/warm/records",
      headers: { ...auth, "content-type": "application/vnd.kafka.record-batch" },
      body: batch,
    }));

    // (a) binary batches
    const storeA = {
      name: "ceiling: DO stores the same bytes (binary)",
      records: batchRequests * 1000,
      bytes: batchRequests * batch.length,
      result: await runLoad(ceiling.url, 4, batchRequests, () => ({ method: "POST", path: "/do-store?name=a", body: batch })),
      rowsWritten: batchRequests,
    };
    await createTopic(broker.url, "bench-a");
    const a = {
      name: "(a) produce binary 1,000 × 100 B",
      records: batchRequests * 1000,
      bytes: batchRequests * batch.length,
      result: await runLoad(broker.url, 4, batchRequests, () => ({
        method: "POST",
        path: "/v1/topics/bench-a/records?partition=0",
        headers: { ...auth, "content-type": "application/vnd.kafka.record-batch" },
        body: batch,
      })),
    } as Row;
    a.rowsWritten = (await describe(broker.url, "bench-a")).rows_written;

    // (b) JSON
    const storeB = {
      name: "ceiling: DO stores the same bytes (JSON)",
      records: batchRequests * 1000,
      bytes: batchRequests * jsonBody.length,
      result: await runLoad(ceiling.url, 4, batchRequests, () => ({ method: "POST", path: "/do-store?name=b", body: jsonBody })),
      rowsWritten: batchRequests,
    };
    await createTopic(broker.url, "bench-b");
    const b = {
      name: "(b) produce JSON 1,000 × 100 B",
      records: batchRequests * 1000,
      bytes: batchRequests * jsonBody.length,
      result: await runLoad(broker.url, 4, batchRequests, () => ({
        method: "POST",
        path: "/v1/topics/bench-b/records",
        headers: { ...auth, "content-type": "application/json" },
        body: jsonBody,
      })),
    } as Row;
    b.rowsWritten = (await describe(broker.url, "bench-b")).rows_written;

    // (a) and (c) again with idempotence on: one producer id per client, sequences in order.
    await createTopic(broker.url, "bench-ai");
    const aProducers = await initProducers(broker.url, 4);
    const templates = aProducers.map((p) =>
      encodeBatch(
        Array.from({ length: 1000 }, (_, i) => record(value100, i)),
        { crc32c, producerId: p.producer_id, producerEpoch: p.producer_epoch, baseSequence: 0 },
      ),
    );
    const sentBy = [0, 0, 0, 0];
    // The next batch of a producer: its template with baseSequence set and the CRC-32C redone
    // (the CRC covers attributes..end, which includes the sequence), ~40 µs in the client.
    const nextBatch = (client: number) => {
      const bytes = templates[client]!.slice();
      const view = new DataView(bytes.buffer);
      view.setInt32(53, sentBy[client]!++ * 1000);
      view.setUint32(17, crc32c(bytes.subarray(21)));
      return bytes;
    };
    const ai = {
      name: "(a) … with idempotence (4 producers)",
      records: batchRequests * 1000,
      bytes: batchRequests * batch.length,
      result: await runLoad(broker.url, 4, batchRequests, (_, client) => ({
        method: "POST",
        path: "/v1/topics/bench-ai/records?partition=0",
        headers: { ...auth, "content-type": "application/vnd.kafka.record-batch" },
        body: nextBatch(client),
      })),
    } as Row;
    ai.rowsWritten = (await describe(broker.url, "bench-ai")).rows_written;
    // Off, on, off again: the idempotence cost is taken against the mean of the two "off" runs so
    // that drift during the run does not count as cost.
    await createTopic(broker.url, "bench-a2");
    const a2 = {
      name: "(a) again, idempotence off",
      records: batchRequests * 1000,
      bytes: batchRequests * batch.length,
      result: await runLoad(broker.url, 4, batchRequests, () => ({
        method: "POST",
        path: "/v1/topics/bench-a2/records?partition=0",
        headers: { ...auth, "content-type": "application/vnd.kafka.record-batch" },
        body: batch,
      })),
    } as Row;
    a2.rowsWritten = (await describe(broker.url, "bench-a2")).rows_written;

    // (c) 100 concurrent single-record producers
    const noopRoute = {
      name: "ceiling: no-op route",
      records: singleRequests,
      bytes: 0,
      result: await runLoad(ceiling.url, 100, singleRequests, () => ({ method: "GET", path: "/noop" })),
    };
    const noopDo = {
      name: "ceiling: DO call that does nothing",
      records: singleRequests,
      bytes: singleRequests * singleBody.length,
      result: await runLoad(ceiling.url, 100, singleRequests, () => ({ method: "POST", path: "/do-noop?name=c", body: singleBody })),
    };
    const storeC = {
      name: "ceiling: DO stores each request (1 row each)",
      records: singleRequests,
      bytes: singleRequests * singleBody.length,
      result: await runLoad(ceiling.url, 100, singleRequests, () => ({ method: "POST", path: "/do-store?name=c", body: singleBody })),
      rowsWritten: singleRequests,
    };
    await createTopic(broker.url, "bench-c");
    const c = {
      name: "(c) produce 1 record × 100 producers",
      records: singleRequests,
      bytes: singleRequests * singleBody.length,
      result: await runLoad(broker.url, 100, singleRequests, () => ({
        method: "POST",
        path: "/v1/topics/bench-c/records",
        headers: { ...auth, "content-type": "application/json" },
        body: singleBody,
      })),
    } as Row;
    c.rowsWritten = (await describe(broker.url, "bench-c")).rows_written;
    await createTopic(broker.url, "bench-ci");
    const cProducers = await initProducers(broker.url, 100);
    const cSeq = new Array(100).fill(0);
    const ci = {
      name: "(c) … with idempotence (100 producers)",
      records: singleRequests,
      bytes: singleRequests * singleBody.length,
      result: await runLoad(broker.url, 100, singleRequests, (_, client) => ({
        method: "POST",
        path: "/v1/topics/bench-ci/records?partition=0",
        body: singleBody,
        headers: {
          ...auth,
          "content-type": "application/json",
          "producer-id": String(cProducers[client]!.producer_id),
          "producer-epoch": String(cProducers[client]!.producer_epoch),
          "producer-seq": String(cSeq[client]++),
        },
      })),
    } as Row;
    ci.rowsWritten = (await describe(broker.url, "bench-ci")).rows_written;
    await createTopic(broker.url, "bench-c2");
    const c2 = {
      name: "(c) again, idempotence off",
      records: singleRequests,
      bytes: singleRequests * singleBody.length,
      result: await runLoad(broker.url, 100, singleRequests, () => ({
        method: "POST",
        path: "/v1/topics/bench-c2/records",
        headers: { ...auth, "content-type": "application/json" },
        body: singleBody,
      })),
    } as Row;
    c2.rowsWritten = (await describe(broker.url, "bench-c2")).rows_written;

    // (d) catch-up fetch: fill a partition with 1,000,000 records, then read it from offset 0.
    const fillBatches = Math.round(1000 * scale);
    const total = fillBatches * 1000;
    await createTopic(broker.url, "bench-d");
    await runLoad(broker.url, 4, fillBatches, () => ({
      method: "POST",
      path: "/v1/topics/bench-d/records?partition=0",
      headers: { ...auth, "content-type": "application/vnd.kafka.record-batch" },
      body: batch,
    }));
    // The same records with values of JSON text (a 98-character JSON string, 100 bytes), as JSON produce stores them.
    const jsonBatch = encodeBatch(
      Array.from({ length: 1000 }, (_, i) => record(utf8.encode(JSON.stringify("x".repeat(98))), i)),
      { crc32c },
    );
    await createTopic(broker.url, "bench-dj");
    await runLoad(broker.url, 4, fillBatches, () => ({
      method: "POST",
      path: "/v1/topics/bench-dj/records?partition=0",
      headers: { ...auth, "content-type": "application/vnd.kafka.record-batch" },
      body: jsonBatch,
    }));
    await runLoad(ceiling.url, 4, fillBatches, () => ({ method: "POST", path: "/do-store?name=d", body: batch }));
    const agent = new http.Agent({ keepAlive: true });
    const fetchAll = async (binary: boolean, kind: "json" | "msgpack" = "json", topic = "bench-d") => {
      const lat: number[] = [];
      let offset = 0;
      let requests = 0;
      let bytes = 0;
      const t0 = process.hrtime.bigint();
      while (offset < total) {
        const s = process.hrtime.bigint();
        const res = await send(
          broker.url,
          agent,
          binary
            ? {
                method: "GET",
                path: `/v1/topics/${topic}/partitions/0/records?offset=${offset}&max_bytes=4194304`,
                headers: { ...auth, accept: "application/vnd.kafka.record-batch" },
              }
            : {
                method: "GET",
                path: `/v1/topics/${topic}/partitions/0/records?offset=${offset}&max_records=10000&max_bytes=4194304`,
                headers: { ...auth, accept: kind === "msgpack" ? "application/msgpack" : "application/json" },
              },
        );
        lat.push(Number(process.hrtime.bigint() - s) / 1e6);
        if (res.status !== 200) throw new Error(`fetch ${offset}: ${res.status} ${res.body}`);
        // next_offset read without decoding the page, so the client's parse stays out of the figure.
        offset = binary ? Number(res.headers["edgebroker-next-offset"]) : nextOffset(res.body, kind);
        bytes += res.body.length;
        requests++;
      }
      lat.sort((x, y) => x - y);
      return { requests, seconds: Number(process.hrtime.bigint() - t0) / 1e9, latenciesMs: lat, bytesIn: bytes };
    };
    await fetchAll(true); // warm-up: the first read brings the pages into SQLite's cache, for every format alike
    // Each format read three times, the rounds interleaved so drift hits all alike; the median counts.
    const rounds: Array<Record<"bin" | "json" | "msgpack" | "jsonValues", LoadResult>> = [];
    for (let round = 0; round < 3; round++) {
      rounds.push({
        bin: await fetchAll(true),
        json: await fetchAll(false),
        msgpack: await fetchAll(false, "msgpack"),
        jsonValues: await fetchAll(false, "json", "bench-dj"),
      });
    }
    const medianOf = (k: keyof (typeof rounds)[number]) => rounds.map((r) => r[k]).sort((x, y) => x.seconds - y.seconds)[1]!;
    const dBin = medianOf("bin");
    const dJson = medianOf("json");
    const dMsgpack = medianOf("msgpack");
    const dJsonValues = medianOf("jsonValues");
    const loadLat: number[] = [];
    let from = 1;
    let loadRequests = 0;
    let loadBytes = 0;
    const tl = process.hrtime.bigint();
    while (from <= fillBatches) {
      const s = process.hrtime.bigint();
      const res = await send(ceiling.url, agent, { method: "GET", path: `/do-load?name=d&from=${from}&max_bytes=4194304` });
      loadLat.push(Number(process.hrtime.bigint() - s) / 1e6);
      from = Number(res.headers["x-next"]);
      loadBytes += res.body.length;
      loadRequests++;
    }
    loadLat.sort((x, y) => x - y);
    const loadD = {
      name: "ceiling: DO reads the same bytes back",
      records: total,
      bytes: loadBytes,
      result: { requests: loadRequests, seconds: Number(process.hrtime.bigint() - tl) / 1e9, latenciesMs: loadLat, bytesIn: loadBytes },
    };
    const d = { name: `(d) catch-up fetch ${fmt(total)} records, binary`, records: total, bytes: dBin.bytesIn, result: dBin };
    const dj = {
      name: `(d) catch-up fetch ${fmt(total)} records, JSON (opaque values)`,
      records: total,
      bytes: dJson.bytesIn,
      result: dJson,
    };
    const dm = { name: `(d) catch-up fetch ${fmt(total)} records, MessagePack`, records: total, bytes: dMsgpack.bytesIn, result: dMsgpack };
    const djv = {
      name: `(d) catch-up fetch ${fmt(total)} records, JSON (JSON values)`,
      records: total,
      bytes: dJsonValues.bytesIn,
      result: dJsonValues,
    };

    const header = [
      "| Scenario | records/s | requests/s | MB/s | p50 ms | p99 ms | rows written / M records | ratio to ceiling |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ];
    const table = [
      ...header,
      line(a, storeA),
      line(ai, storeA),
      line(a2, storeA),
      line(storeA),
      line(b, storeB),
      line(storeB),
      line(c, noopDo, "requests"),
      line(ci, noopDo, "requests"),
      line(c2, noopDo, "requests"),
      line(noopDo),
      line(storeC),
      line(noopRoute),
      line(d, loadD),
      line(dj, loadD),
      line(djv, loadD),
      line(dm, loadD),
      line(loadD),
    ].join("\n");
    const when = new Date().toISOString();
    const miniflare = (await import("miniflare/package.json", { with: { type: "json" } })).default.version;
    const scaleNote = quick ? "QUICK (10% scale)" : "full scale";
    const out = `Measured ${when} on ${process.platform}/${process.arch}, ${scaleNote}, Miniflare ${miniflare}.\n\n${table}\n`;
    console.log(`\n${out}`);
    mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
    writeFileSync(new URL("./results/latest.md", import.meta.url), out);
    const targets = [
      `(a) ratio ${fmt(a.records / a.result.seconds / (storeA.records / storeA.result.seconds), 2)} (target ≥ 0.80), rows/M ${fmt((a.rowsWritten! / a.records) * 1e6)} (target ≤ 1,000)`,
      `(c) ratio ${fmt(c.result.requests / c.result.seconds / (noopDo.result.requests / noopDo.result.seconds), 2)} (target ≥ 0.70), ` +
        `rows/M ${fmt((c.rowsWritten! / c.records) * 1e6)} (target ≤ 50,000)`,
    ];
    const rate = (r: Row) => r.records / r.result.seconds;
    const cost = (off: Row, on: Row, offAgain: Row) => fmt((1 - rate(on) / ((rate(off) + rate(offAgain)) / 2)) * 100, 1);
    const toBinary = (r: Row) => fmt(rate(r) / rate(d), 2);
    targets.push(
      `(d) against the binary fetch: JSON of JSON values ${toBinary(djv)} (target ≥ 0.6), JSON of opaque values ${toBinary(dj)} (target ≥ 0.4), MessagePack ${toBinary(dm)} (target ≥ 0.7)`,
    );
    targets.push(
      `idempotence costs ${cost(a, ai, a2)}% of (a) throughput and ${cost(c, ci, c2)}% of (c), against the mean of the runs before and after (target < 10%)`,
    );
    console.log(targets.join("\n"));
  } finally {
    await broker.dispose();
    await ceiling.dispose();
  }
}

await main();
