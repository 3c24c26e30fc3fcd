// The SDK's Admin against the real broker in workerd: topics, offsets, groups, API keys and
// producer ids, with the broker's errors surfacing as EdgebrokerError.
import { describe, expect, it } from "vitest";
import { Admin, Consumer, EdgebrokerError, Producer } from "../../src/client/index.ts";
import { produce } from "./api-support.ts";
import { brokerLink, take } from "./sdk-support.ts";

const admin = () => new Admin(brokerLink().options);
let n = 0;
const fresh = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${n++}`;

describe("Admin", () => {
  it("creates, lists, describes, alters and deletes topics", async () => {
    const a = admin();
    const name = fresh("adm");
    const created = await a.createTopic({ name, partitions: 2, config: { "retention.ms": 600_000 } });
    expect(created).toMatchObject({ name, config: { "retention.ms": 600_000 } });
    expect(created.partitions.map((p) => [p.partition, p.start_offset, p.end_offset])).toEqual([
      [0, 0, 0],
      [1, 0, 0],
    ]);
    expect(await a.listTopics()).toContainEqual({ name, partitions: 2 });
    const altered = await a.alterTopicConfig(name, { "retention.ms": 60_000 });
    expect(altered.config["retention.ms"]).toBe(60_000);
    await expect(a.createTopic({ name, partitions: 2 })).rejects.toMatchObject({ code: "topic_exists", status: 409, retriable: false });
    await expect(a.createTopic({ name: "bad name!", partitions: 1 })).rejects.toMatchObject({ code: "invalid_topic_name", status: 400 });
    await a.deleteTopic(name);
    const gone = await a.describeTopic(name).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(EdgebrokerError);
    expect(gone).toMatchObject({ code: "topic_not_found", status: 404 });
  });

  it("finds offsets by timestamp and deletes records", async () => {
    const a = admin();
    const name = fresh("ts");
    await a.createTopic({ name, partitions: 1 });
    await produce(
      name,
      [10, 20, 30].map((t) => ({ value: t, timestamp: 1_000 + t })),
    );
    expect(await a.offsetForTimestamp(name, 0, 1_015)).toMatchObject({ offset: 1, timestamp: 1_020 });
    expect((await a.offsetForTimestamp(name, 0, "earliest")).offset).toBe(0);
    expect((await a.offsetForTimestamp(name, 0, "latest")).offset).toBe(3);
    expect(await a.deleteRecords(name, 0, 2)).toEqual({ start_offset: 2 });
    expect((await a.describeTopic(name)).partitions[0]!.start_offset).toBe(2);
  });

  it("lists, describes, resets and deletes groups", async () => {
    const a = admin();
    const topic = fresh("grp");
    const group = fresh("g");
    await a.createTopic({ name: topic, partitions: 1 });
    await produce(
      topic,
      [1, 2, 3, 4].map((value) => ({ value })),
    );
    await take(new Consumer({ ...brokerLink().options, group, topics: [topic], autoOffsetReset: "earliest", waitMs: 0 }), 3);
    expect((await a.listGroups()).map((g) => g.group)).toContain(group);
    const described = await a.describeGroup(group);
    expect(described).toMatchObject({ group, state: "empty", members: [] });
    expect(described.offsets).toMatchObject([{ topic, partition: 0, offset: 3, lag: 1 }]);
    expect((await a.resetOffsets(group, { topics: [topic], to: "earliest" })).offsets).toMatchObject([{ topic, partition: 0, offset: 0 }]);
    expect((await a.resetOffsets(group, { offsets: [{ topic, partition: 0, offset: 2 }] })).offsets).toMatchObject([{ offset: 2 }]);
    await a.deleteGroup(group);
    await expect(a.describeGroup(group)).rejects.toMatchObject({ code: "group_not_found", status: 404 });
  });

  it("creates, lists, rotates and revokes keys; a key can do what its grants say and no more", async () => {
    const a = admin();
    const topic = fresh("keyed");
    await a.createTopic({ name: topic, partitions: 1 });
    const key = await a.createKey({ name: "device", grants: [{ operation: "produce", resource: `topic:${topic}` }] });
    expect(key.secret).toMatch(/^ebk_/);
    expect((await a.listKeys()).find((k) => k.id === key.id)).toMatchObject({ name: "device", revoked_at: null });
    expect(await a.getKey(key.id)).not.toHaveProperty("secret");

    const asDevice = { ...brokerLink().options, token: key.secret };
    const producer = new Producer(asDevice);
    expect(await producer.send({ topic, value: "hello" })).toMatchObject({ partition: 0, offset: 0 });
    await expect(new Admin(asDevice).createTopic({ name: fresh("nope"), partitions: 1 })).rejects.toMatchObject({
      code: "forbidden",
      status: 403,
    });

    const rotated = await a.rotateKey(key.id, { graceMs: 60_000 });
    expect(rotated.secret).not.toBe(key.secret);
    expect(rotated.previous_valid_until).toBeGreaterThan(rotated.rotated_at);
    await a.revokeKey(key.id);
    await expect(producer.send({ topic, value: "after revoke" })).rejects.toMatchObject({ code: "unauthorized", status: 401 });
    await producer.close();
  });

  it("allocates producer ids; the same name gets the next epoch", async () => {
    const a = admin();
    const name = fresh("prod");
    const first = await a.createProducerId(name);
    expect(await a.createProducerId(name)).toEqual({ producer_id: first.producer_id, producer_epoch: first.producer_epoch + 1 });
    expect((await a.createProducerId()).producer_id).not.toBe(first.producer_id);
  });
});
