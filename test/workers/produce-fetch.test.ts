import { describe, expect, it } from "vitest";
import { partitionForKey } from "../../src/core/topics/partitioner.ts";
import { call, createTopic, fetchRecords, json, msgpack, produce, readMsgpack } from "./api-support.ts";

const utf8 = new TextEncoder();

describe("produce and fetch", () => {
  it("appends JSON records and reads them back in order with their fields", async () => {
    const topic = await createTopic();
    const offsets = await produce(topic, [
      { key: "k1", value: { n: 1 }, headers: { source: "test" }, timestamp: 1_700_000_000_000 },
      { value: "plain string" },
      { key: null, value: null },
      { key_b64: "AP8=", value_b64: "//79" },
    ]);
    expect(offsets).toEqual([0, 1, 2, 3].map((offset) => ({ partition: 0, offset })));
    const page = await fetchRecords(topic, 0);
    expect(page.next_offset).toBe(4);
    expect(page.high_watermark).toBe(4);
    expect(page.records[0]).toEqual({ offset: 0, timestamp: 1_700_000_000_000, key: "k1", value: { n: 1 }, headers: { source: "test" } });
    expect(page.records[1]).toMatchObject({ offset: 1, key: null, value: "plain string" });
    expect(page.records[2]).toMatchObject({ offset: 2, key: null, value: null });
    expect(page.records[3]).toMatchObject({ offset: 3, key_b64: "AP8=", value_b64: "//79" });
    expect(Math.abs(page.records[1].timestamp - Date.now())).toBeLessThan(60_000);

    const more = await produce(topic, [{ value: 5 }]);
    expect(more).toEqual([{ partition: 0, offset: 4 }]);
    const tail = await fetchRecords(topic, 0, "offset=3");
    expect(tail.records.map((r: any) => r.offset)).toEqual([3, 4]);
  });

  it("routes keyed records to Kafka's partition and spreads unkeyed ones", async () => {
    const topic = await createTopic(6);
    const keys = Array.from({ length: 60 }, (_, i) => `device-${i}`);
    const offsets = await produce(
      topic,
      keys.map((key) => ({ key, value: key })),
    );
    offsets.forEach((o, i) => expect(o.partition).toBe(partitionForKey(utf8.encode(keys[i]!), 6)));
    // Per partition, records keep request order with consecutive offsets.
    for (let p = 0; p < 6; p++) {
      const expected = keys.filter((k) => partitionForKey(utf8.encode(k), 6) === p);
      const page = await fetchRecords(topic, p);
      expect(page.records.map((r: any) => r.value)).toEqual(expected);
      expect(page.records.map((r: any) => r.offset)).toEqual(expected.map((_, i) => i));
    }
    const seen = new Set<number>();
    for (let i = 0; i < 40; i++) for (const o of await produce(topic, [{ value: i }])) seen.add(o.partition);
    expect(seen.size).toBeGreaterThan(1);
  });

  it("honours an explicit partition", async () => {
    const topic = await createTopic(3);
    expect(await produce(topic, [{ key: "x", value: 1, partition: 2 }])).toEqual([{ partition: 2, offset: 0 }]);
    // ?partition= applies to every record that does not name its own.
    const res = await json(`/v1/topics/${topic}/records?partition=1`, "POST", {
      records: [{ key: "a", value: 1 }, { value: 2 }, { value: 3, partition: 0 }],
    });
    expect(((await res.json()) as any).offsets).toEqual([
      { partition: 1, offset: 0 },
      { partition: 1, offset: 1 },
      { partition: 0, offset: 0 },
    ]);
  });

  it("round-trips raw bytes through MessagePack", async () => {
    const topic = await createTopic();
    const value = new Uint8Array([0, 255, 1, 254, 10]);
    const res = await msgpack(
      `/v1/topics/${topic}/records`,
      "POST",
      {
        records: [
          { key: new Uint8Array([255, 1]), value, headers: { h: new Uint8Array([0xc3]), t: new Uint8Array([104, 105]) }, timestamp: 123 },
          { key: "text", value: { a: 1 } },
        ],
      },
      { accept: "application/msgpack" },
    );
    expect(res.status).toBe(200);
    expect((await readMsgpack(res)).offsets).toEqual([
      { partition: 0, offset: 0 },
      { partition: 0, offset: 1 },
    ]);
    const page = await readMsgpack(
      await call(`/v1/topics/${topic}/partitions/0/records?offset=0`, { headers: { accept: "application/vnd.msgpack" } }),
    );
    expect(page.records[0].key).toEqual(new Uint8Array([255, 1]));
    expect(page.records[0].value).toEqual(value);
    expect(page.records[0].headers.h).toEqual(new Uint8Array([0xc3]));
    expect(page.records[0].timestamp).toBe(123);
    expect(new TextDecoder().decode(page.records[1].value)).toBe('{"a":1}');
    // The same bytes in JSON: what is not UTF-8 comes as base64.
    const asJson = await fetchRecords(topic, 0);
    expect(asJson.records[0]).toMatchObject({ key_b64: "/wE=", value_b64: "AP8B/go=", headers: { t: "hi" }, headers_b64: { h: "ww==" } });
    expect(asJson.records[1]).toMatchObject({ key: "text", value: { a: 1 } });
  });

  it("limits a fetch by max_records and max_bytes and pages with next_offset", async () => {
    const topic = await createTopic();
    for (let i = 0; i < 5; i++)
      await produce(
        topic,
        Array.from({ length: 10 }, (_, j) => ({ value: i * 10 + j })),
      );
    const page = await fetchRecords(topic, 0, "offset=7&max_records=5");
    expect(page.records.map((r: any) => r.value)).toEqual([7, 8, 9, 10, 11]);
    expect(page.next_offset).toBe(12);
    // max_bytes smaller than a batch still returns the first whole batch, never nothing.
    const small = await fetchRecords(topic, 0, "offset=12&max_bytes=1");
    expect(small.records.map((r: any) => r.offset)).toEqual([12, 13, 14, 15, 16, 17, 18, 19]);
    let offset = 0;
    const all: number[] = [];
    while (offset < 50) {
      const p = await fetchRecords(topic, 0, `offset=${offset}&max_records=7`);
      all.push(...p.records.map((r: any) => r.value));
      offset = p.next_offset;
    }
    expect(all).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("accepts offset=earliest and offset=latest", async () => {
    const topic = await createTopic();
    await produce(topic, [{ value: 1 }, { value: 2 }]);
    expect((await fetchRecords(topic, 0, "offset=earliest")).records).toHaveLength(2);
    const latest = await fetchRecords(topic, 0, "offset=latest");
    expect(latest).toMatchObject({ records: [], next_offset: 2, high_watermark: 2 });
  });

  it("long-polls: answers as soon as a record arrives, or empty at the deadline", async () => {
    const topic = await createTopic();
    const started = Date.now();
    const empty = await fetchRecords(topic, 0, "offset=0&wait_ms=300");
    expect(empty.records).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);

    const waiting = fetchRecords(topic, 0, "offset=0&wait_ms=20000");
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await produce(topic, [{ value: "wake" }]);
    const page = await waiting;
    expect(page.records.map((r: any) => r.value)).toEqual(["wake"]);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it("serves binary batches with offsets in headers", async () => {
    const topic = await createTopic();
    await produce(topic, [{ value: 1 }, { value: 2 }]);
    await produce(topic, [{ value: 3 }]);
    const res = await call(`/v1/topics/${topic}/partitions/0/records?offset=1`, {
      headers: { accept: "application/vnd.kafka.record-batch" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/vnd.kafka.record-batch");
    expect(res.headers.get("edgebroker-next-offset")).toBe("3");
    expect(res.headers.get("edgebroker-high-watermark")).toBe("3");
    const bytes = new Uint8Array(await res.arrayBuffer());
    // Whole batches: the first starts at offset 0, before the requested offset, as in Kafka.
    const view = new DataView(bytes.buffer);
    expect(Number(view.getBigInt64(0))).toBe(0);
    expect(bytes[16]).toBe(2); // magic
  });

  it("accepts JSON with a charset parameter", async () => {
    const topic = await createTopic();
    const res = await json(
      `/v1/topics/${topic}/records`,
      "POST",
      { records: [{ value: 1 }] },
      { "content-type": "application/json; charset=utf-8" },
    );
    expect(res.status).toBe(200);
  });
});
