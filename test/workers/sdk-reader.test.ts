// The SDK's Consumer without a group, against the real broker in workerd: it reads every
// partition (or the chosen ones) itself, from autoOffsetReset or a seek, long-polls all partitions
// at once, and restarts where autoOffsetReset says when its position was deleted.
import { describe, expect, it } from "vitest";
import { Admin, Consumer, type ConsumerRecord } from "../../src/client/index.ts";
import { createTopic, produce } from "./api-support.ts";
import { brokerLink, take } from "./sdk-support.ts";

const sorted = (rs: ConsumerRecord[]) => rs.map((r) => `${r.partition}:${r.offset}:${String(r.value)}`).sort();

describe("Consumer without a group", () => {
  it("reads every partition from the earliest offset, in order within each", async () => {
    const topic = await createTopic(3);
    await produce(
      topic,
      Array.from({ length: 12 }, (_, i) => ({ partition: i % 3, value: i })),
    );
    const c = new Consumer({ ...brokerLink().options, topics: [topic], autoOffsetReset: "earliest", maxRecords: 2, waitMs: 0 });
    const got = await take(c, 12);
    for (let p = 0; p < 3; p++) expect(got.filter((r) => r.partition === p).map((r) => r.offset)).toEqual([0, 1, 2, 3]);
    expect(got.map((r) => r.value as number).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it("reads only the chosen partitions, starting where seek() says", async () => {
    const topic = await createTopic(3);
    await produce(
      topic,
      Array.from({ length: 9 }, (_, i) => ({ partition: i % 3, value: i })),
    );
    const c = new Consumer({ ...brokerLink().options, topics: [topic], partitions: [1], autoOffsetReset: "earliest", waitMs: 0 });
    c.seek({ topic, partition: 1, offset: 1 });
    expect(sorted(await take(c, 2))).toEqual(["1:1:4", "1:2:7"]);
  });

  it("starting at the latest offset, long-polls every partition and wakes for a new record", async () => {
    const topic = await createTopic(4);
    await produce(topic, [
      { partition: 0, value: "old" },
      { partition: 3, value: "old" },
    ]);
    const link = brokerLink();
    const c = new Consumer({ ...link.options, topics: [topic], waitMs: 10_000 });
    const next = take(c, 1);
    // Once the consumer is long-polling (its positions are then fixed at the end), publish.
    while (!link.requests.some((r) => r.query.get("wait_ms") === "10000")) await new Promise((r) => setTimeout(r, 10));
    await produce(topic, [{ partition: 2, value: "new" }]);
    const [record] = await next;
    expect(record).toMatchObject({ topic, partition: 2, offset: 0, value: "new" });
  });

  it("restarts at autoOffsetReset when its position was deleted", async () => {
    const topic = await createTopic(1);
    await produce(
      topic,
      Array.from({ length: 6 }, (_, i) => ({ value: i })),
    );
    await new Admin(brokerLink().options).deleteRecords(topic, 0, 4);
    const c = new Consumer({ ...brokerLink().options, topics: [topic], autoOffsetReset: "earliest", waitMs: 0 });
    c.seek({ topic, partition: 0, offset: 1 });
    expect((await take(c, 2)).map((r) => r.offset)).toEqual([4, 5]);
  });

  it('hands out raw bytes with decode: "bytes", and has no commits without a group', async () => {
    const topic = await createTopic(1);
    await produce(topic, [{ key: "k", value: { a: 1 }, headers: { h: "v" } }]);
    const c = new Consumer({ ...brokerLink().options, topics: [topic], autoOffsetReset: "earliest", decode: "bytes", waitMs: 0 });
    const it = c[Symbol.asyncIterator]();
    const r = (await it.next()).value as ConsumerRecord;
    const utf8 = new TextEncoder();
    expect(r).toMatchObject({ key: utf8.encode("k"), value: utf8.encode('{"a":1}'), headers: { h: utf8.encode("v") } });
    await expect(c.commit()).rejects.toMatchObject({ code: "invalid_argument" });
    await it.return!();
  });

  it('reads the broker\'s JSON view the same way with encoding: "json"', async () => {
    const topic = await createTopic(1);
    await produce(topic, [
      { key: "k", value: { a: [1, 2] }, headers: { h: "v" } },
      { key_b64: "/wA=", value_b64: "AAEC" },
      { value: null },
    ]);
    const c = new Consumer({ ...brokerLink().options, encoding: "json", topics: [topic], autoOffsetReset: "earliest", waitMs: 0 });
    const [json, binary, tombstone] = await take(c, 3);
    expect(json).toMatchObject({ key: "k", value: { a: [1, 2] }, headers: { h: "v" } });
    expect(binary).toMatchObject({ key: new Uint8Array([255, 0]), value: new Uint8Array([0, 1, 2]), headers: {} });
    expect(tombstone).toMatchObject({ key: null, value: null });
  });

  it("can be iterated again after a loop ended with an error", async () => {
    const c = new Consumer({ ...brokerLink().options, topics: ["no-such-topic"], waitMs: 0 });
    await expect(take(c, 1)).rejects.toMatchObject({ code: "topic_not_found" });
    await expect(take(c, 1)).rejects.toMatchObject({ code: "topic_not_found" });
    await c.close();
  });

  it("refuses bad options with a clear message before any request", () => {
    const options = brokerLink().options;
    expect(() => new Consumer({ ...options, topics: [] })).toThrow(/topics: expected a non-empty array/);
    expect(() => new Consumer({ ...options, topics: ["t"], autoOffsetReset: "first" as never })).toThrow(/autoOffsetReset/);
    expect(() => new Consumer({ ...options, topics: ["t"], group: "g", partitions: [0] })).toThrow(/partitions/);
    expect(() => new Consumer({ ...options, url: "nope", topics: ["t"] })).toThrow(/url/);
  });
});
