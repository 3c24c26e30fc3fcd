// The SSE tail of a consumer-group member (GET /v1/groups/{g}/members/{m}/events) inside workerd:
// records of every assigned partition with topic and partition, the assignment event, resume with
// Last-Event-ID across partitions while producers keep writing (no gap, no duplicate), following a
// rebalance, and the clean end when the member is fenced or removed, its topic is deleted or its
// API key revoked.
import { describe, expect, it } from "vitest";
import { call, createTopic, expectError, produce } from "./api-support.ts";
import { join, leave, newGroup, partitionsOf, poll } from "./groups-support.ts";
import { SseReader, type SseEvent } from "../support/sse-reader.ts";

async function open(group: string, member: string, query: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const res = await call(`/v1/groups/${group}/members/${member}/events?${query}`, { headers });
  expect(res.status, res.status === 200 ? "" : await res.clone().text()).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  return new SseReader(res.body!);
}

/** Record events until `n` arrived (assignment events are collected aside). */
async function records(sse: SseReader, n: number, assignments: SseEvent[] = [], timeoutMs = 10_000): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  while (out.length < n) {
    const e = await sse.nextEvent(timeoutMs);
    if (!e) throw new Error(`the stream ended after ${out.length} records`);
    if (e.event === "assignment") assignments.push(e);
    else if (e.event === "record") out.push(e);
    else throw new Error(`unexpected ${e.event}: ${e.data}`);
  }
  return out;
}

/** Events until one that is neither a record nor an assignment (end, error), or the stream's end. */
async function until(sse: SseReader, timeoutMs = 10_000): Promise<SseEvent | undefined> {
  for (;;) {
    const e = await sse.nextEvent(timeoutMs);
    if (!e || (e.event !== "record" && e.event !== "assignment")) return e;
  }
}

const data = (e: SseEvent) => JSON.parse(e.data);

