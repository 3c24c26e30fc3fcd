// Tiered storage inside real workerd with local R2 (the TIERED binding of wrangler.toml): a topic
// with remote.storage.enable moves its old segments to R2 at the partition's alarm; fetch, offsets
// by timestamp, stats, delete-records and topic deletion all see the remote part (docs/tiered-storage.md).
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createTopic, fetchRecords, json, partitionStub, produce, testEnv } from "./api-support.ts";

const bucket = () => testEnv.TIERED!;

async function stats(topic: string) {
  return ((await (await call(`/v1/topics/${topic}`)).json()) as any).partitions[0];
}

/** The partition's alarm, as workerd would run it. */
function alarm(topic: string): Promise<unknown> {
  const run = runInDurableObject as unknown as (stub: unknown, fn: (instance: any) => unknown) => Promise<unknown>;
  return run(partitionStub(topic, 0), (instance) => instance.log.alarm());
}

async function keys(topic: string): Promise<string[]> {
  return (await bucket().list({ prefix: `${topic}/0/` })).objects.map((o) => o.key);
}

const T0 = Date.now() - 60_000;

/** 8 requests of 200 records × ~1 KB: about 1.6 MB in rows of up to ~1 MiB once merged. */
async function fill(topic: string): Promise<void> {
  for (let r = 0; r < 8; r++) {
    const records = Array.from({ length: 200 }, (_, i) => ({ value: `${r * 200 + i}`.padEnd(1000, "."), timestamp: T0 + r * 200 + i }));
    await produce(topic, records);
  }
}

describe("tiered storage on R2", () => {
  it("moves old segments to R2 and serves every offset, offsets by timestamp and stats across both", async () => {
    const topic = await createTopic(1, { "remote.storage.enable": true, "local.retention.bytes": 0, "retention.ms": -1 });
    await fill(topic);
    await alarm(topic);
    const s = await stats(topic);
    expect(s.remote_segments).toBeGreaterThan(0);
    expect(s.local_bytes + s.remote_bytes).toBe(s.bytes);
    expect(await keys(topic)).toHaveLength(s.remote_segments);
    const values: number[] = [];
    for (let offset = 0; offset < 1600; ) {
      const page = await fetchRecords(topic, 0, `offset=${offset}&max_records=300`);
      for (const r of page.records) values.push(Number.parseInt(r.value, 10));
      offset = page.next_offset;
    }
    expect(values).toEqual(Array.from({ length: 1600 }, (_, i) => i));
    const at = await (await call(`/v1/topics/${topic}/partitions/0/offsets?timestamp=${T0 + 250}`)).json();
    expect(at).toEqual({ offset: 250, timestamp: T0 + 250 });
    // The topic's configs say what tiering it has, as Kafka's DescribeConfigs would.
    const described = (await (await call(`/v1/topics/${topic}`)).json()) as any;
    expect(described.config["remote.storage.enable"]).toBe("true");
  });

  it("delete-records and topic deletion remove the R2 objects", async () => {
    const topic = await createTopic(1, { "remote.storage.enable": "true", "local.retention.bytes": 0, "retention.ms": -1 });
    await fill(topic);
    await alarm(topic);
    const s = await stats(topic);
    expect((await json(`/v1/topics/${topic}/partitions/0/delete-records`, "POST", { before_offset: s.end_offset - 1 })).status).toBe(200);
    expect((await stats(topic)).remote_segments).toBe(0);
    await alarm(topic);
    expect(await keys(topic)).toEqual([]);
    const again = await createTopic(1, { "remote.storage.enable": true, "local.retention.bytes": 0, "retention.ms": -1 });
    await fill(again);
    await alarm(again);
    expect((await keys(again)).length).toBeGreaterThan(0);
    expect((await call(`/v1/topics/${again}`, { method: "DELETE" })).status).toBe(204);
    // The topic's deletion dropped the partition, which deleted its objects first.
    expect(await keys(again)).toEqual([]);
  });

  it("refuses a config that is not Kafka's", async () => {
    const res = await json("/v1/topics", "POST", { name: `bad-${Date.now()}`, partitions: 1, config: { "remote.storage.enable": "yes" } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.code).toBe("invalid_config");
  });
});
