// Idempotent producers: retries answered with the original offsets and no new write; gaps and
// stale epochs refused; state surviving eviction.
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { encodeBatch } from "../../src/core/batch/record-batch.ts";
import { loadLogCore } from "../../src/worker/log-core.ts";
import { records } from "./batch-support.ts";
import { call, createTopic, expectError, fetchRecords, json, partitionStub } from "./api-support.ts";

async function initProducer(name?: string): Promise<{ producer_id: number; producer_epoch: number }> {
  const res = await json("/v1/producers", "POST", name === undefined ? {} : { name });
  expect(res.status).toBe(200);
  return (await res.json()) as any;
}

function sendAs(topic: string, p: { producer_id: number; producer_epoch: number }, seq: number, values: unknown[], query = "?partition=0") {
  return json(
    `/v1/topics/${topic}/records${query}`,
    "POST",
    { records: values.map((value) => ({ value })) },
    {
      "producer-id": String(p.producer_id),
      "producer-epoch": String(p.producer_epoch),
      "producer-seq": String(seq),
    },
  );
}

describe("idempotent producers", () => {
  it("allocates producer ids; a named producer gets the next epoch each time", async () => {
    const a = await initProducer("device-a");
    const again = await initProducer("device-a");
    expect(again).toEqual({ producer_id: a.producer_id, producer_epoch: a.producer_epoch + 1 });
    const anon1 = await initProducer();
    const anon2 = await initProducer();
    expect(anon1.producer_epoch).toBe(0);
    expect(anon2.producer_id).not.toBe(anon1.producer_id);
    await expectError(await json("/v1/producers", "POST", { name: "" }), 400, "bad_request");
    await expectError(await json("/v1/producers", "POST", { nom: "x" }), 400, "bad_request");
  });

  it("answers a retry with the original offsets and writes nothing", async () => {
    const topic = await createTopic(2);
    const p = await initProducer();
    let res = await sendAs(topic, p, 0, ["a", "b"]);
    expect(await res.json()).toEqual({
      offsets: [
        { partition: 0, offset: 0 },
        { partition: 0, offset: 1 },
      ],
    });
    res = await sendAs(topic, p, 0, ["a", "b"]);
    expect(await res.json()).toEqual({
      offsets: [
        { partition: 0, offset: 0 },
        { partition: 0, offset: 1 },
      ],
      duplicate: true,
    });
    res = await sendAs(topic, p, 2, ["c"]);
    expect(await res.json()).toEqual({ offsets: [{ partition: 0, offset: 2 }] });
    expect((await fetchRecords(topic, 0)).records.map((r: any) => r.value)).toEqual(["a", "b", "c"]);
  });

  it("refuses a sequence gap, naming the expected sequence", async () => {
    const topic = await createTopic();
    const p = await initProducer();
    expect((await sendAs(topic, p, 0, [1])).status).toBe(200);
    const err = await expectError(await sendAs(topic, p, 5, [2]), 409, "out_of_order_sequence");
    expect(err.expected_sequence).toBe(1);
    expect(err.message).toContain("expected sequence 1");
    const fresh = await initProducer();
    expect((await expectError(await sendAs(topic, fresh, 3, [1]), 409, "out_of_order_sequence")).expected_sequence).toBe(0);
    expect((await fetchRecords(topic, 0)).high_watermark).toBe(1);
  });

  it("fences the previous incarnation of a named producer", async () => {
    const topic = await createTopic();
    const old = await initProducer("sensor-9");
    expect((await sendAs(topic, old, 0, ["old-0"])).status).toBe(200);
    const current = await initProducer("sensor-9");
    expect((await sendAs(topic, current, 0, ["new-0"])).status).toBe(200);
    const err = await expectError(await sendAs(topic, old, 1, ["old-1"]), 409, "producer_fenced");
    expect(err.message).toContain("fenced");
    expect((await fetchRecords(topic, 0)).records.map((r: any) => r.value)).toEqual(["old-0", "new-0"]);
  });

  it("recognizes a retry that arrives while the original is still being committed", async () => {
    const topic = await createTopic();
    const p = await initProducer();
    const [first, second] = await Promise.all([sendAs(topic, p, 0, ["x"]), sendAs(topic, p, 0, ["x"])]);
    const bodies = [(await first.json()) as any, (await second.json()) as any];
    expect(bodies.map((b) => b.offsets)).toEqual([[{ partition: 0, offset: 0 }], [{ partition: 0, offset: 0 }]]);
    expect(bodies.filter((b) => b.duplicate).length).toBe(1);
    expect((await fetchRecords(topic, 0)).high_watermark).toBe(1);
  });

  it("keeps producer state across eviction", async () => {
    const topic = await createTopic();
    const p = await initProducer();
    expect((await sendAs(topic, p, 0, [1, 2, 3])).status).toBe(200);
    await evictDurableObject(partitionStub(topic, 0));
    const retry = (await (await sendAs(topic, p, 0, [1, 2, 3])).json()) as any;
    expect(retry).toMatchObject({ duplicate: true, offsets: [{ offset: 0 }, { offset: 1 }, { offset: 2 }] });
    expect((await expectError(await sendAs(topic, p, 4, [9]), 409, "out_of_order_sequence")).expected_sequence).toBe(3);
    expect((await sendAs(topic, p, 3, [4])).status).toBe(200);
  });

  it("keeps producer state across eviction once it lives in a snapshot", async () => {
    // Every 256 commits the partition snapshots all producer state; older segment rows are no
    // longer replayed. Producer `early` only wrote before the snapshot.
    const topic = await createTopic();
    const early = await initProducer();
    const busy = await initProducer();
    expect((await sendAs(topic, early, 0, ["early"])).status).toBe(200);
    for (let seq = 0; seq < 300; seq++) expect((await sendAs(topic, busy, seq, [seq])).status).toBe(200);
    await evictDurableObject(partitionStub(topic, 0));
    expect(await (await sendAs(topic, early, 0, ["early"])).json()).toEqual({ offsets: [{ partition: 0, offset: 0 }], duplicate: true });
    expect(await (await sendAs(topic, busy, 299, [299])).json()).toEqual({ offsets: [{ partition: 0, offset: 300 }], duplicate: true });
    expect((await expectError(await sendAs(topic, busy, 301, [1]), 409, "out_of_order_sequence")).expected_sequence).toBe(300);
    const stats = ((await (await call(`/v1/topics/${topic}`)).json()) as any).partitions[0];
    expect(stats.end_offset).toBe(301);
  });

  it("applies to binary batches through their producer fields", async () => {
    const topic = await createTopic();
    const core = await loadLogCore();
    const p = await initProducer();
    const batch = encodeBatch(records(["a", "b"]), {
      crc32c: (b) => core.crc32c(b),
      producerId: p.producer_id,
      producerEpoch: p.producer_epoch,
      baseSequence: 0,
    });
    const post = () =>
      call(`/v1/topics/${topic}/records`, {
        method: "POST",
        body: batch,
        headers: { "content-type": "application/vnd.kafka.record-batch" },
      });
    expect(await (await post()).json()).toEqual({ offsets: [{ partition: 0, offset: 0 }] });
    expect(await (await post()).json()).toEqual({ offsets: [{ partition: 0, offset: 0 }], duplicate: true });
    const gap = encodeBatch(records(["z"]), {
      crc32c: (b) => core.crc32c(b),
      producerId: p.producer_id,
      producerEpoch: p.producer_epoch,
      baseSequence: 7,
    });
    const err = await expectError(
      await call(`/v1/topics/${topic}/records`, {
        method: "POST",
        body: gap,
        headers: { "content-type": "application/vnd.kafka.record-batch" },
      }),
      409,
      "out_of_order_sequence",
    );
    expect(err.expected_sequence).toBe(2);
  });

  it("refuses incomplete headers and requests that could land on several partitions", async () => {
    const topic = await createTopic(3);
    const p = await initProducer();
    const partial = await json(
      `/v1/topics/${topic}/records?partition=0`,
      "POST",
      { records: [{ value: 1 }] },
      { "producer-id": String(p.producer_id) },
    );
    expect((await expectError(partial, 400, "invalid_parameter")).message).toContain("producer-epoch");
    await expectError(await sendAs(topic, p, 0, [1], ""), 400, "bad_request");
    await expectError(await sendAs(topic, { ...p, producer_epoch: 40_000 }, 0, [1]), 400, "invalid_parameter");
  });
});
