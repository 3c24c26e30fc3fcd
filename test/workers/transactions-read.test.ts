// isolation=read_committed on every read path inside workerd: the partition fetch (in
// transactions.test.ts), the group poll, the group member's SSE stream, the partition SSE tail
// and the WebSocket tail. Each sees records up to the last stable offset only, never an aborted
// transaction's, and moves on past markers; read_uncommitted (the default) sees everything but markers.
import { describe, expect, it } from "vitest";
import { call, createTopic, json, produce } from "./api-support.ts";
import { join, newGroup, poll } from "./groups-support.ts";
import { SseReader } from "../support/sse-reader.ts";
import { WsSubscriber } from "../support/ws-subscriber.ts";

let ids = 0;
type Producer = { producer_id: number; producer_epoch: number };

async function init(id: string): Promise<Producer> {
  const res = await json(`/v1/transactions/${id}/init`, "POST", {});
  expect(res.status).toBe(200);
  return res.json();
}

async function txProduce(id: string, p: Producer, topic: string, value: unknown): Promise<void> {
  const res = await json(
    `/v1/topics/${topic}/records?partition=0`,
    "POST",
    { records: [{ value }] },
    {
      "transactional-id": id,
      "producer-id": String(p.producer_id),
      "producer-epoch": String(p.producer_epoch),
      "producer-seq": "0",
    },
  );
  expect(res.status, await res.clone().text()).toBe(200);
}

async function end(id: string, p: Producer, verb: "commit" | "abort"): Promise<void> {
  const res = await json(`/v1/transactions/${id}/${verb}`, "POST", p);
  expect(res.status, await res.clone().text()).toBe(200);
}

/**
 * p0 (plain), a1 (transaction A, left open), b1 (transaction B, aborted), p1 (plain, after A's
 * start so above the last stable offset). Returns a function that commits A.
 */
async function scenario(topic: string): Promise<() => Promise<void>> {
  const a = `rc-a-${Date.now().toString(36)}-${ids++}`;
  const b = `rc-b-${Date.now().toString(36)}-${ids++}`;
  const [pa, pb] = [await init(a), await init(b)];
  await produce(topic, [{ value: "p0" }]);
  await txProduce(a, pa, topic, "a1");
  await txProduce(b, pb, topic, "b1");
  await end(b, pb, "abort");
  await produce(topic, [{ value: "p1" }]);
  return () => end(a, pa, "commit");
}

const values = (records: Array<{ value: unknown }>) => records.map((r) => r.value);

describe("read_committed on every read path", () => {
  it("group poll", async () => {
    const topic = await createTopic(1);
    const commitA = await scenario(topic);
    const committed = newGroup();
    const m = await join(committed, { topics: [topic], auto_offset_reset: "earliest" });
    const first = await poll(committed, m.member_id, m.member_epoch, { isolation: "read_committed" });
    expect(values(first.records)).toEqual(["p0"]);
    expect(values((await poll(committed, m.member_id, first.member_epoch, { isolation: "read_committed" })).records)).toEqual([]);
    await commitA();
    await produce(topic, [{ value: "p2" }]);
    const rest = await poll(committed, m.member_id, first.member_epoch, { isolation: "read_committed" });
    expect(values(rest.records)).toEqual(["a1", "p1", "p2"]);
    const plain = newGroup();
    const u = await join(plain, { topics: [topic], auto_offset_reset: "earliest" });
    expect(values((await poll(plain, u.member_id, u.member_epoch)).records)).toEqual(["p0", "a1", "b1", "p1", "p2"]);
    const bad = await json(`/v1/groups/${plain}/members/${u.member_id}/poll`, "POST", {
      member_epoch: u.member_epoch,
      isolation: "serializable",
    });
    expect(bad.status).toBe(400);
  });

  it("partition SSE tail and the group member's SSE stream", async () => {
    const topic = await createTopic(1);
    const commitA = await scenario(topic);
    const res = await call(`/v1/topics/${topic}/partitions/0/events?offset=0&isolation=read_committed`);
    expect(res.status).toBe(200);
    const tail = new SseReader(res.body!);
    const group = newGroup();
    const m = await join(group, { topics: [topic], auto_offset_reset: "earliest" });
    const member = await call(`/v1/groups/${group}/members/${m.member_id}/events?member_epoch=${m.member_epoch}&isolation=read_committed`);
    expect(member.status).toBe(200);
    const memberEvents = new SseReader(member.body!);
    expect((await tail.events(1)).map((e) => JSON.parse(e.data).value)).toEqual(["p0"]);
    const firstRound = await memberEvents.events(1);
    await commitA();
    await produce(topic, [{ value: "p2" }]);
    expect((await tail.events(3)).map((e) => JSON.parse(e.data).value)).toEqual(["a1", "p1", "p2"]);
    await tail.cancel();
    // The member stream's events carry the polled records; collect values until p2 arrives.
    const seen: unknown[] = [];
    const take = (events: Array<{ event: string; data: string }>) => {
      for (const e of events) if (e.event === "record") seen.push(JSON.parse(e.data).value);
    };
    take(firstRound);
    while (!seen.includes("p2")) take(await memberEvents.events(1));
    expect(seen).toEqual(["p0", "a1", "p1", "p2"]);
    await memberEvents.cancel();
  });

  it("WebSocket tail", async () => {
    const topic = await createTopic(1);
    const commitA = await scenario(topic);
    const res = await call(`/v1/topics/${topic}/partitions/0/ws?offset=0&isolation=read_committed`, { headers: { upgrade: "websocket" } });
    expect(res.status).toBe(101);
    const sub = WsSubscriber.accept(res.webSocket!);
    expect(values(await sub.records(1))).toEqual(["p0"]);
    await commitA();
    await produce(topic, [{ value: "p2" }]);
    expect(values(await sub.records(3))).toEqual(["a1", "p1", "p2"]);
    sub.close();
  });
});
