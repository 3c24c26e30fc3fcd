// Log lifecycle inside workerd: retention by time and size at their boundaries (the clock is the
// `now` handed to maintenance), delete-records, offsets by timestamp, merging small rows, and the
// log start offset surviving eviction.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createTopic, expectError, fetchRecords, json, partitionStub, produce } from "./api-support.ts";

const T0 = 1_700_000_000_000;

async function stats(topic: string) {
  return ((await (await call(`/v1/topics/${topic}`)).json()) as any).partitions[0];
}

/** Runs the partition's maintenance as its alarm would, at a chosen time. */
function maintainAt(topic: string, now: number): Promise<any> {
  const run = runInDurableObject as unknown as (stub: unknown, fn: (instance: any) => unknown) => Promise<any>;
  return run(partitionStub(topic, 0), (instance) => instance.log.maintain(now));
}

/** One row per second of CreateTime: row k holds offsets 2k and 2k+1, newest timestamp T0 + k·1000. */
async function rowsPerSecond(topic: string, rows: number): Promise<void> {
  for (let k = 0; k < rows; k++)
    await produce(topic, [
      { value: `${k}a`, timestamp: T0 + k * 1000 - 500 },
      { value: `${k}b`, timestamp: T0 + k * 1000 },
    ]);
}

describe("retention", () => {
  it("deletes exactly the rows whose newest record is older than retention.ms", async () => {
    const topic = await createTopic(1, { "retention.ms": 5_000 });
    await rowsPerSecond(topic, 6);
    // cutoff = now - 5000 = T0 + 3000: rows 0..2 (newest T0..T0+2000) go; row 3 (newest == cutoff) stays.
    const done = await maintainAt(topic, T0 + 8_000);
    expect(done.retention.rowsDeleted).toBe(3);
    const s = await stats(topic);
    expect([s.start_offset, s.end_offset]).toEqual([6, 12]);
    const err = await expectError(await call(`/v1/topics/${topic}/partitions/0/records?offset=5`), 416, "offset_out_of_range");
    expect([err.start_offset, err.end_offset]).toEqual([6, 12]);
    expect((await fetchRecords(topic, 0, "offset=earliest")).records.map((r: any) => r.value)).toEqual([
      "3a",
      "3b",
      "4a",
      "4b",
      "5a",
      "5b",
    ]);
    // The same run merged rows 3..5 into one segment, and retention deletes whole segments (as
    // Kafka does): it goes when its newest record (T0 + 5000) is past retention, not before.
    expect((await stats(topic)).rows).toBe(1);
    expect((await maintainAt(topic, T0 + 10_000)).retention.rowsDeleted).toBe(0);
    expect((await maintainAt(topic, T0 + 10_001)).retention.rowsDeleted).toBe(1);
    expect(await stats(topic)).toMatchObject({ start_offset: 12, end_offset: 12 });
  });

  it("keeps everything with retention.ms = -1 and with cleanup.policy = compact", async () => {
    const forever = await createTopic(1, { "retention.ms": -1 });
    await rowsPerSecond(forever, 3);
    expect((await maintainAt(forever, T0 + 10 ** 12)).retention.rowsDeleted).toBe(0);
    const compacted = await createTopic(1, { "retention.ms": 1, "cleanup.policy": "compact" });
    await rowsPerSecond(compacted, 3);
    expect((await maintainAt(compacted, T0 + 10 ** 12)).retention.rowsDeleted).toBe(0);
  });

  it("deletes the oldest rows while the partition exceeds retention.bytes", async () => {
    const topic = await createTopic(1, { "retention.ms": -1 });
    await rowsPerSecond(topic, 5);
    const before = await stats(topic);
    const rowBytes = before.bytes / 5;
    expect((await json(`/v1/topics/${topic}`, "PATCH", { config: { "retention.bytes": Math.floor(rowBytes * 2.5) } })).status).toBe(200);
    const done = await maintainAt(topic, T0);
    expect(done.retention.rowsDeleted).toBe(3); // 5 rows → 2 rows (≤ 2.5 rows of bytes)
    const after = await stats(topic);
    expect(after.start_offset).toBe(6);
    expect(after.bytes).toBeLessThanOrEqual(rowBytes * 2.5);
  });

  it("keeps the log's end when retention deletes every row, across eviction", async () => {
    const topic = await createTopic(1, { "retention.ms": 1_000 });
    await rowsPerSecond(topic, 3);
    await maintainAt(topic, T0 + 60_000);
    expect(await stats(topic)).toMatchObject({ start_offset: 6, end_offset: 6, rows: 0, oldest_timestamp: null });
    await evictDurableObject(partitionStub(topic, 0));
    expect(await stats(topic)).toMatchObject({ start_offset: 6, end_offset: 6 });
    expect(await produce(topic, [{ value: "next" }])).toEqual([{ partition: 0, offset: 6 }]);
  });

  it("runs from the partition's alarm", async () => {
    const topic = await createTopic(1, { "retention.ms": 1 });
    await produce(topic, [{ value: "old", timestamp: 1_000 }]);
    await produce(topic, [{ value: "old too", timestamp: 2_000 }]);
    expect(await runDurableObjectAlarm(partitionStub(topic, 0))).toBe(true);
    expect(await stats(topic)).toMatchObject({ start_offset: 2, end_offset: 2 });
  });
});

