// Regressions of issue #14 (hardening, found by hostile and crash testing), inside workerd:
// - item 2: a batch with 64-bit fields past 2^53 poisoned a partition; a stored one must answer
//   corrupt_log, never break fetch, group poll or maintenance;
// - item 8: max.message.bytes was accepted but never enforced;
// - item 11: an altered baseOffset (outside the CRC) was served; bad magic/batchLength was `internal`;
// - item 12: one corrupt partition blocked a group member's healthy partitions;
// - item 13: restart + append pushed the maintenance alarm out by a full interval each time;
// - item 14: a record timestamped in the far future stalled time retention.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { encode } from "@msgpack/msgpack";
import { describe, expect, it } from "vitest";
import { batchOf } from "./batch-support.ts";
import { encodeBatch as buildBatch, reseal } from "../core-support/batch-builder.ts";
import { call, createTopic, expectError, fetchRecords, json, msgpack, partitionStub, produce } from "./api-support.ts";
import { join, newGroup, poll } from "./groups-support.ts";
import { SseReader } from "../support/sse-reader.ts";

type Sql = { exec<T>(q: string, ...b: unknown[]): { toArray(): T[]; one(): T } };
const inObject = runInDurableObject as unknown as <R>(
  stub: unknown,
  fn: (instance: any, state: { storage: { sql: Sql; getAlarm(): Promise<number | null> } }) => R | Promise<R>,
) => Promise<R>;

/** Rewrites the stored row holding `offset` with `mutate` applied to its bytes (a real SQL UPDATE). */
async function corruptRow(topic: string, mutate: (data: Uint8Array, view: DataView) => void, offset = 0): Promise<void> {
  await inObject(partitionStub(topic, 0), (_i, state) => {
    const row = state.storage.sql
      .exec<{ base_offset: number; data: ArrayBuffer }>(
        "SELECT base_offset, data FROM segments WHERE base_offset <= ? ORDER BY base_offset DESC LIMIT 1",
        offset,
      )
      .one();
    const data = new Uint8Array(row.data.slice(0));
    mutate(data, new DataView(data.buffer));
    state.storage.sql.exec("UPDATE segments SET data = ? WHERE base_offset = ?", data.buffer, row.base_offset);
  });
}

const postBatch = (topic: string, bytes: Uint8Array) =>
  call(`/v1/topics/${topic}/records?partition=0`, {
    method: "POST",
    body: bytes,
    headers: { "content-type": "application/vnd.kafka.record-batch" },
  });

describe("stored batches that cannot be served (items 2, 11)", () => {
  // Each mutation is of bytes the CRC does not cover (baseOffset, batchLength, magic) or is
  // re-sealed (a 64-bit field the old write path accepted): the class, not one example.
  const corruptions: Array<[string, (d: Uint8Array, v: DataView) => void]> = [
    ["baseOffset moved up", (_d, v) => v.setBigInt64(0, 1000n)],
    ["baseOffset moved down", (_d, v) => v.setBigInt64(0, 0n)],
    ["baseOffset past 2^53", (_d, v) => v.setBigInt64(0, 2n ** 62n)],
    ["baseOffset negative", (_d, v) => v.setBigInt64(0, -5n)],
    ["batchLength too large", (_d, v) => v.setInt32(8, 1 << 30)],
    ["batchLength too small", (_d, v) => v.setInt32(8, 3)],
    ["magic 1", (d) => (d[16] = 1)],
    [
      "firstTimestamp 2^62 (re-sealed)",
      (d, v) => {
        v.setBigInt64(27, 2n ** 62n);
        reseal(d);
      },
    ],
    [
      "maxTimestamp 2^62 (re-sealed)",
      (d, v) => {
        v.setBigInt64(35, 2n ** 62n);
        reseal(d);
      },
    ],
    [
      "producerId 2^62 (re-sealed)",
      (d, v) => {
        v.setBigInt64(43, 2n ** 62n);
        reseal(d);
      },
    ],
  ];
  for (const [what, mutate] of corruptions) {
    it(`${what}: fetch answers corrupt_log naming the row, nothing above the high watermark`, async () => {
      const topic = await createTopic();
      await produce(topic, [{ value: "a" }, { value: "b" }]);
      await produce(topic, [{ value: "c" }]); // the corrupted row is the second one, at offset 2
      await corruptRow(topic, mutate, 2);
      const err = await expectError(await call(`/v1/topics/${topic}/partitions/0/records?offset=2`), 500, "corrupt_log");
      expect(err.first_offset).toBe(2);
      expect(err.last_offset).toBe(2);
      // The intact row before it is still served; the partition's stats still answer.
      expect((await fetchRecords(topic, 0, "offset=0&max_records=2")).records.map((r: any) => r.value)).toEqual(["a", "b"]);
      expect((await call(`/v1/topics/${topic}`)).status).toBe(200);
      // Merging would fold the corrupt row into a new one: it refuses, records why once and shows
      // it in the partition's stats; the next run skips the step instead of failing again.
      const maintain = () => inObject(partitionStub(topic, 0), (instance) => instance.log.maintain());
      expect((await maintain()).merge.rowsAfter).toBe(2);
      const described = (await (await call(`/v1/topics/${topic}`)).json()) as any;
      expect(described.partitions[0].maintenance_error).toMatchObject({ step: "merge" });
      expect((await maintain()).merge.rowsAfter).toBe(2);
      expect((await fetchRecords(topic, 0, "offset=0&max_records=2")).records.map((r: any) => r.value)).toEqual(["a", "b"]);
    });
  }

  it("an SSE tail from a corrupt row answers corrupt_log instead of streaming records at altered offsets", async () => {
    const topic = await createTopic();
    await produce(topic, [{ value: "a" }]);
    await corruptRow(topic, (_d, v) => v.setBigInt64(0, 7n));
    const res = await call(`/v1/topics/${topic}/partitions/0/events?offset=0`);
    if (res.status === 200) await res.body?.cancel();
    await expectError(res, 500, "corrupt_log");
  });
});

