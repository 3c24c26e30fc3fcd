// Regression, inside workerd: an append from a process whose topic cache predated a PATCH carried
// the old config, and the partition object took it over the PATCH's (a lowered retention.ms was
// then never applied). The stale process is a second TopicCache, filled before the PATCH and
// never expiring, whose TopicInfo goes to the partition object as the produce routes send it.
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { TopicCache } from "../../src/http/topics/topic-cache.ts";
import { call, createTopic, json, partitionStub, produce, testEnv } from "./api-support.ts";
import { batchOf } from "./batch-support.ts";

const cluster = () => testEnv.CLUSTER.get(testEnv.CLUSTER.idFromName("cluster"));

async function stats(topic: string) {
  return ((await (await call(`/v1/topics/${topic}`)).json()) as any).partitions[0];
}

describe("topic config revisions", () => {
  it("keeps a PATCHed retention.ms when an append comes through a cache from before the PATCH", async () => {
    const topic = await createTopic(1, { "retention.ms": -1 });
    const stale = new TopicCache(cluster, 60_000, () => 0); // its clock never moves: the entry stays
    const before = await stale.get(topic);
    expect(before.config_revision).toBe(0);
    await produce(topic, [{ value: "old", timestamp: 1_000 }]);
    await produce(topic, [{ value: "old too", timestamp: 2_000 }]);

    const res = await json(`/v1/topics/${topic}`, "PATCH", { config: { "retention.ms": 60_000 } });
    expect(res.status).toBe(200);
    expect(await cluster().describeTopic(topic)).toMatchObject({ ok: true, topic: { config_revision: 1 } });

    // The other process appends with what its cache holds: retention.ms -1, revision 0.
    const cached = await stale.get(topic);
    expect(cached.config).toEqual({ "retention.ms": -1 });
    const appended = await partitionStub(topic, 0).append({
      topic,
      partition: 0,
      epoch: cached.epoch,
      batches: await batchOf(["stale"], 3_000),
      config: cached.config,
      configRevision: cached.config_revision,
    });
    expect(appended).toMatchObject({ ok: true, baseOffsets: [2] });

    // The partition still follows the PATCH: its alarm deletes every row older than 60 s.
    expect(await runDurableObjectAlarm(partitionStub(topic, 0))).toBe(true);
    expect(await stats(topic)).toMatchObject({ start_offset: 3, end_offset: 3, rows: 0 });
  });
});
