// Every kind of bad input gets a 4xx with a stable code and a message saying what is wrong, and
// never changes the log (the high watermark is checked after each refusal).
import { describe, expect, it } from "vitest";
import { encode } from "@msgpack/msgpack";
import { batchOf, concat } from "./batch-support.ts";
import { call, createTopic, expectError, fetchRecords, json } from "./api-support.ts";

const BATCH = "application/vnd.kafka.record-batch";

async function expectUnchanged(topic: string, partitions = 1) {
  for (let p = 0; p < partitions; p++) expect((await fetchRecords(topic, p)).high_watermark).toBe(0);
}

function post(topic: string, body: BodyInit, type: string, query = "") {
  return call(`/v1/topics/${topic}/records${query}`, { method: "POST", body, headers: { "content-type": type } });
}

describe("bad input", () => {
  it("malformed JSON and MessagePack", async () => {
    const topic = await createTopic();
    await expectError(await post(topic, '{"records": [', "application/json"), 400, "invalid_json");
    await expectError(await post(topic, new Uint8Array([0xc1]), "application/msgpack"), 400, "invalid_msgpack");
    await expectError(await post(topic, "", "application/json"), 400, "bad_request");
    await expectUnchanged(topic);
  });

  it("records of the wrong shape name the field", async () => {
    const topic = await createTopic();
    const cases: Array<[unknown, string]> = [
      [{ records: [] }, "records"],
      [{ records: [{ key: "a" }] }, "records[0]"],
      [{ records: [{ value: 1 }, { value: 1, value_b64: "AA==" }] }, "records[1]"],
      [{ records: [{ value: 1, timestamp: -5 }] }, "records[0].timestamp"],
      [{ records: [{ value: 1, partition: "x" }] }, "records[0].partition"],
      [{ records: [{ value: 1, headers: { a: 1 } }] }, "records[0].headers.a"],
      [{ records: [{ value_b64: "not base64!" }] }, "records[0].value_b64"],
      [{ records: [{ value: 1, colour: "red" }] }, "records[0]"],
      [{ rec: [] }, "rec"],
    ];
    for (const [body, field] of cases) {
      const err = await expectError(await json(`/v1/topics/${topic}/records`, "POST", body), 400, "invalid_record");
      expect(err.message.startsWith(field), `${err.message} should start with ${field}`).toBe(true);
    }
    await expectUnchanged(topic);
  });

  it("wrong content types", async () => {
    const topic = await createTopic();
    const err = await expectError(await post(topic, "value", "text/plain"), 415, "unsupported_media_type");
    expect(err.message).toContain("application/json");
    await expectError(await call(`/v1/topics/${topic}/records`, { method: "POST", body: "{}" }), 415, "unsupported_media_type");
    await expectError(await json("/v1/topics", "POST", { name: "x" }, { "content-type": BATCH }), 415, "unsupported_media_type");
    await expectUnchanged(topic);
  });

  it("oversized requests, records and record counts", async () => {
    const topic = await createTopic();
    const big = "x".repeat(1_100_000);
    await expectError(await json(`/v1/topics/${topic}/records`, "POST", { records: [{ value: big }] }), 413, "payload_too_large");
    const many = { records: Array.from({ length: 10_001 }, () => ({ value: 1 })) };
    await expectError(await json(`/v1/topics/${topic}/records`, "POST", many), 413, "too_many_records");
    // The test deployment sets EDGEBROKER_MAX_RECORD_BYTES=524288 (vitest.workers.config.ts), so a
    // 600 KB record fits the request limit but not the record limit.
    const oneTooBig = encode({ records: [{ value: 1 }, { value: new Uint8Array(600_000) }] });
    const err = await expectError(await post(topic, oneTooBig, "application/msgpack"), 413, "record_too_large");
    expect(err.message).toContain("records[1]");
    await expectUnchanged(topic);
  });

  it("record keys and headers over their limits, each naming the limit", async () => {
    const topic = await createTopic();
    const post = (record: unknown) => json(`/v1/topics/${topic}/records`, "POST", { records: [record] });
    let err = await expectError(await post({ key: "k".repeat(16_385), value: 1 }), 413, "record_too_large");
    expect(err.message).toContain("maxKeyBytes");
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`h${i}`, "v"]));
    err = await expectError(await post({ value: 1, headers: many }), 413, "record_too_large");
    expect(err.message).toContain("maxHeadersPerRecord");
    err = await expectError(await post({ value: 1, headers: { big: "x".repeat(70_000) } }), 413, "record_too_large");
    expect(err.message).toContain("maxHeaderBytes");
    await expectUnchanged(topic);
  });

  it("unknown topics and partitions", async () => {
    const topic = await createTopic(2);
    await expectError(await json("/v1/topics/nope/records", "POST", { records: [{ value: 1 }] }), 404, "topic_not_found");
    await expectError(await call("/v1/topics/nope/partitions/0/records?offset=0"), 404, "topic_not_found");
    await expectError(await call(`/v1/topics/${topic}/partitions/2/records?offset=0`), 404, "partition_not_found");
    await expectError(
      await json(`/v1/topics/${topic}/records`, "POST", { records: [{ value: 1, partition: 5 }] }),
      404,
      "partition_not_found",
    );
    await expectError(await call("/v1/nothing"), 404, "not_found");
    await expectUnchanged(topic, 2);
  });

  it("negative, non-numeric and out-of-range offsets and parameters", async () => {
    const topic = await createTopic();
    await json(`/v1/topics/${topic}/records`, "POST", { records: [{ value: 1 }, { value: 2 }] });
    for (const q of [
      "offset=-1",
      "offset=abc",
      "offset=1.5",
      "offset=1e3",
      "max_records=0",
      "max_records=x",
      "wait_ms=-3",
      "wait_ms=999999",
      "max_bytes=0",
    ]) {
      await expectError(await call(`/v1/topics/${topic}/partitions/0/records?${q}`), 400, "invalid_parameter");
    }
    await expectError(await call(`/v1/topics/${topic}/partitions/x/records?offset=0`), 400, "invalid_parameter");
    const err = await expectError(await call(`/v1/topics/${topic}/partitions/0/records?offset=3`), 416, "offset_out_of_range");
    expect(err).toMatchObject({ start_offset: 0, end_offset: 2 });
    expect(err.message).toContain("0 to 2");
  });

  it("binary batches: CRC mismatch, truncation, bad magic, trailing garbage, missing partition", async () => {
    const topic = await createTopic(2);
    const good = await batchOf(["a", "b"]);
    const flipped = good.slice();
    flipped[flipped.length - 1]! ^= 0x01;
    let err = await expectError(await post(topic, flipped, BATCH, "?partition=0"), 400, "invalid_batch");
    expect(err.reason).toBe("crc_mismatch");
    err = await expectError(await post(topic, good.subarray(0, good.length - 3), BATCH, "?partition=0"), 400, "invalid_batch");
    expect(err.reason).toBe("batch_truncated");
    const magic = good.slice();
    magic[16] = 1;
    err = await expectError(await post(topic, magic, BATCH, "?partition=0"), 400, "invalid_batch");
    expect(err.reason).toBe("unsupported_magic");
    // A valid batch followed by garbage: nothing of the request is written.
    err = await expectError(await post(topic, concat(good, new Uint8Array([1, 2, 3])), BATCH, "?partition=0"), 400, "invalid_batch");
    await expectError(await post(topic, new Uint8Array(0), BATCH, "?partition=0"), 400, "invalid_batch");
    await expectError(await post(topic, good, BATCH), 400, "invalid_parameter");
    await expectError(await post(topic, good, BATCH, "?partition=9"), 404, "partition_not_found");
    await expectUnchanged(topic, 2);
  });

  it("accepts valid binary batches and reads them back", async () => {
    const topic = await createTopic(2);
    const two = concat(await batchOf(["a", "b"]), await batchOf(["c"]));
    const res = await post(topic, two, BATCH, "?partition=1");
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).offsets).toEqual([
      { partition: 1, offset: 0 },
      { partition: 1, offset: 2 },
    ]);
    const page = await fetchRecords(topic, 1);
    expect(page.records.map((r: any) => [r.offset, r.value_b64 ?? r.value])).toEqual([
      [0, "YQ=="],
      [1, "Yg=="],
      [2, "Yw=="],
    ]);
  });
});
