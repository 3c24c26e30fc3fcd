// Consumer groups end to end inside workerd: join with the assignment in the first answer, poll as
// heartbeat + fan-out fetch, auto-commit and explicit commit, positions and resets, long-poll across
// partitions, describe / list / delete.
import { describe, expect, it } from "vitest";
import { call, createTopic, expectError, json, produce, readMsgpack } from "./api-support.ts";
import { commit, describeGroup, join, leave, newGroup, partitionsOf, poll, sleep } from "./groups-support.ts";

const values = (records: Array<{ value: unknown }>) => records.map((r) => r.value).sort();

describe("consumer group basics", () => {
  it("a joining member gets its assignment in the first answer, then polls records of every partition", async () => {
    const topic = await createTopic(3);
    await produce(
      topic,
      [0, 1, 2, 3, 4, 5].map((i) => ({ value: `v${i}`, partition: i % 3 })),
    );
    const group = newGroup();
    const a = await join(group, { topics: [topic], auto_offset_reset: "earliest" });
    expect(a.member_id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(a.assignment).toEqual([{ topic, partitions: [0, 1, 2] }]);
    const first = await poll(group, a.member_id, a.member_epoch);
    expect(first.member_epoch).toBe(a.member_epoch);
    expect(values(first.records)).toEqual(["v0", "v1", "v2", "v3", "v4", "v5"]);
    expect(first.records[0]).toMatchObject({ topic, partition: 0, offset: 0, value: "v0", key: null, headers: {} });
    expect((await poll(group, a.member_id, a.member_epoch)).records).toEqual([]);
    // The second poll auto-committed what the first handed out.
    const d = await describeGroup(group);
    expect(d.offsets.map((o: any) => [o.partition, o.offset, o.lag])).toEqual([
      [0, 2, 0],
      [1, 2, 0],
      [2, 2, 0],
    ]);
    expect(d.members).toHaveLength(1);
    expect(d.state).toBe("stable");
  });

  it("starts at latest by default, at earliest, or at the first record at or after a timestamp", async () => {
    const topic = await createTopic(1);
    await produce(topic, [
      { value: "old", timestamp: 1_000 },
      { value: "mid", timestamp: 2_000 },
      { value: "new", timestamp: 3_000 },
    ]);
    const latest = newGroup();
    const l = await join(latest, { topics: [topic] });
    expect((await poll(latest, l.member_id, l.member_epoch)).records).toEqual([]);
    await produce(topic, [{ value: "after" }]);
    expect(values((await poll(latest, l.member_id, l.member_epoch)).records)).toEqual(["after"]);
    const byTime = newGroup();
    const t = await join(byTime, { topics: [topic], auto_offset_reset: { timestamp: 1_500 } });
    expect((await poll(byTime, t.member_id, t.member_epoch)).records.map((r) => r.value)).toEqual(["mid", "new", "after"]);
  });

  it("explicit commits with auto_commit off; a restarted member resumes exactly where its group stopped", async () => {
    const topic = await createTopic(1);
    await produce(
      topic,
      [1, 2, 3, 4].map((i) => ({ value: i })),
    );
    const group = newGroup();
    const a = await join(group, { topics: [topic], auto_offset_reset: "earliest", auto_commit: false });
    const got = await poll(group, a.member_id, a.member_epoch, { max_records: 2 });
    expect(got.records.map((r) => r.value)).toEqual([1, 2]);
    const res = await commit(group, a.member_id, got.member_epoch, [{ topic, partition: 0, offset: 2, metadata: "batch-1" }]);
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).offsets[0]).toMatchObject({ topic, partition: 0, offset: 2, metadata: "batch-1" });
    // Nothing is auto-committed: the next poll leaves the committed offset at 2.
    await poll(group, a.member_id, a.member_epoch);
    expect((await describeGroup(group)).offsets[0]).toMatchObject({ offset: 2, metadata: "batch-1", lag: 2 });
    // "Maintenance": the member goes away without committing; a new one starts from offset 2.
    expect((await leave(group, a.member_id)).status).toBe(204);
    const b = await join(group, { topics: [topic], auto_offset_reset: "earliest" });
    expect((await poll(group, b.member_id, b.member_epoch)).records.map((r) => r.value)).toEqual([3, 4]);
  });

  it("a long poll answers as soon as any assigned partition gets a record", async () => {
    const topic = await createTopic(3);
    const group = newGroup();
    const a = await join(group, { topics: [topic], auto_offset_reset: "earliest" });
    await poll(group, a.member_id, a.member_epoch); // positions resolved, nothing there
    const started = Date.now();
    const waiting = poll(group, a.member_id, a.member_epoch, { wait_ms: 10_000 });
    await sleep(200);
    await produce(topic, [{ value: "ping", partition: 2 }]);
    const got = await waiting;
    expect(got.records.map((r) => [r.partition, r.value])).toEqual([[2, "ping"]]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("a member with nothing assigned waits out wait_ms, taking over a partition freed meanwhile", async () => {
    const topic = await createTopic(1);
    await produce(topic, [{ value: "only" }]);
    const group = newGroup();
    const a = await join(group, { topics: [topic], auto_offset_reset: "earliest", member_id: "owner" });
    const b = await join(group, { topics: [topic], auto_offset_reset: "earliest", member_id: "spare" });
    expect([a.assignment, b.assignment, b.pending]).toEqual([[{ topic, partitions: [0] }], [], []]);
    const started = Date.now();
    const waiting = poll(group, "spare", b.member_epoch, { wait_ms: 3_000 });
    await sleep(300);
    expect((await leave(group, "owner")).status).toBe(204);
    const got = await waiting;
    expect(got.assignment).toEqual([{ topic, partitions: [0] }]);
    expect(got.records.map((r) => r.value)).toEqual(["only"]);
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it("answers polls in MessagePack when asked", async () => {
    const topic = await createTopic(1);
    await produce(topic, [{ key: "k", value: { n: 1 } }]);
    const group = newGroup();
    const a = await join(group, { topics: [topic], auto_offset_reset: "earliest" });
    const res = await json(
      `/v1/groups/${group}/members/${a.member_id}/poll`,
      "POST",
      { member_epoch: a.member_epoch },
      { accept: "application/msgpack" },
    );
    expect(res.headers.get("content-type")).toContain("application/msgpack");
    const body = await readMsgpack(res);
    expect(body.member_id).toBe(a.member_id);
    expect(body.records[0].topic).toBe(topic);
    expect(new TextDecoder().decode(body.records[0].key)).toBe("k");
    expect(JSON.parse(new TextDecoder().decode(body.records[0].value))).toEqual({ n: 1 });
  });

  it("subscribes by pattern, including topics created later", async () => {
    const prefix = `pat${Date.now().toString(36)}`;
    for (const suffix of ["a", "b"])
      expect((await json("/v1/topics", "POST", { name: `${prefix}.${suffix}`, partitions: 1 })).status).toBe(201);
    expect((await json("/v1/topics", "POST", { name: `other-${prefix}`, partitions: 1 })).status).toBe(201);
    const group = newGroup();
    const a = await join(group, { pattern: `${prefix}\\..*`, auto_offset_reset: "earliest" });
    expect(partitionsOf(a.assignment)).toEqual([`${prefix}.a/0`, `${prefix}.b/0`]);
    expect((await json("/v1/topics", "POST", { name: `${prefix}.c`, partitions: 2 })).status).toBe(201);
    await produce(`${prefix}.c`, [{ value: "c0", partition: 0 }]);
    await sleep(2_100); // the Worker's topic-list cache lives 2 s
    let p = await poll(group, a.member_id, a.member_epoch);
    p = await poll(group, a.member_id, p.member_epoch); // picked up at the first poll; read from the next
    expect(partitionsOf(p.assignment)).toEqual([`${prefix}.a/0`, `${prefix}.b/0`, `${prefix}.c/0`, `${prefix}.c/1`]);
    expect(p.member_epoch).toBeGreaterThan(a.member_epoch);
  });

  it("drops a deleted topic from the assignment at the next poll", async () => {
    const keep = await createTopic(1);
    const gone = await createTopic(2);
    const group = newGroup();
    const a = await join(group, { topics: [gone, keep], auto_offset_reset: "earliest" });
    expect(partitionsOf(a.assignment)).toHaveLength(3);
    expect((await call(`/v1/topics/${gone}`, { method: "DELETE" })).status).toBe(204);
    const p = await poll(group, a.member_id, a.member_epoch);
    expect(p.assignment).toEqual([{ topic: keep, partitions: [0] }]);
    expect(p.member_epoch).toBeGreaterThan(a.member_epoch);
  });

  it("uses the range assignor when asked", async () => {
    const topic = await createTopic(5);
    const group = newGroup();
    const a = await join(group, { topics: [topic], assignor: "range", member_id: "m-a" });
    const b = await join(group, { topics: [topic], member_id: "m-b" });
    expect(b.assignment).toEqual([{ topic, partitions: [3, 4] }]);
    const pa = await poll(group, a.member_id, a.member_epoch);
    expect(pa.assignment).toEqual([{ topic, partitions: [0, 1, 2] }]);
    expect((await describeGroup(group)).assignor).toBe("range");
  });
});

describe("offset reset, describe, list, delete", () => {
  it("resets offsets: refused while members are active unless forced; earliest, latest, explicit", async () => {
    const topic = await createTopic(2);
    await produce(
      topic,
      [0, 1, 2, 3].map((i) => ({ value: i, partition: i % 2 })),
    );
    const group = newGroup();
    const a = await join(group, { topics: [topic], auto_offset_reset: "earliest" });
    await poll(group, a.member_id, a.member_epoch);
    await poll(group, a.member_id, a.member_epoch);
    await expectError(await json(`/v1/groups/${group}/offsets/reset`, "POST", { topics: [topic], to: "earliest" }), 409, "group_not_empty");
    const forced = await json(`/v1/groups/${group}/offsets/reset`, "POST", { topics: [topic], to: "earliest", force: true });
    expect(((await forced.json()) as any).offsets.map((o: any) => o.offset)).toEqual([0, 0]);
    // The active member restarts from the new offsets.
    expect(values((await poll(group, a.member_id, a.member_epoch)).records)).toEqual([0, 1, 2, 3]);
    expect((await leave(group, a.member_id)).status).toBe(204);
    const explicit = await json(`/v1/groups/${group}/offsets/reset`, "POST", { offsets: [{ topic, partition: 1, offset: 1 }] });
    expect(explicit.status).toBe(200);
    const latest = await json(`/v1/groups/${group}/offsets/reset`, "POST", { topics: [topic], to: "latest" });
    expect(((await latest.json()) as any).offsets.map((o: any) => o.offset)).toEqual([2, 2]);
    // A reset may move offsets back (the one way they ever go back).
    const back = await json(`/v1/groups/${group}/offsets/reset`, "POST", { topics: [topic], to: { timestamp: 0 } });
    expect(((await back.json()) as any).offsets.map((o: any) => o.offset)).toEqual([0, 0]);
  });

  it("lists groups, describes them, deletes only empty groups", async () => {
    const topic = await createTopic(1);
    const group = newGroup();
    const a = await join(group, { topics: [topic] });
    const list = (await (await call("/v1/groups")).json()) as any;
    expect(list.groups.map((g: any) => g.group)).toContain(group);
    const d = await describeGroup(group);
    expect(d).toMatchObject({ group, assignor: "uniform", state: "stable" });
    expect(d.members[0]).toMatchObject({
      member_id: a.member_id,
      member_epoch: a.member_epoch,
      assignment: [{ topic, partitions: [0] }],
      subscription: { topics: [topic] },
    });
    await expectError(await call(`/v1/groups/${group}`, { method: "DELETE" }), 409, "group_not_empty");
    expect((await leave(group, a.member_id)).status).toBe(204);
    expect((await call(`/v1/groups/${group}`, { method: "DELETE" })).status).toBe(204);
    await expectError(await call(`/v1/groups/${group}`), 404, "group_not_found");
    const after = (await (await call("/v1/groups")).json()) as any;
    expect(after.groups.map((g: any) => g.group)).not.toContain(group);
  });
});
