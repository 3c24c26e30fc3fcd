// The SDK's Consumer in a group, against the real broker in workerd: two members sharing
// partitions with assignment/revocation callbacks, auto-commit of what was yielded, explicit
// commit and seek, leaving on close and on break, and rejoining after being fenced without
// skipping or re-committing progress.
import { describe, expect, it } from "vitest";
import { Admin, Consumer, type ConsumerRecord, type TopicPartition } from "../../src/client/index.ts";
import { createTopic, json, produce } from "./api-support.ts";
import { brokerLink, take } from "./sdk-support.ts";

let groupCounter = 0;
const freshGroup = () => `sdk-g${Date.now().toString(36)}-${groupCounter++}`;
const admin = () => new Admin(brokerLink().options);

async function fill(topic: string, partitions: number, perPartition: number): Promise<void> {
  const records = [];
  for (let p = 0; p < partitions; p++) for (let i = 0; i < perPartition; i++) records.push({ partition: p, value: `p${p}-${i}` });
  await produce(topic, records);
}

const names = (ps: TopicPartition[]) => ps.map((p) => p.partition).sort();

describe("Consumer in a group", () => {
  it("shares partitions between two members, with assigned/revoked callbacks, each record once", async () => {
    const topic = await createTopic(4);
    await fill(topic, 4, 10);
    const group = freshGroup();
    const events: string[] = [];
    const options = (name: string) => ({
      ...brokerLink().options,
      group,
      topics: [topic],
      autoOffsetReset: "earliest" as const,
      maxRecords: 3,
      waitMs: 50,
      onAssigned: (ps: TopicPartition[]) => void events.push(`${name}+${names(ps).join(",")}`),
      onRevoked: (ps: TopicPartition[]) => void events.push(`${name}-${names(ps).join(",")}`),
    });
    const a = new Consumer(options("a"));
    const seen: ConsumerRecord[] = [];
    const itA = a[Symbol.asyncIterator]();
    for (let i = 0; i < 6; i++) seen.push((await itA.next()).value as ConsumerRecord);
    expect(events).toEqual(["a+0,1,2,3"]);

    const b = new Consumer(options("b"));
    const byMember = { a: seen.length, b: 0 };
    const done = () => seen.length >= 40;
    const run = async (it: AsyncIterator<ConsumerRecord>, name: "a" | "b") => {
      for (let r = await it.next(); !r.done; r = await it.next()) {
        seen.push(r.value);
        byMember[name]++;
        if (done()) break;
      }
    };
    const loops = [run(itA, "a"), run(b[Symbol.asyncIterator](), "b")];
    await Promise.race(loops);
    const beforeClose = [...events];
    await Promise.all([a.close(), b.close()]);
    await Promise.all(loops);

    const ids = seen.map((r) => `${r.partition}/${r.offset}`);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(40);
    expect(byMember.b).toBeGreaterThan(0);
    // a gave up two partitions (as the assignor balanced them), b received exactly those; on
    // close each member's remaining partitions were revoked.
    const union = (prefix: string, list: string[]) =>
      list
        .filter((e) => e.startsWith(prefix))
        .flatMap((e) => e.slice(2).split(","))
        .sort();
    expect(union("a-", beforeClose)).toHaveLength(2);
    expect(union("b+", beforeClose)).toEqual(union("a-", beforeClose));
    const onClose = events.slice(beforeClose.length);
    expect(union("a-", onClose).concat(union("b-", onClose)).sort()).toEqual(["0", "1", "2", "3"]);
    const described = await admin().describeGroup(group);
    expect(described.members).toEqual([]);
    expect(described.offsets.map((o) => o.offset)).toEqual([10, 10, 10, 10]);
  });

  it("auto-commits what was yielded when the loop breaks, and the next member continues there", async () => {
    const topic = await createTopic(1);
    await fill(topic, 1, 10);
    const group = freshGroup();
    const options = { ...brokerLink().options, group, topics: [topic], autoOffsetReset: "earliest" as const, waitMs: 50 };
    const first = await take(new Consumer(options), 4);
    expect(first.map((r) => r.value)).toEqual(["p0-0", "p0-1", "p0-2", "p0-3"]);
    const described = await admin().describeGroup(group);
    expect(described.members).toEqual([]);
    expect(described.offsets[0]).toMatchObject({ offset: 4, lag: 6 });
    const next = new Consumer(options);
    expect((await take(next, 2)).map((r) => r.offset)).toEqual([4, 5]);
  });

  it("auto-commits processed records on its interval while the loop is busy with a batch", async () => {
    const topic = await createTopic(1);
    await fill(topic, 1, 10);
    const group = freshGroup();
    const c = new Consumer({
      ...brokerLink().options,
      group,
      topics: [topic],
      autoOffsetReset: "earliest",
      autoCommitIntervalMs: 20,
      waitMs: 0,
    });
    const it = c[Symbol.asyncIterator]();
    for (let i = 0; i < 4; i++) await it.next(); // offsets 0..3 yielded; 0..2 processed
    const committed = async () => (await admin().describeGroup(group)).offsets[0]?.offset;
    let seen: number | undefined;
    for (let tries = 0; tries < 200 && seen !== 3; tries++) {
      seen = await committed();
      if (seen !== 3) await new Promise((r) => setTimeout(r, 10));
    }
    expect(seen).toBe(3);
    await it.return!(); // offset 3 counts as processed when the loop stops
    expect(await committed()).toBe(4);
  });

  it("commits explicitly, seeks back and forward, and a new member starts at the committed offset", async () => {
    const topic = await createTopic(1);
    await fill(topic, 1, 10);
    const group = freshGroup();
    const options = {
      ...brokerLink().options,
      group,
      topics: [topic],
      autoOffsetReset: "earliest" as const,
      autoCommit: false,
      waitMs: 50,
    };
    const c = new Consumer(options);
    const it = c[Symbol.asyncIterator]();
    const offsets = async (n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push(((await it.next()).value as ConsumerRecord).offset);
      return out;
    };
    expect(await offsets(3)).toEqual([0, 1, 2]);
    await c.commit();
    expect((await admin().describeGroup(group)).offsets[0]!.offset).toBe(3);
    c.seek({ topic, partition: 0, offset: 1 });
    expect(await offsets(2)).toEqual([1, 2]);
    c.seek({ topic, partition: 0, offset: 8 });
    expect(await offsets(2)).toEqual([8, 9]);
    await c.commit([{ topic, partition: 0, offset: 9 }]);
    await it.return!();
    expect((await admin().describeGroup(group)).members).toEqual([]);
    const again = await take(new Consumer(options), 1);
    expect(again[0]!.offset).toBe(9);
  });

  it("with a consume-only key, seeks forward by committing and rejoining; backwards needs the admin grant", async () => {
    const topic = await createTopic(1);
    await fill(topic, 1, 10);
    const group = freshGroup();
    const key = await json("/v1/keys", "POST", {
      name: "reader",
      grants: [
        { operation: "consume", resource: `topic:${topic}` },
        { operation: "consume", resource: `group:${group}` },
      ],
    });
    const { secret } = (await key.json()) as { secret: string };
    const c = new Consumer({
      ...brokerLink({ token: secret }).options,
      group,
      topics: [topic],
      autoOffsetReset: "earliest",
      autoCommit: false,
      waitMs: 0,
    });
    const it = c[Symbol.asyncIterator]();
    const next = async () => ((await it.next()).value as ConsumerRecord).offset;
    expect(await next()).toBe(0);
    c.seek({ topic, partition: 0, offset: 6 });
    expect([await next(), await next()]).toEqual([6, 7]);
    c.seek({ topic, partition: 0, offset: 2 });
    await expect(it.next()).rejects.toMatchObject({ code: "offset_regression", status: 409 });
    await c.close();
  });

  it("rejoins after being fenced by a newer incarnation and resumes from the committed offset", async () => {
    const topic = await createTopic(1);
    await fill(topic, 1, 10);
    const group = freshGroup();
    const revoked: number[][] = [];
    const c = new Consumer({
      ...brokerLink().options,
      group,
      topics: [topic],
      autoOffsetReset: "earliest",
      autoCommit: false,
      waitMs: 50,
      memberId: "worker-1",
      maxRecords: 2,
      onRevoked: (ps) => void revoked.push(names(ps)),
    });
    const it = c[Symbol.asyncIterator]();
    const next = async () => ((await it.next()).value as ConsumerRecord).offset;
    expect([await next(), await next(), await next()]).toEqual([0, 1, 2]);
    await c.commit();
    expect(await next()).toBe(3);
    // Another process joins as "worker-1": a new incarnation that fences this one.
    const impostor = await json(`/v1/groups/${group}/members`, "POST", { topics: [topic], member_id: "worker-1", auto_commit: false });
    expect(impostor.status).toBe(200);
    await expect(c.commit()).rejects.toMatchObject({ code: "stale_epoch", status: 409 });
    // The loop carries on: the consumer joins again and gets everything after the committed offset.
    const rest: number[] = [];
    while (rest.length < 7) rest.push(await next());
    expect(rest).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(revoked).toEqual([[0]]);
    await c.commit();
    await c.close();
    const described = await admin().describeGroup(group);
    expect(described.offsets[0]!.offset).toBe(10);
  });

  it("joins again after its session expired and continues from the committed offset", async () => {
    const topic = await createTopic(1);
    await fill(topic, 1, 6);
    const group = freshGroup();
    const assigned: number[][] = [];
    const c = new Consumer({
      ...brokerLink().options,
      group,
      topics: [topic],
      autoOffsetReset: "earliest",
      autoCommit: false,
      sessionTimeoutMs: 500,
      waitMs: 0,
      maxRecords: 2,
    });
    c.on("assigned", (ps) => void assigned.push(names(ps)));
    const it = c[Symbol.asyncIterator]();
    const next = async () => ((await it.next()).value as ConsumerRecord).offset;
    expect([await next(), await next()]).toEqual([0, 1]);
    await c.commit();
    // Silent past the session timeout: the coordinator removes the member.
    await new Promise((r) => setTimeout(r, 800));
    expect((await admin().describeGroup(group)).members).toEqual([]);
    expect([await next(), await next(), await next(), await next()]).toEqual([2, 3, 4, 5]);
    expect(assigned).toEqual([[0], [0]]);
    await c.close();
  });

  it("closes when its signal aborts, ending a waiting loop and leaving the group", async () => {
    const topic = await createTopic(1);
    const group = freshGroup();
    const controller = new AbortController();
    const c = new Consumer({ ...brokerLink().options, group, topics: [topic], waitMs: 10_000, signal: controller.signal });
    const loop = take(c, 1);
    await new Promise((r) => setTimeout(r, 100));
    expect((await admin().describeGroup(group)).members).toHaveLength(1);
    controller.abort();
    expect(await loop).toEqual([]);
    expect((await admin().describeGroup(group)).members).toEqual([]);
  });

  it("reports a topic that does not exist, and ends the loop when closed while waiting", async () => {
    const group = freshGroup();
    const missing = new Consumer({ ...brokerLink().options, group, topics: ["no-such-topic"] });
    await expect(take(missing, 1)).rejects.toMatchObject({ code: "topic_not_found", retriable: false });
    await missing.close();

    const topic = await createTopic(1);
    const idle = new Consumer({ ...brokerLink().options, group, topics: [topic], waitMs: 10_000 });
    const loop = take(idle, 1);
    await new Promise((r) => setTimeout(r, 100));
    await idle.close();
    expect(await loop).toEqual([]);
    expect((await admin().describeGroup(group)).members).toEqual([]);
  });
});