describe("64-bit fields on write (item 2)", () => {
  it("binary batches with timestamps or producer ids past 2^53, or below -1, are refused with 400", async () => {
    const topic = await createTopic();
    const cases: Array<[number, bigint]> = [
      [27, 2n ** 62n],
      [35, 2n ** 62n],
      [43, 2n ** 62n],
      [43, -2n],
      [27, -1n],
      [27, -(2n ** 63n)],
      [27, 2n ** 53n],
    ];
    for (const [at, value] of cases) {
      const b = await batchOf(["x"]);
      const v = new DataView(b.buffer);
      v.setBigInt64(at, value);
      if (at === 27) v.setBigInt64(35, value);
      reseal(b);
      await expectError(await postBatch(topic, b), 400, "invalid_batch");
    }
    // The partition still serves and maintains normally.
    await produce(topic, [{ value: "ok" }]);
    expect((await fetchRecords(topic, 0)).records.map((r: any) => r.value)).toEqual(["ok"]);
  });

  it("JSON timestamps past 2^53 are refused, never stored", async () => {
    const topic = await createTopic();
    const res = await json(`/v1/topics/${topic}/records`, "POST", { records: [{ value: 1, timestamp: 2 ** 62 }] });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect((await fetchRecords(topic, 0, "offset=latest")).high_watermark).toBe(0);
  });
});

describe("max.message.bytes (item 8)", () => {
  const big = "x".repeat(5000);

  it("refuses a batch larger than the limit on JSON, MessagePack and binary produce, naming the limit", async () => {
    const topic = await createTopic(1, { "max.message.bytes": 100 });
    const j = await expectError(await json(`/v1/topics/${topic}/records`, "POST", { records: [{ value: big }] }), 413, "record_too_large");
    expect(j.max_message_bytes).toBe(100);
    expect(j.message).toContain("max.message.bytes (100)");
    await expectError(await msgpack(`/v1/topics/${topic}/records`, "POST", { records: [{ value: big }] }), 413, "record_too_large");
    await expectError(await postBatch(topic, await batchOf([big])), 413, "record_too_large");
    // Small records still go in, and nothing of the refused requests was stored.
    await produce(topic, [{ value: 1 }]);
    expect((await fetchRecords(topic, 0)).records).toHaveLength(1);
  });

  it("follows the topic's current config after PATCH, both ways", async () => {
    const topic = await createTopic();
    await produce(topic, [{ value: big }]);
    expect((await json(`/v1/topics/${topic}`, "PATCH", { config: { "max.message.bytes": 100 } })).status).toBe(200);
    await expectError(await json(`/v1/topics/${topic}/records`, "POST", { records: [{ value: big }] }), 413, "record_too_large");
    await expectError(await postBatch(topic, await batchOf([big])), 413, "record_too_large");
    expect((await json(`/v1/topics/${topic}`, "PATCH", { config: { "max.message.bytes": 10_000 } })).status).toBe(200);
    await produce(topic, [{ value: big }]);
  });

  it("applies to Durable Streams appends", async () => {
    const path = `mmb-${Date.now().toString(36)}`;
    expect((await call(`/ds/${path}`, { method: "PUT", headers: { "content-type": "text/plain" } })).status).toBe(201);
    expect((await json(`/v1/topics/ds.${path}`, "PATCH", { config: { "max.message.bytes": 100 } })).status).toBe(200);
    const res = await call(`/ds/${path}`, { method: "POST", headers: { "content-type": "text/plain" }, body: big });
    expect(res.status).toBe(413);
    expect((await call(`/ds/${path}`, { method: "POST", headers: { "content-type": "text/plain" }, body: "small" })).status).toBe(204);
  });
});

