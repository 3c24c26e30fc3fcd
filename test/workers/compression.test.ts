// Compressed batches (gzip, snappy raw and xerial, lz4, zstd) through the real Worker: produced as
// binary, stored and served as produced, read as JSON, MessagePack, SSE, WebSocket and by
// timestamp, compacted; decompression bombs refused with nothing written. The records sections
// come from reference implementations (test/core-support/compression-fixtures.ts).
import { runInDurableObject } from "cloudflare:test";
import { gzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { call, createTopic, expectError, fetchRecords, json, partitionStub, produce, readMsgpack } from "./api-support.ts";
import { encodeBatch, reseal } from "../core-support/batch-builder.ts";
import * as fixtures from "../core-support/compression-fixtures.ts";
import * as kcat from "../core-support/kcat-fixtures.ts";
import { FIXTURE_FIRST_TIMESTAMP, fixturePlainBatch, fixtureRecords, withCompressedRecords } from "../core-support/compressed-batch.ts";
import { join, newGroup, poll } from "./groups-support.ts";
import { SseReader } from "../support/sse-reader.ts";
import { WsSubscriber } from "../support/ws-subscriber.ts";

const BATCH = "application/vnd.kafka.record-batch";
const plain = fixturePlainBatch();
const text = new TextDecoder();
const bytesOf = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

const CODECS: Array<[string, number, string]> = [
  ["gzip", 1, fixtures.gzip],
  ["snappy raw", 2, fixtures.snappyRaw],
  ["snappy xerial", 2, fixtures.snappyXerial],
  ["lz4", 3, fixtures.lz4],
  ["zstd", 4, fixtures.zstd],
];
const batchOf = (codec: number, data: string) => withCompressedRecords(plain, codec, bytesOf(data));

/** What the JSON view must show for fixture record i at `offset`. */
function expected(i: number, offset: number) {
  const r = fixtureRecords()[i]!;
  return {
    offset,
    timestamp: FIXTURE_FIRST_TIMESTAMP + r.timestampDelta!,
    key: r.key ? text.decode(r.key) : null,
    value: r.value ? JSON.parse(text.decode(r.value)) : null,
    headers: Object.fromEntries((r.headers ?? []).filter(([, v]) => v !== null).map(([k, v]) => [k, text.decode(v!)])),
  };
}

async function post(topic: string, body: Uint8Array): Promise<Response> {
  return call(`/v1/topics/${topic}/records?partition=0`, { method: "POST", body, headers: { "content-type": BATCH } });
}

async function postOk(topic: string, body: Uint8Array): Promise<number> {
  const res = await post(topic, body);
  const answer = (await res.json()) as any;
  expect(res.status, JSON.stringify(answer)).toBe(200);
  return answer.offsets[0].offset;
}

describe.each(CODECS)("%s batches", (_name, codec, data) => {
  it("are stored and served as produced and read as JSON and MessagePack", async () => {
    const topic = await createTopic();
    const batch = batchOf(codec, data);
    expect(await postOk(topic, batch)).toBe(0);
    expect(await postOk(topic, batch)).toBe(1200);
    const page = await fetchRecords(topic, 0, "offset=1195&max_records=10");
    expect(page.records).toEqual([1195, 1196, 1197, 1198, 1199, 0, 1, 2, 3, 4].map((i, n) => expected(i, 1195 + n)));
    const mp = await readMsgpack(await call(`/v1/topics/${topic}/partitions/0/records?offset=0&max_records=1200`, { headers: { accept: "application/msgpack" } }));
    expect(mp.records.length).toBe(1200);
    expect(mp.records.map((r: any) => r.value && text.decode(r.value))).toEqual(fixtureRecords().map((r) => r.value && text.decode(r.value)));
    // Binary: the second batch comes back byte for byte, only its base offset assigned.
    const res = await call(`/v1/topics/${topic}/partitions/0/records?offset=1200`, { headers: { accept: BATCH } });
    const served = new Uint8Array(await res.arrayBuffer());
    expect(Number(new DataView(served.buffer).getBigInt64(0))).toBe(1200);
    expect(served.subarray(8)).toEqual(batch.subarray(8));
  });
});

describe("batches produced by librdkafka (kcat)", () => {
  it.each(["gzip", "snappy", "lz4", "zstd"] as const)("%s: accepted and read as JSON", async (name) => {
    const topic = await createTopic();
    expect(await postOk(topic, bytesOf(kcat[name]))).toBe(0);
    const page = await fetchRecords(topic, 0, "offset=295");
    expect(page.records.map((r: any) => [r.offset, r.key, r.value])).toEqual(
      [295, 296, 297, 298, 299].map((i) => [i, `device-${i % 17}`, { seq: i, device: `sensor-${i % 17}`, temp: (i * 7) % 40, ok: true }]),
    );
  });
});

describe("compressed batches on the other read paths", () => {
  it("SSE and WebSocket tails start inside a compressed batch", async () => {
    const topic = await createTopic();
    await postOk(topic, batchOf(4, fixtures.zstd));
    const res = await call(`/v1/topics/${topic}/partitions/0/events?offset=1190`);
    expect(res.status).toBe(200);
    const sse = new SseReader(res.body!);
    const events = await sse.events(10);
    expect(events.map((e) => JSON.parse(e.data))).toEqual(Array.from({ length: 10 }, (_, n) => expected(1190 + n, 1190 + n)));
    await sse.cancel();
    const upgrade = await call(`/v1/topics/${topic}/partitions/0/ws?offset=1197`, { headers: { upgrade: "websocket" } });
    expect(upgrade.status).toBe(101);
    const ws = WsSubscriber.accept(upgrade.webSocket!);
    expect(await ws.records(3)).toEqual([1197, 1198, 1199].map((i) => expected(i, i)));
    ws.close();
  });

  it("offsets by timestamp look inside a compressed batch (timestamps out of order within it)", async () => {
    const topic = await createTopic();
    await postOk(topic, batchOf(3, fixtures.lz4));
    const deltas = fixtureRecords().map((r) => r.timestampDelta!);
    for (const t of [0, 1, 500, 996]) {
      const first = deltas.findIndex((d) => d >= t);
      const res = (await (await call(`/v1/topics/${topic}/partitions/0/offsets?timestamp=${FIXTURE_FIRST_TIMESTAMP + t}`)).json()) as any;
      expect(res).toEqual({ offset: first, timestamp: FIXTURE_FIRST_TIMESTAMP + deltas[first]! });
    }
  });

  it("compaction keeps the latest record per key across compressed batches, recompressing gzip, uncompressing lz4", async () => {
    const topic = await createTopic(1, { "cleanup.policy": "compact", "retention.ms": -1, "delete.retention.ms": 86_400_000 });
    await postOk(topic, batchOf(1, fixtures.gzip)); // offsets 0..1199: superseded by the next batch except null keys
    await postOk(topic, batchOf(3, fixtures.lz4)); // 1200..2399
    await produce(topic, [{ key: "device-0", value: "newest" }]); // the active segment, never rewritten
    const now = FIXTURE_FIRST_TIMESTAMP + 1000; // tombstones are younger than delete.retention.ms
    const run = runInDurableObject as unknown as (stub: unknown, fn: (instance: any) => unknown) => Promise<any>;
    await run(partitionStub(topic, 0), (instance) => instance.log.maintain(now));
    const records = fixtureRecords();
    const keyOf = (i: number) => (records[i % 1200]!.key ? text.decode(records[i % 1200]!.key!) : null);
    const latest = new Map<string, number>();
    for (let o = 0; o < 2400; o++) if (keyOf(o) !== null) latest.set(keyOf(o)!, o);
    latest.set("device-0", 2400);
    const kept = Array.from({ length: 2400 }, (_, o) => o).filter((o) => keyOf(o) === null || latest.get(keyOf(o)!) === o);
    const after = (await fetchRecords(topic, 0, "offset=0&max_records=10000")).records;
    expect(after.map((r: any) => r.offset)).toEqual([...kept, 2400]);
    expect(after.slice(0, -1)).toEqual(kept.map((o) => expected(o % 1200, o)));
    // The binary view shows each rewritten batch's codec: gzip stays gzip, lz4 is stored plain.
    const res = await call(`/v1/topics/${topic}/partitions/0/records?offset=0&max_bytes=4194304`, { headers: { accept: BATCH } });
    const bytes = new Uint8Array(await res.arrayBuffer());
    const view = new DataView(bytes.buffer);
    const codecs: number[] = [];
    for (let p = 0; p < bytes.length; p += 12 + view.getInt32(p + 8)) codecs.push(view.getInt16(p + 21) & 7);
    expect(codecs).toEqual([1, 0, 0]);
  });
});

describe("topic batch limits", () => {
  it("message.timestamp.before.max.ms checks the earliest record inside a compressed batch (a scan of its decompressed records)", async () => {
    // The fixture's timestamps are from 2024; its earliest record is its first (delta 0).
    const strict = await createTopic(1, { "message.timestamp.before.max.ms": 86_400_000 });
    const err = await expectError(await post(strict, batchOf(4, fixtures.zstd)), 400, "invalid_timestamp");
    expect(err.message).toContain(`timestamp ${FIXTURE_FIRST_TIMESTAMP} is more than message.timestamp.before.max.ms`);
    const loose = await createTopic(1, { "message.timestamp.before.max.ms": 10 * 365 * 86_400_000 });
    expect(await postOk(loose, batchOf(4, fixtures.zstd))).toBe(0);
  });

  it("max.message.bytes applies to the batch as produced (compressed), as in Kafka", async () => {
    const batch = batchOf(1, fixtures.gzip); // ~15 KB compressed, ~79 KB of records
    const topic = await createTopic(1, { "max.message.bytes": 20_000 });
    expect(await postOk(topic, batch)).toBe(0);
    const small = await createTopic(1, { "max.message.bytes": 10_000 });
    await expectError(await post(small, batch), 413, "record_too_large");
  });
});

describe("idempotent producers", () => {
  it("a compressed batch's producer fields dedupe a retry and order sequences (the header stays plain)", async () => {
    const topic = await createTopic();
    const res = await json("/v1/producers", "POST", {});
    expect(res.status).toBe(200);
    const p = (await res.json()) as { producer_id: number; producer_epoch: number };
    const as = (seq: number) => {
      const b = batchOf(1, fixtures.gzip).slice();
      const v = new DataView(b.buffer);
      v.setBigInt64(43, BigInt(p.producer_id));
      v.setInt16(51, p.producer_epoch);
      v.setInt32(53, seq);
      return reseal(b);
    };
    expect(await postOk(topic, as(0))).toBe(0);
    expect(await (await post(topic, as(0))).json()).toEqual({ offsets: [{ partition: 0, offset: 0 }], duplicate: true });
    expect(await postOk(topic, as(1200))).toBe(1200);
    expect((await expectError(await post(topic, as(5000)), 409, "out_of_order_sequence")).expected_sequence).toBe(2400);
  });
});

describe("consumer groups", () => {
  it("a member's polls deliver the records of compressed batches, in order, across polls", async () => {
    const topic = await createTopic();
    await postOk(topic, batchOf(2, fixtures.snappyXerial));
    await postOk(topic, batchOf(4, fixtures.zstd));
    const group = newGroup();
    const m = await join(group, { topics: [topic], auto_offset_reset: "earliest" });
    const seen: number[] = [];
    for (let i = 0; i < 20 && seen.length < 2400; i++) {
      const polled = await poll(group, m.member_id, m.member_epoch, { max_records: 1000 });
      for (const r of polled.records) seen.push(r.offset);
      if (polled.records.length > 0) expect(polled.records[0]).toMatchObject({ topic, partition: 0, ...expected(polled.records[0]!.offset % 1200, polled.records[0]!.offset) });
    }
    expect(seen).toEqual(Array.from({ length: 2400 }, (_, i) => i));
  });
});

describe("Durable Streams", () => {
  it("a stream's read serves the values of a compressed batch produced to its topic through /v1", async () => {
    const id = `c${Date.now().toString(36)}`;
    expect((await call(`/ds/comp-${id}`, { method: "PUT", headers: { "content-type": "text/plain" } })).status).toBe(201);
    const small = withCompressedRecords(fixturePlainBatch(30), 1, gzipSync(fixturePlainBatch(30).subarray(61)));
    await postOk(`ds.comp-${id}`, small);
    const read = await call(`/ds/comp-${id}?offset=-1`);
    expect(read.status).toBe(200);
    expect(await read.text()).toBe(fixtureRecords(30).map((r) => (r.value ? text.decode(r.value) : "")).join(""));
  });
});

describe("decompression bombs", () => {
  // A zstd frame (1 MiB window) of 200 RLE blocks of 128 KiB: 25 MiB out of ~800 bytes in.
  function zstdBomb(): Uint8Array {
    const out = [0x28, 0xb5, 0x2f, 0xfd, 0x00, (20 - 10) << 3];
    for (let i = 0; i < 200; i++) out.push(i === 199 ? 0x03 : 0x02, 0x00, 0x10, 0x41);
    return new Uint8Array(out);
  }

  it.each([
    ["gzip", 1, () => gzipSync(new Uint8Array(20 << 20))],
    ["zstd", 4, zstdBomb],
  ] as const)("%s: refused with the limit named, nothing written", async (_n, codec, make) => {
    const topic = await createTopic();
    const bomb = withCompressedRecords(plain, codec, make());
    expect(bomb.length).toBeLessThan(64 * 1024);
    const err = await expectError(await post(topic, bomb), 400, "invalid_batch");
    expect(err).toMatchObject({ reason: "decompression_limit" });
    expect(err.message).toContain("limit of 16777216 bytes");
    expect((await fetchRecords(topic, 0, "offset=latest")).high_watermark).toBe(0);
  });

  it("corrupt compressed records and codecs 5-7 are 400s", async () => {
    const topic = await createTopic();
    const cut = withCompressedRecords(plain, 1, bytesOf(fixtures.gzip).subarray(0, 5000));
    expect(await expectError(await post(topic, cut), 400, "invalid_batch")).toMatchObject({ reason: "corrupt_compression" });
    const codec7 = withCompressedRecords(plain, 7, bytesOf(fixtures.gzip));
    expect(await expectError(await post(topic, codec7), 400, "invalid_batch")).toMatchObject({ reason: "unsupported_compression" });
    // Plain records marked compressed.
    const marked = withCompressedRecords(plain, 2, encodeBatch({ records: [{ value: new Uint8Array([1, 2, 3]) }] }).subarray(61));
    expect(await expectError(await post(topic, marked), 400, "invalid_batch")).toMatchObject({ reason: "corrupt_compression" });
  });
});