describe("delete-records", () => {
  it("moves the log start offset and refuses reads below it", async () => {
    const topic = await createTopic();
    await rowsPerSecond(topic, 4);
    const res = await json(`/v1/topics/${topic}/partitions/0/delete-records`, "POST", { before_offset: 3 });
    expect(await res.json()).toEqual({ start_offset: 3 });
    await expectError(await call(`/v1/topics/${topic}/partitions/0/records?offset=2`), 416, "offset_out_of_range");
    expect((await fetchRecords(topic, 0, "offset=earliest")).records.map((r: any) => r.offset)).toEqual([3, 4, 5, 6, 7]);
    expect((await stats(topic)).rows).toBe(3); // the row holding offsets 0-1 is gone, 2-3 straddles
    await expectError(
      await json(`/v1/topics/${topic}/partitions/0/delete-records`, "POST", { before_offset: 99 }),
      416,
      "offset_out_of_range",
    );
    await expectError(
      await json(`/v1/topics/${topic}/partitions/0/delete-records`, "POST", { before_offset: "x" }),
      400,
      "invalid_parameter",
    );
    expect(await (await json(`/v1/topics/${topic}/partitions/0/delete-records`, "POST", { before_offset: -1 })).json()).toEqual({
      start_offset: 8,
    });
    await evictDurableObject(partitionStub(topic, 0));
    expect((await stats(topic)).start_offset).toBe(8);
  });
});

describe("offsets by timestamp", () => {
  it("finds the first offset whose timestamp is at or after T", async () => {
    const topic = await createTopic();
    // Out-of-order timestamps inside a batch, as producers with different clocks send them.
    await produce(topic, [
      { value: 0, timestamp: 100 },
      { value: 1, timestamp: 300 },
      { value: 2, timestamp: 200 },
    ]);
    await produce(topic, [
      { value: 3, timestamp: 400 },
      { value: 4, timestamp: 500 },
    ]);
    const at = async (t: string) => (await (await call(`/v1/topics/${topic}/partitions/0/offsets?timestamp=${t}`)).json()) as any;
    expect(await at("50")).toEqual({ offset: 0, timestamp: 100 });
    expect(await at("150")).toEqual({ offset: 1, timestamp: 300 });
    expect(await at("300")).toEqual({ offset: 1, timestamp: 300 });
    expect(await at("301")).toEqual({ offset: 3, timestamp: 400 });
    expect(await at("501")).toEqual({ offset: 5, timestamp: null });
    expect(await at("earliest")).toEqual({ offset: 0, timestamp: null });
    expect(await at("latest")).toEqual({ offset: 5, timestamp: null });
    await expectError(await call(`/v1/topics/${topic}/partitions/0/offsets?timestamp=yesterday`), 400, "invalid_parameter");
  });
});

describe("segments", () => {
  it("merges small rows into one segment, keeping offsets and order", async () => {
    const topic = await createTopic(1, { "retention.ms": -1 });
    for (let i = 0; i < 40; i++) await produce(topic, [{ key: `k${i % 3}`, value: i }]);
    expect((await stats(topic)).rows).toBe(40);
    const done = await maintainAt(topic, Date.now());
    expect(done.merge).toMatchObject({ rowsBefore: 40, rowsAfter: 1 });
    const s = await stats(topic);
    expect(s).toMatchObject({ rows: 1, segments: 1, start_offset: 0, end_offset: 40 });
    const page = await fetchRecords(topic, 0, "offset=17&max_records=5");
    expect(page.records.map((r: any) => [r.offset, r.value])).toEqual([
      [17, 17],
      [18, 18],
      [19, 19],
      [20, 20],
      [21, 21],
    ]);
    expect((await fetchRecords(topic, 0, "offset=0&max_records=100")).records.map((r: any) => r.value)).toEqual(
      Array.from({ length: 40 }, (_, i) => i),
    );
    // A read after the merge reads one row.
    const before = (await stats(topic)).rows_read;
    await fetchRecords(topic, 0, "offset=30&max_records=3");
    expect((await stats(topic)).rows_read - before).toBeLessThanOrEqual(3);
  });

  it("keeps idempotent producer state through a merge", async () => {
    const topic = await createTopic(1, { "retention.ms": -1 });
    const p = (await (await json("/v1/producers", "POST", {})).json()) as any;
    const send = (seq: number) =>
      json(
        `/v1/topics/${topic}/records?partition=0`,
        "POST",
        { records: [{ value: seq }] },
        {
          "producer-id": String(p.producer_id),
          "producer-epoch": String(p.producer_epoch),
          "producer-seq": String(seq),
        },
      );
    for (let seq = 0; seq < 10; seq++) expect((await send(seq)).status).toBe(200);
    await maintainAt(topic, Date.now());
    await evictDurableObject(partitionStub(topic, 0));
    expect(await (await send(9)).json()).toMatchObject({ duplicate: true, offsets: [{ offset: 9 }] });
    expect((await send(10)).status).toBe(200);
  });
});