describe("message.timestamp.before/after.max.ms (item 14, KIP-937)", () => {
  it("refuses CreateTime timestamps out of range with invalid_timestamp, on every encoding", async () => {
    const topic = await createTopic(1, { "message.timestamp.after.max.ms": 3_600_000, "message.timestamp.before.max.ms": 86_400_000 });
    const now = Date.now();
    for (const ts of [now + 2 * 3_600_000, now + 10 * 365 * 86_400_000, now - 2 * 86_400_000, 0]) {
      await expectError(
        await json(`/v1/topics/${topic}/records`, "POST", { records: [{ value: 1, timestamp: ts }] }),
        400,
        "invalid_timestamp",
      );
      await expectError(
        await msgpack(`/v1/topics/${topic}/records`, "POST", { records: [{ value: 1, timestamp: ts }] }),
        400,
        "invalid_timestamp",
      );
      await expectError(await postBatch(topic, await batchOf(["x"], ts)), 400, "invalid_timestamp");
    }
    await produce(topic, [
      { value: 1, timestamp: now + 60_000 },
      { value: 2, timestamp: now - 3_600_000 },
    ]);
    expect(encode).toBeDefined();
  });

  it("the before bound applies to every record, also one earlier than the batch's firstTimestamp", async () => {
    const topic = await createTopic(1, { "message.timestamp.before.max.ms": 86_400_000 });
    const now = Date.now();
    const value = new Uint8Array([1]);
    // Second record 2 days before the first: a negative timestampDelta.
    const b = buildBatch({ firstTimestamp: now, records: [{ value }, { value, timestampDelta: -2 * 86_400_000 }] });
    const err = await expectError(await postBatch(topic, b), 400, "invalid_timestamp");
    expect(err.message).toContain(String(now - 2 * 86_400_000));
    expect(
      (await postBatch(topic, buildBatch({ firstTimestamp: now, records: [{ value }, { value, timestampDelta: -60_000 }] }))).status,
    ).toBe(200);
  });

  it("a far-future record does not stall time retention: rows expire by their append time", async () => {
    const topic = await createTopic(1, { "retention.ms": 60_000 });
    const now = Date.now();
    await produce(topic, [{ value: "old", timestamp: now - 1000 }]);
    await produce(topic, [{ value: "future", timestamp: now + 10 * 365 * 86_400_000 }]);
    await produce(topic, [{ value: "old-too", timestamp: now - 500 }]);
    await produce(topic, [{ value: "newest" }]);
    // Two minutes on: every row was appended more than retention.ms ago, so all but nothing stay.
    const result = await inObject(partitionStub(topic, 0), (instance) => instance.log.maintain(Date.now() + 120_000));
    expect(result.retention.rowsDeleted).toBe(4);
  });

  it("rows stored before retain_ts existed, with a far-future max_ts, are bounded by the time of the upgrade", async () => {
    const topic = await createTopic(1, { "retention.ms": 60_000 });
    await produce(topic, [{ value: "future", timestamp: Date.now() + 10 * 365 * 86_400_000 }]);
    await produce(topic, [{ value: "later" }]);
    // Back to the schema of an earlier version: no retain_ts column.
    await inObject(partitionStub(topic, 0), (_i, state) => void state.storage.sql.exec("ALTER TABLE segments DROP COLUMN retain_ts"));
    await evictDurableObject(partitionStub(topic, 0));
    const result = await inObject(partitionStub(topic, 0), (instance) => instance.log.maintain(Date.now() + 120_000));
    expect(result.retention.rowsDeleted).toBe(2);
  });
});

