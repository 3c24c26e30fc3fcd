// The WebSocket tail (GET /v1/topics/{topic}/partitions/{p}/ws) inside workerd: records pushed by
// the partition object after each commit, in order; resume by reconnecting with an offset; the
// credit window and the slow-subscriber drop; 200 subscribers; hibernation across eviction; end on
// topic delete; error when retention deleted what a subscriber needs; access.
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createTopic, expectError, json, partitionStub, produce } from "./api-support.ts";
import { WsSubscriber } from "../support/ws-subscriber.ts";

async function subscribe(topic: string, query: string, headers: Record<string, string> = {}): Promise<WsSubscriber> {
  const res = await call(`/v1/topics/${topic}/partitions/0/ws?${query}`, { headers: { upgrade: "websocket", ...headers } });
  expect(res.status, res.status === 101 ? "" : await res.clone().text()).toBe(101);
  return WsSubscriber.accept(res.webSocket!);
}

const offsets = (records: any[]) => records.map((r) => r.offset);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe("WebSocket tail", () => {
  it("sends the backlog, then pushes each commit, in order", async () => {
    const topic = await createTopic();
    await produce(topic, [{ key: "k", value: { n: 0 }, headers: { h: "v" }, timestamp: 1_700_000_000_000 }, { value: 1 }]);
    const sub = await subscribe(topic, "offset=0");
    const backlog = await sub.records(2);
    expect(backlog[0]).toEqual({ offset: 0, timestamp: 1_700_000_000_000, key: "k", value: { n: 0 }, headers: { h: "v" } });
    for (let i = 2; i < 12; i++) await produce(topic, [{ value: i }]);
    await Promise.all([produce(topic, [{ value: 12 }]), produce(topic, [{ value: 13 }])]);
    const live = await sub.records(12);
    expect(offsets(live)).toEqual(range(2, 14));
    sub.close();
  });

  it("starts at latest by default; resumes from an offset on reconnect without gaps or duplicates", async () => {
    const topic = await createTopic();
    await produce(topic, [{ value: "old" }]);
    const latest = await subscribe(topic, "");
    await produce(topic, [{ value: "new" }]);
    expect((await latest.records(1)).map((r) => r.value)).toEqual(["new"]);
    latest.close();

    const seen: number[] = [];
    let next = 0;
    for (let round = 0; round < 3; round++) {
      const sub = await subscribe(topic, `offset=${next}`);
      const got = await sub.records(2);
      sub.close();
      seen.push(...offsets(got));
      next = got[got.length - 1].offset + 1;
      await produce(topic, [{ value: `r${round}a` }, { value: `r${round}b` }]);
    }
    const rest = await subscribe(topic, `offset=${next}`);
    seen.push(...offsets(await rest.records(8 - seen.length)));
    rest.close();
    expect(seen).toEqual(range(0, 8));
  });

  it("never has more than max_unacked records in flight, and resumes on ack", async () => {
    const topic = await createTopic();
    for (let i = 0; i < 10; i++) await produce(topic, [{ value: i }]);
    const sub = await subscribe(topic, "offset=0&max_unacked=3");
    const first = await sub.next();
    expect(offsets(first.records)).toEqual([0, 1, 2]);
    await expect(sub.next(300)).rejects.toThrow(/timed out/); // window full: nothing more
    sub.ack(2); // two processed: room for two
    expect(offsets((await sub.next()).records)).toEqual([3, 4]);
    sub.ack(5);
    expect(offsets((await sub.next()).records)).toEqual([5, 6, 7]);
    sub.close();
  });

  it("drops a subscriber that stops acknowledging, with code 4008 and the offset to resume from", async () => {
    const topic = await createTopic();
    const sub = await subscribe(topic, "offset=0&max_unacked=2&ack_timeout_ms=100");
    await produce(topic, [{ value: 0 }, { value: 1 }, { value: 2 }]);
    expect(offsets((await sub.next()).records)).toEqual([0, 1]);
    await produce(topic, [{ value: 3 }]); // window full: the clock starts
    await new Promise((r) => setTimeout(r, 200));
    await produce(topic, [{ value: 4 }]); // still full, past the timeout: dropped
    const closed = await sub.waitClosed();
    expect(closed.code).toBe(4008);
    expect(closed.reason).toMatch(/^slow subscriber: 2 records unacknowledged .* reconnect with offset=0$/);
    // A bad message closes with 1008.
    const bad = await subscribe(topic, "offset=0");
    await bad.next();
    bad.ws.send("hello");
    expect((await bad.waitClosed()).code).toBe(1008);
  });

  it("delivers every record to 200 subscribers", async () => {
    const topic = await createTopic();
    const subs = await Promise.all(Array.from({ length: 200 }, () => subscribe(topic, "offset=latest")));
    for (let i = 0; i < 5; i++) await produce(topic, [{ value: i }, { value: `${i}b` }]);
    const all = await Promise.all(subs.map((s) => s.records(10, 15_000)));
    for (const got of all) expect(offsets(got)).toEqual(range(0, 10));
    for (const s of subs) s.close();
  });

  it("keeps subscribers across eviction of the partition object (hibernation)", async () => {
    const topic = await createTopic();
    const sub = await subscribe(topic, "offset=0");
    await produce(topic, [{ value: "before" }]);
    expect((await sub.records(1)).map((r) => r.value)).toEqual(["before"]);
    await evictDurableObject(partitionStub(topic, 0));
    await produce(topic, [{ value: "after" }]);
    expect((await sub.records(1)).map((r) => r.value)).toEqual(["after"]);
    sub.close();
  });

  it("ends when the topic is deleted and reports records deleted by retention", async () => {
    const topic = await createTopic();
    const sub = await subscribe(topic, "offset=0");
    await produce(topic, [{ value: 0 }]);
    await sub.records(1);
    expect((await call(`/v1/topics/${topic}`, { method: "DELETE" })).status).toBe(204);
    expect(await sub.next()).toEqual({ type: "end", reason: "topic_deleted", next_offset: 1 });
    expect(await sub.waitClosed()).toEqual({ code: 1000, reason: "topic_deleted" });

    const other = await createTopic();
    for (let i = 0; i < 6; i++) await produce(other, [{ value: i }]);
    const slow = await subscribe(other, "offset=0&max_unacked=2");
    expect(offsets((await slow.next()).records)).toEqual([0, 1]);
    expect(await (await json(`/v1/topics/${other}/partitions/0/delete-records`, "POST", { before_offset: -1 })).json()).toEqual({
      start_offset: 6,
    });
    slow.ack(2); // its next records are gone
    const error = await slow.next();
    expect(error).toMatchObject({ type: "error", error: { code: "offset_out_of_range", start_offset: 6, end_offset: 6 } });
    expect((await slow.waitClosed()).code).toBe(4416);
    // Connecting below the log start is refused before the upgrade.
    await expectError(
      await call(`/v1/topics/${other}/partitions/0/ws?offset=1`, { headers: { upgrade: "websocket" } }),
      416,
      "offset_out_of_range",
    );
  });

  it("needs a token, the consume grant, and an upgrade", async () => {
    const topic = await createTopic();
    const path = `/v1/topics/${topic}/partitions/0/ws?offset=0`;
    await expectError(await call(path, { headers: { upgrade: "websocket", authorization: "" } }), 401, "unauthorized");
    const res = await json("/v1/keys", "POST", { name: "ws-other", grants: [{ operation: "consume", resource: "topic:other" }] });
    const secret = ((await res.json()) as any).secret;
    await expectError(await call(path, { headers: { upgrade: "websocket", authorization: `Bearer ${secret}` } }), 403, "forbidden");
    await expectError(await call(path), 426, "upgrade_required");
    await expectError(await call(`/v1/topics/${topic}/partitions/3/ws`, { headers: { upgrade: "websocket" } }), 404, "partition_not_found");
  });
});
