// Produce and fetch in the HTTP API contract, on every host: JSON, MessagePack and binary
// RecordBatch v2 bodies, keyed records on Kafka's partition for the key, paging by records and
// bytes, and concurrent producers to one partition.
import { encode } from "@msgpack/msgpack";
import { partitionForKey } from "../../src/core/topics/partitioner.ts";
import { describe, expect, it } from "vitest";
import { type ContractContext, BATCH, utf8 } from "./contract-support.ts";

export function produceFetchSuite(t: ContractContext): void {
  const { call, msgpack, expectError, createTopic, produce, fetchPage, batchOf } = t;

  describe("produce and fetch", () => {
    it("JSON: offsets in request order, records read back with their fields", async () => {
      const topic = await createTopic();
      const offsets = await produce(topic, [
        { key: "k1", value: { n: 1 }, headers: { source: "contract" }, timestamp: 1_700_000_000_000 },
        { value: "plain string" },
        { key: null, value: null },
        { key_b64: "AP8=", value_b64: "//79" },
      ]);
      expect(offsets).toEqual([0, 1, 2, 3].map((offset) => ({ partition: 0, offset })));
      const page = await fetchPage(topic, 0);
      expect(page).toMatchObject({ next_offset: 4, high_watermark: 4, log_start_offset: 0 });
      expect(page.records[0]).toEqual({
        offset: 0,
        timestamp: 1_700_000_000_000,
        key: "k1",
        value: { n: 1 },
        headers: { source: "contract" },
      });
      expect(page.records[1]).toMatchObject({ offset: 1, key: null, value: "plain string" });
      expect(page.records[2]).toMatchObject({ offset: 2, key: null, value: null });
      expect(page.records[3]).toMatchObject({ offset: 3, key_b64: "AP8=", value_b64: "//79" });
      expect(Math.abs(page.records[1].timestamp - Date.now())).toBeLessThan(60_000);
      expect(await produce(topic, [{ value: 5 }])).toEqual([{ partition: 0, offset: 4 }]);
    });

    it("keyed records land on Kafka's partition for the key; explicit partitions win", async () => {
      const topic = await createTopic(4);
      const keys = Array.from({ length: 24 }, (_, i) => `device-${i}`);
      const offsets = await produce(
        topic,
        keys.map((key) => ({ key, value: key })),
      );
      offsets.forEach((o, i) => expect(o.partition).toBe(partitionForKey(utf8.encode(keys[i]!), 4)));
      for (let p = 0; p < 4; p++) {
        const expected = keys.filter((k) => partitionForKey(utf8.encode(k), 4) === p);
        expect((await fetchPage(topic, p)).records.map((r: any) => r.value)).toEqual(expected);
      }
      const explicit = await produce(
        topic,
        [
          { key: "a", value: 1 },
          { value: 2, partition: 3 },
        ],
        "?partition=2",
      );
      expect(explicit.map((o) => o.partition)).toEqual([2, 3]);
    });

    it("MessagePack: raw bytes in, raw bytes out; JSON shows them as base64", async () => {
      const topic = await createTopic();
      const value = new Uint8Array([0, 255, 1, 254, 10]);
      const res = await call(`/v1/topics/${topic}/records`, {
        method: "POST",
        body: encode({
          records: [
            {
              key: new Uint8Array([255, 1]),
              value,
              headers: { h: new Uint8Array([0xc3]), t: new Uint8Array([104, 105]) },
              timestamp: 123,
            },
            { key: "text", value: { a: 1 } },
          ],
        }),
        headers: { "content-type": "application/msgpack", accept: "application/msgpack" },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("msgpack");
      expect((await msgpack(res)).offsets).toEqual([
        { partition: 0, offset: 0 },
        { partition: 0, offset: 1 },
      ]);
      const page = await msgpack(
        await call(`/v1/topics/${topic}/partitions/0/records?offset=0`, { headers: { accept: "application/vnd.msgpack" } }),
      );
      expect(page.records[0].key).toEqual(new Uint8Array([255, 1]));
      expect(page.records[0].value).toEqual(value);
      expect(page.records[0].headers.h).toEqual(new Uint8Array([0xc3]));
      expect(page.records[0].timestamp).toBe(123);
      expect(new TextDecoder().decode(page.records[1].value)).toBe('{"a":1}');
      const asJson = await fetchPage(topic, 0);
      expect(asJson.records[0]).toMatchObject({
        key_b64: "/wE=",
        value_b64: "AP8B/go=",
        headers: { t: "hi" },
        headers_b64: { h: "ww==" },
      });
      expect(asJson.records[1]).toMatchObject({ key: "text", value: { a: 1 } });
    });

    it("binary RecordBatch v2: stored as sent with only the base offset assigned, served byte for byte", async () => {
      const topic = await createTopic(2);
      const first = batchOf(["a", "b", "c"]);
      const second = batchOf(["d"]);
      const body = new Uint8Array(first.length + second.length);
      body.set(first);
      body.set(second, first.length);
      const res = await call(`/v1/topics/${topic}/records?partition=1`, { method: "POST", body, headers: { "content-type": BATCH } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        offsets: [
          { partition: 1, offset: 0 },
          { partition: 1, offset: 3 },
        ],
      });

      const read = await call(`/v1/topics/${topic}/partitions/1/records?offset=1`, { headers: { accept: BATCH } });
      expect(read.status).toBe(200);
      expect(read.headers.get("content-type")).toBe(BATCH);
      expect(read.headers.get("edgebroker-next-offset")).toBe("4");
      expect(read.headers.get("edgebroker-high-watermark")).toBe("4");
      expect(read.headers.get("edgebroker-log-start-offset")).toBe("0");
      const bytes = new Uint8Array(await read.arrayBuffer());
      // Whole batches from the one holding offset 1; the second's base offset patched to 3.
      const expected = body.slice();
      new DataView(expected.buffer).setBigInt64(first.length, 3n);
      expect(bytes).toEqual(expected);
      expect((await fetchPage(topic, 1, "offset=2")).records.map((r: any) => [r.offset, r.value])).toEqual([
        [2, "c"],
        [3, "d"],
      ]);

      // A multi-partition topic needs ?partition= for a binary body.
      await expectError(
        await call(`/v1/topics/${topic}/records`, { method: "POST", body: first, headers: { "content-type": BATCH } }),
        400,
        "invalid_parameter",
      );
    });

    it("pages with max_records / max_bytes / next_offset; earliest and latest", async () => {
      const topic = await createTopic();
      for (let i = 0; i < 5; i++)
        await produce(
          topic,
          Array.from({ length: 10 }, (_, j) => ({ value: i * 10 + j })),
        );
      const page = await fetchPage(topic, 0, "offset=7&max_records=5");
      expect(page.records.map((r: any) => r.value)).toEqual([7, 8, 9, 10, 11]);
      expect(page.next_offset).toBe(12);
      // max_bytes below one batch still returns that whole batch.
      expect((await fetchPage(topic, 0, "offset=12&max_bytes=1")).records.map((r: any) => r.offset)).toEqual([
        12, 13, 14, 15, 16, 17, 18, 19,
      ]);
      const all: number[] = [];
      for (let offset = 0; offset < 50; ) {
        const p = await fetchPage(topic, 0, `offset=${offset}&max_records=7`);
        all.push(...p.records.map((r: any) => r.value));
        offset = p.next_offset;
      }
      expect(all).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect((await fetchPage(topic, 0, "offset=earliest&max_records=1")).records[0].offset).toBe(0);
      expect(await fetchPage(topic, 0, "offset=latest")).toMatchObject({ records: [], next_offset: 50, high_watermark: 50 });
    });

    it("concurrent producers to one partition get distinct, gap-free offsets", async () => {
      const topic = await createTopic();
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => produce(topic, [{ value: i }, { value: i }])));
      const offsets = results.flatMap((r) => r.map((o) => o.offset)).sort((a, b) => a - b);
      expect(offsets).toEqual(Array.from({ length: 60 }, (_, i) => i));
      results.forEach((r) => expect(r[1]!.offset).toBe(r[0]!.offset + 1));
      const page = await fetchPage(topic, 0, "offset=0&max_records=100");
      for (const r of results) expect(page.records[r[0]!.offset].value).toBe(page.records[r[1]!.offset].value);
    });
  });
}