describe("maintenance alarm (item 13)", () => {
  it("restart + append never moves the pending alarm later", async () => {
    const topic = await createTopic(1, { "retention.ms": 3_600_000 });
    await produce(topic, [{ value: 1 }]);
    const alarm = () => inObject(partitionStub(topic, 0), (_i, state) => state.storage.getAlarm());
    const first = await alarm();
    expect(first).not.toBeNull();
    for (let restart = 0; restart < 3; restart++) {
      await new Promise((r) => setTimeout(r, 5)); // let the clock move on
      await evictDurableObject(partitionStub(topic, 0));
      await produce(topic, [{ value: restart }]);
      expect(await alarm()).toBe(first);
    }
  });
});

/** Three partitions with one record each; partition 1's stored batch gets baseOffset 2^62. */
async function topicWithCorruptPartition(): Promise<string> {
  const topic = await createTopic(3);
  for (let p = 0; p < 3; p++) {
    const res = await json(`/v1/topics/${topic}/records`, "POST", { records: [{ value: `p${p}`, partition: p }] });
    expect(res.status).toBe(200);
  }
  await inObject(partitionStub(topic, 1), (_i, state) => {
    const row = state.storage.sql.exec<{ base_offset: number; data: ArrayBuffer }>("SELECT base_offset, data FROM segments").one();
    const data = new Uint8Array(row.data.slice(0));
    new DataView(data.buffer).setBigInt64(0, 2n ** 62n);
    state.storage.sql.exec("UPDATE segments SET data = ? WHERE base_offset = ?", data.buffer, row.base_offset);
  });
  return topic;
}

describe("group poll over a corrupt partition (item 12)", () => {
  it("serves the healthy partitions and names the corrupt one", async () => {
    const topic = await topicWithCorruptPartition();
    const group = newGroup();
    const joined = await join(group, { topics: [topic], auto_offset_reset: "earliest" });
    let polled: any;
    for (let i = 0; i < 10; i++) {
      polled = await poll(group, joined.member_id, joined.member_epoch, { max_records: 100 });
      if (polled.records.length > 0) break;
    }
    expect(polled.records.map((r: any) => r.value).sort()).toEqual(["p0", "p2"]);
    expect(polled.partition_errors, JSON.stringify(polled.partition_errors)).toEqual([
      expect.objectContaining({ topic, partition: 1, offset: 0, code: "corrupt_log", first_offset: 0, last_offset: 0 }),
    ]);
  });

  it("a member's SSE tail streams the healthy partitions and sends partition_errors naming the corrupt one", async () => {
    const topic = await topicWithCorruptPartition();
    const group = newGroup();
    const joined = await join(group, { topics: [topic], auto_offset_reset: "earliest" });
    const res = await call(`/v1/groups/${group}/members/${joined.member_id}/events?member_epoch=${joined.member_epoch}&heartbeat_ms=1000`);
    expect(res.status).toBe(200);
    const sse = new SseReader(res.body!);
    const values: unknown[] = [];
    let errors: any;
    while (values.length < 2 || !errors) {
      const e = await sse.nextEvent(10_000);
      if (!e) throw new Error(`the stream ended (records ${JSON.stringify(values)}, errors ${JSON.stringify(errors)})`);
      if (e.event === "record") values.push(JSON.parse(e.data).value);
      else if (e.event === "partition_errors") errors = JSON.parse(e.data).partition_errors;
      else if (e.event !== "assignment") throw new Error(`unexpected ${e.event}: ${e.data}`);
    }
    await sse.cancel();
    expect(values.sort()).toEqual(["p0", "p2"]);
    expect(errors).toEqual([expect.objectContaining({ topic, partition: 1, code: "corrupt_log" })]);
  });

  it("offsets by timestamp over a corrupt row answer corrupt_log, not internal", async () => {
    const topic = await createTopic();
    await produce(topic, [{ value: "a", timestamp: 1_700_000_000_000 }]);
    await corruptRow(topic, (_d, v) => v.setInt32(8, 1 << 30));
    await expectError(await call(`/v1/topics/${topic}/partitions/0/offsets?timestamp=1600000000000`), 500, "corrupt_log");
  });
});
