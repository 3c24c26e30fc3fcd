// The SSE tail (GET /v1/topics/{topic}/partitions/{p}/events) inside workerd: order and ids, resume
// with Last-Event-ID without gaps or duplicates, heartbeats, the end of the stream when the topic
// is deleted, an error event when retention deletes what the subscriber was about to read, access,
// the end of the stream when its API key is revoked.
import { describe, expect, it } from "vitest";
import { call, createTopic, expectError, json, produce } from "./api-support.ts";
import { SseReader, type SseEvent } from "../support/sse-reader.ts";

async function open(topic: string, query: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const res = await call(`/v1/topics/${topic}/partitions/0/events?${query}`, { headers });
  expect(res.status, res.status === 200 ? "" : await res.clone().text()).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  return new SseReader(res.body!);
}

const offsetsOf = (events: SseEvent[]) => events.map((e) => Number(e.id));
const valuesOf = (events: SseEvent[]) => events.map((e) => JSON.parse(e.data).value);

describe("SSE tail", () => {
  it("sends the backlog then live records, in order, each with its offset as id", async () => {
    const topic = await createTopic();
    await produce(topic, [{ key: "k", value: { n: 0 }, headers: { h: "v" }, timestamp: 1_700_000_000_000 }, { value: 1 }, { value: 2 }]);
    const sse = await open(topic, "offset=0");
    const backlog = await sse.events(3);
    expect(backlog.map((e) => e.event)).toEqual(["record", "record", "record"]);
    expect(offsetsOf(backlog)).toEqual([0, 1, 2]);
    expect(JSON.parse(backlog[0]!.data)).toEqual({
      offset: 0,
      timestamp: 1_700_000_000_000,
      key: "k",
      value: { n: 0 },
      headers: { h: "v" },
    });
    // Live: records produced while the stream waits arrive without polling from the client.
    await produce(topic, [{ value: 3 }]);
    await produce(topic, [{ value: 4 }, { value: 5 }]);
    const live = await sse.events(3);
    expect(offsetsOf(live)).toEqual([3, 4, 5]);
    expect(valuesOf(live)).toEqual([3, 4, 5]);
    await sse.cancel();
  });

  it("starts at latest by default and at earliest on request", async () => {
    const topic = await createTopic();
    await produce(topic, [{ value: "old" }]);
    const latest = await open(topic, "");
    const earliest = await open(topic, "offset=earliest");
    await produce(topic, [{ value: "new" }]);
    expect(valuesOf(await latest.events(1))).toEqual(["new"]);
    expect(valuesOf(await earliest.events(2))).toEqual(["old", "new"]);
    await Promise.all([latest.cancel(), earliest.cancel()]);
  });

  it("resumes after a disconnect with Last-Event-ID: no gap, no duplicate", async () => {
    const topic = await createTopic();
    for (let i = 0; i < 5; i++) await produce(topic, [{ value: i }]);
    const seen: number[] = [];
    let lastId: string | undefined;
    // Three connections; each reads a few events and drops, while producers keep writing.
    for (let round = 0; round < 3; round++) {
      const headers: Record<string, string> = lastId === undefined ? {} : { "last-event-id": lastId };
      // The URL keeps offset=0 as an EventSource would resend it; the header wins.
      const sse = await open(topic, "offset=0", headers);
      const got = await sse.events(3);
      await sse.cancel();
      seen.push(...offsetsOf(got));
      lastId = got[got.length - 1]!.id;
      await produce(topic, [{ value: 5 + 2 * round }, { value: 6 + 2 * round }]);
    }
    const rest = await open(topic, "offset=0", { "last-event-id": lastId! });
    const total = 5 + 6;
    seen.push(...offsetsOf(await rest.events(total - seen.length)));
    await rest.cancel();
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => i));
    await expectError(
      await call(`/v1/topics/${topic}/partitions/0/events`, { headers: { "last-event-id": "abc" } }),
      400,
      "invalid_parameter",
    );
  });

  it("resumes with Last-Event-ID while producers write concurrently: every offset exactly once", async () => {
    const topic = await createTopic();
    const total = 60;
    const producing = (async () => {
      for (let i = 0; i < total; i += 3) await produce(topic, [{ value: i }, { value: i + 1 }, { value: i + 2 }]);
    })();
    const seen: number[] = [];
    let lastId: string | undefined;
    for (let round = 0; seen.length < total && round < 100; round++) {
      const sse = await open(topic, "offset=0", lastId === undefined ? {} : { "last-event-id": lastId });
      // Drop the connection after a few events: what the stream wrote beyond them is lost with it.
      const got = await sse.events(Math.min(4, total - seen.length), 10_000);
      await sse.cancel();
      seen.push(...offsetsOf(got));
      lastId = got[got.length - 1]!.id;
    }
    await producing;
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => i));
  });

  it("sends a heartbeat comment while idle", async () => {
    const topic = await createTopic();
    const sse = await open(topic, "offset=latest&heartbeat_ms=1000");
    // One at once (headers flush on every server), then one per heartbeat_ms while idle.
    expect(await sse.next(3_000)).toEqual({ comment: "heartbeat" });
    expect(await sse.next(3_000)).toEqual({ comment: "heartbeat" });
    expect(await sse.next(3_000)).toEqual({ comment: "heartbeat" });
    await produce(topic, [{ value: "after" }]);
    expect(valuesOf([(await sse.nextEvent(2_000))!])).toEqual(["after"]);
    await sse.cancel();
    await expectError(await call(`/v1/topics/${topic}/partitions/0/events?heartbeat_ms=0`), 400, "invalid_parameter");
  });

  // Regression (issue #14, item 9b): heartbeat_ms=1 turned the tail's loop a thousand times a
  // second. Below the floor of 1,000 ms the request is refused, on both SSE tails.
  it("refuses heartbeat_ms below 1000, naming the floor", async () => {
    const topic = await createTopic();
    for (const value of [1, 10, 999]) {
      const body = await expectError(await call(`/v1/topics/${topic}/partitions/0/events?heartbeat_ms=${value}`), 400, "invalid_parameter");
      expect(body).toMatchObject({ minimum: 1000 });
      const group = await expectError(
        await call(`/v1/groups/g-floor/members/m/events?member_epoch=1&heartbeat_ms=${value}`),
        400,
        "invalid_parameter",
      );
      expect(group).toMatchObject({ minimum: 1000 });
    }
    const ok = await call(`/v1/topics/${topic}/partitions/0/events?heartbeat_ms=1000`);
    expect(ok.status).toBe(200);
    await ok.body?.cancel();
  });

  it("ends cleanly when the topic is deleted", async () => {
    const topic = await createTopic();
    await produce(topic, [{ value: 0 }]);
    const sse = await open(topic, "offset=0&heartbeat_ms=60000");
    expect(offsetsOf(await sse.events(1))).toEqual([0]);
    expect((await call(`/v1/topics/${topic}`, { method: "DELETE" })).status).toBe(204);
    const end = await sse.nextEvent(5_000);
    expect(end?.event).toBe("end");
    expect(JSON.parse(end!.data)).toEqual({ reason: "topic_deleted", next_offset: 1 });
    expect(await sse.next(5_000)).toBeUndefined();
    // A reconnecting EventSource then gets a plain 404 and stops.
    await expectError(await call(`/v1/topics/${topic}/partitions/0/events?offset=0`), 404, "topic_not_found");
  });

  it("sends an error event when the records it was reading are deleted, then closes", async () => {
    const topic = await createTopic();
    for (let i = 0; i < 30; i++) await produce(topic, [{ value: i }]);
    // One record per read: the stream is at most a few records ahead of what this client took.
    const sse = await open(topic, "offset=0&max_records=1");
    expect(offsetsOf(await sse.events(1))).toEqual([0]);
    const del = await json(`/v1/topics/${topic}/partitions/0/delete-records`, "POST", { before_offset: -1 });
    expect(await del.json()).toEqual({ start_offset: 30 });
    const after: SseEvent[] = [];
    for (;;) {
      const e = await sse.nextEvent(5_000);
      expect(e, "the stream closed without an error event").toBeDefined();
      after.push(e!);
      if (e!.event !== "record") break;
    }
    const error = after.pop()!;
    expect(error.event).toBe("error");
    expect(JSON.parse(error.data).error).toMatchObject({ code: "offset_out_of_range", start_offset: 30, end_offset: 30 });
    // What came before the error is contiguous from where the client was.
    expect(offsetsOf(after)).toEqual(Array.from({ length: after.length }, (_, i) => i + 1));
    expect(after.length).toBeLessThan(29);
    expect(await sse.next(5_000)).toBeUndefined();
    // Starting below the log start is refused before the stream opens, as a fetch is.
    const err = await expectError(await call(`/v1/topics/${topic}/partitions/0/events?offset=3`), 416, "offset_out_of_range");
    expect([err.start_offset, err.end_offset]).toEqual([30, 30]);
  });

  it("needs a token and the consume grant on the topic", async () => {
    const topic = await createTopic();
    await produce(topic, [{ value: "x" }]);
    const path = `/v1/topics/${topic}/partitions/0/events?offset=0`;
    await expectError(await call(path, { headers: { authorization: "" } }), 401, "unauthorized");
    await expectError(await call(path, { headers: { authorization: "Bearer nope" } }), 401, "unauthorized");
    const key = async (resource: string, operation = "consume") => {
      const res = await json("/v1/keys", "POST", {
        name: `sse-${Math.random().toString(36).slice(2, 8)}`,
        grants: [{ operation, resource }],
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as any).secret as string;
    };
    await expectError(await call(path, { headers: { authorization: `Bearer ${await key("topic:other")}` } }), 403, "forbidden");
    await expectError(
      await call(path, { headers: { authorization: `Bearer ${await key(`topic:${topic}`, "produce")}` } }),
      403,
      "forbidden",
    );
    // 403 for a topic that does not exist too: the answer never says whether it exists.
    await expectError(
      await call(`/v1/topics/nope-${topic}/partitions/0/events`, { headers: { authorization: `Bearer ${await key("topic:other")}` } }),
      403,
      "forbidden",
    );
    const sse = await open(topic, "offset=0", { authorization: `Bearer ${await key(`topic:${topic}`)}` });
    expect(valuesOf(await sse.events(1))).toEqual(["x"]);
    await sse.cancel();
    await expectError(await call(`/v1/topics/${topic}/partitions/7/events`), 404, "partition_not_found");
  });

  it("ends an open stream when its API key is revoked", async () => {
    const topic = await createTopic();
    await produce(topic, [{ value: "before" }]);
    const created = await json("/v1/keys", "POST", {
      name: `sse-revoke-${topic}`,
      grants: [{ operation: "consume", resource: `topic:${topic}` }],
    });
    const key = (await created.json()) as { id: string; secret: string };
    // Heartbeats every 100 ms: the key is asked again at least that often (30 s at most by default).
    const sse = await open(topic, "offset=0&heartbeat_ms=1000", { authorization: `Bearer ${key.secret}` });
    expect(valuesOf(await sse.events(1))).toEqual(["before"]);
    expect((await call(`/v1/keys/${key.id}`, { method: "DELETE" })).status).toBe(204);
    const end = await sse.nextEvent(5_000);
    expect(end?.event).toBe("end");
    expect(JSON.parse(end!.data)).toMatchObject({ reason: "credentials_revoked", next_offset: 1 });
    expect(await sse.next(5_000)).toBeUndefined();
  });
});