describe("group member SSE tail", () => {
  it("sends the assignment, then every record of the member's partitions with topic, partition and a cursor id", async () => {
    const topic = await createTopic(2);
    await produce(topic, [
      { value: "a0", partition: 0 },
      { value: "b0", partition: 1 },
    ]);
    const group = newGroup();
    const m = await join(group, { topics: [topic], auto_offset_reset: "earliest" });
    const sse = await open(group, m.member_id, `member_epoch=${m.member_epoch}`);
    const first = await sse.nextEvent();
    expect(first?.event).toBe("assignment");
    expect(data(first!)).toMatchObject({ member_epoch: m.member_epoch, assignment: [{ topic, partitions: [0, 1] }], pending: [] });
    expect(first!.id).toBe(String(m.member_epoch));
    const backlog = await records(sse, 2);
    expect(backlog.map((e) => data(e).value).sort()).toEqual(["a0", "b0"]);
    await produce(topic, [{ key: "k", value: "a1", partition: 0, headers: { h: "v" } }]);
    const [live] = await records(sse, 1);
    expect(data(live!)).toMatchObject({ topic, partition: 0, offset: 1, key: "k", value: "a1", headers: { h: "v" } });
    expect(typeof data(live!).timestamp).toBe("number");
    expect(live!.id!.split(",")[0]).toBe(String(m.member_epoch));
    expect(live!.id!.split(",").slice(1).sort()).toEqual([`${topic}:0:1`, `${topic}:1:0`]);
    await sse.cancel();
  });

  it("resumes with Last-Event-ID across partitions while producers keep writing: no gap, no duplicate", async () => {
    const topic = await createTopic(3);
    const group = newGroup();
    const m = await join(group, { topics: [topic], auto_offset_reset: "earliest", auto_commit: true });
    const total = 90;
    // Producers write concurrently with the reconnecting reader, to all three partitions.
    const producing = (async () => {
      for (let i = 0; i < total; i += 3) {
        await produce(
          topic,
          [0, 1, 2].map((p) => ({ value: i + p, partition: p })),
        );
      }
    })();
    const seen: Array<[number, number]> = [];
    let lastId: string | undefined;
    for (let round = 0; seen.length < total && round < 200; round++) {
      const headers: Record<string, string> = lastId === undefined ? {} : { "last-event-id": lastId };
      // The URL keeps the first epoch, as an EventSource resends it; the id wins.
      const sse = await open(group, m.member_id, `member_epoch=${m.member_epoch}&heartbeat_ms=1000`, headers);
      // Read a few records and drop the connection: what the stream wrote after them is lost.
      const got = await records(sse, Math.min(7, total - seen.length));
      await sse.cancel();
      for (const e of got) seen.push([data(e).partition, data(e).offset]);
      lastId = got[got.length - 1]!.id;
    }
    await producing;
    for (const p of [0, 1, 2]) {
      expect(seen.filter(([q]) => q === p).map(([, o]) => o)).toEqual(Array.from({ length: total / 3 }, (_, i) => i));
    }
  });

  // The stream a client resumed from may still be running: its server has not noticed the client
  // left (an abandoned half-open connection, or the round it was in when the client dropped it).
  // It must not take records meanwhile (they would reach nobody: a gap for the resumed client).
  it("a stream resumed with Last-Event-ID replaces the member's earlier stream, even one still open", async () => {
    const topic = await createTopic(2);
    await produce(topic, [
      { value: "a0", partition: 0 },
      { value: "b0", partition: 1 },
    ]);
    const group = newGroup();
    const m = await join(group, { topics: [topic], auto_offset_reset: "earliest", auto_commit: true });
    const old = await open(group, m.member_id, `member_epoch=${m.member_epoch}&heartbeat_ms=1000`);
    const [, last] = await records(old, 2);
    // `old` stays open and nobody reads it any more; the client resumes on a new connection.
    const resumed = await open(group, m.member_id, `member_epoch=${m.member_epoch}&heartbeat_ms=1000`, { "last-event-id": last!.id! });
    const total = 20;
    for (let i = 1; i <= total; i++) {
      await produce(topic, [
        { value: `a${i}`, partition: 0 },
        { value: `b${i}`, partition: 1 },
      ]);
    }
    const got = await records(resumed, 2 * total);
    for (const p of [0, 1]) {
      expect(got.filter((e) => data(e).partition === p).map((e) => data(e).offset)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    }
    // The earlier stream ended when the resumed one took over, having delivered nothing more.
    const end = await until(old);
    expect([end?.event, data(end!).reason]).toEqual(["end", "stream_replaced"]);
    expect(await old.next(5_000)).toBeUndefined();
    await resumed.cancel();
  });

  it("follows a rebalance: the partitions a new member takes leave this stream's assignment", async () => {
    const topic = await createTopic(2);
    const group = newGroup();
    const a = await join(group, { topics: [topic], auto_offset_reset: "earliest" });
    const sse = await open(group, a.member_id, `member_epoch=${a.member_epoch}&heartbeat_ms=1000`);
    expect(partitionsOf(data((await sse.nextEvent())!).assignment)).toEqual([`${topic}/0`, `${topic}/1`]);
    const b = await join(group, { topics: [topic], auto_offset_reset: "earliest" });
    // The stream is A's heartbeat: A releases one partition on its own, then B gets it.
    let next: SseEvent | undefined;
    do next = await sse.nextEvent(10_000);
    while (next && partitionsOf(data(next).assignment).length !== 1);
    expect(next?.event).toBe("assignment");
    const kept = partitionsOf(data(next!).assignment);
    let bHas: string[] = [];
    for (let i = 0; i < 40 && bHas.length === 0; i++)
      bHas = partitionsOf((await poll(group, b.member_id, b.member_epoch, { wait_ms: 100 })).assignment);
    expect([...kept, ...bHas].sort()).toEqual([`${topic}/0`, `${topic}/1`]);
    await sse.cancel();
  });

  it("ends with member_fenced when the member joins again elsewhere, member_removed when it leaves", async () => {
    const topic = await createTopic();
    const group = newGroup();
    const m = await join(group, { topics: [topic] });
    const sse = await open(group, m.member_id, `member_epoch=${m.member_epoch}&heartbeat_ms=1000`);
    const first = await sse.nextEvent();
    // A new incarnation of the same member id fences the stream's epoch.
    const again = await join(group, { topics: [topic], member_id: m.member_id });
    const end = await until(sse);
    expect(end?.event).toBe("end");
    expect(data(end!).reason).toBe("member_fenced");
    expect(await sse.next(5_000)).toBeUndefined();
    // A reconnecting EventSource then gets a plain 409 and stops.
    await expectError(
      await call(`/v1/groups/${group}/members/${m.member_id}/events`, { headers: { "last-event-id": first!.id! } }),
      409,
      "stale_epoch",
    );

    const current = await open(group, m.member_id, `member_epoch=${again.member_epoch}&heartbeat_ms=1000`);
    expect((await current.nextEvent())?.event).toBe("assignment");
    expect((await leave(group, m.member_id)).status).toBe(204);
    const removed = await until(current);
    expect([removed?.event, data(removed!).reason]).toEqual(["end", "member_removed"]);
    expect(await current.next(5_000)).toBeUndefined();
    await expectError(
      await call(`/v1/groups/${group}/members/${m.member_id}/events?member_epoch=${again.member_epoch}`),
      404,
      "unknown_member",
    );
  });

  it("ends with topic_deleted when every subscribed topic is deleted", async () => {
    const topic = await createTopic();
    await produce(topic, [{ value: 0 }]);
    const group = newGroup();
    const m = await join(group, { topics: [topic], auto_offset_reset: "earliest" });
    const sse = await open(group, m.member_id, `member_epoch=${m.member_epoch}&heartbeat_ms=1000`);
    expect((await records(sse, 1)).map((e) => data(e).value)).toEqual([0]);
    expect((await call(`/v1/topics/${topic}`, { method: "DELETE" })).status).toBe(204);
    const end = await until(sse, 15_000);
    expect([end?.event, data(end!).reason]).toEqual(["end", "topic_deleted"]);
    expect(await sse.next(5_000)).toBeUndefined();
  });

  it("ends with credentials_revoked when the API key it was opened with is revoked", async () => {
    const topic = await createTopic(1);
    const group = newGroup();
    const created = await call("/v1/keys", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        name: `group-sse-${topic}`,
        grants: [
          { operation: "consume", resource: `group:${group}` },
          { operation: "consume", resource: `topic:${topic}` },
        ],
      }),
    });
    const key = (await created.json()) as { id: string; secret: string };
    const m = await join(group, { topics: [topic], auto_offset_reset: "earliest" });
    const sse = await open(group, m.member_id, `member_epoch=${m.member_epoch}&heartbeat_ms=1000`, {
      authorization: `Bearer ${key.secret}`,
    });
    expect((await sse.nextEvent())?.event).toBe("assignment");
    expect((await call(`/v1/keys/${key.id}`, { method: "DELETE" })).status).toBe(204);
    const end = await until(sse);
    expect(end?.event).toBe("end");
    expect(data(end!).reason).toBe("credentials_revoked");
    expect(await sse.next(5_000)).toBeUndefined();
  });

  it("jumps to the new log start when retention deleted what it would read next (auto_offset_reset)", async () => {
    const topic = await createTopic();
    for (let i = 0; i < 30; i++) await produce(topic, [{ value: i }]);
    const group = newGroup();
    const m = await join(group, { topics: [topic], auto_offset_reset: "earliest" });
    // One record per round: the stream is at most a few records ahead of this client.
    const sse = await open(group, m.member_id, `member_epoch=${m.member_epoch}&max_records=1&heartbeat_ms=1000`);
    expect((await records(sse, 1)).map((e) => data(e).offset)).toEqual([0]);
    const del = await call(`/v1/topics/${topic}/partitions/0/delete-records`, {
      method: "POST",
      body: JSON.stringify({ before_offset: -1 }),
      headers: { "content-type": "application/json" },
    });
    expect(await del.json()).toEqual({ start_offset: 30 });
    await produce(topic, [{ value: 30 }]);
    const after: number[] = [];
    while (after[after.length - 1] !== 30) after.push(data((await records(sse, 1))[0]!).offset);
    // Contiguous from where the client was up to what was already on its way, then the new start.
    const before = after.slice(0, -1);
    expect(before).toEqual(Array.from({ length: before.length }, (_, i) => i + 1));
    expect(before.length).toBeLessThan(29);
    await sse.cancel();
  });

  it("refuses bad input before the stream opens", async () => {
    const topic = await createTopic();
    const group = newGroup();
    const m = await join(group, { topics: [topic] });
    const base = `/v1/groups/${group}/members/${m.member_id}/events`;
    let err = await expectError(await call(base), 400, "invalid_parameter");
    expect(err.message).toContain("member_epoch");
    err = await expectError(await call(base, { headers: { "last-event-id": "x,y" } }), 400, "invalid_parameter");
    expect(err.message).toContain("Last-Event-ID");
    await expectError(await call(base, { headers: { "last-event-id": `${m.member_epoch},${topic}:0` } }), 400, "invalid_parameter");
    await expectError(await call(`${base}?member_epoch=${m.member_epoch}&heartbeat_ms=0`), 400, "invalid_parameter");
    await expectError(await call(`${base}?member_epoch=${m.member_epoch + 5}`), 409, "stale_epoch");
    await expectError(await call(`/v1/groups/${group}/members/nobody/events?member_epoch=1`), 404, "unknown_member");
    await expectError(await call(`/v1/groups/${group}/members/bad%20id/events?member_epoch=1`), 400, "invalid_member_id");
    await expectError(await call(`/v1/groups/bad%20group/members/x/events?member_epoch=1`), 400, "invalid_group_name");
  });
});
