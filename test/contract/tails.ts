// The live tails of the HTTP API contract, on every host: the partition SSE tail and the WebSocket
// tail (Durable Object with hibernation on workerd, the runtime's WebSocket server on Node, Bun and
// Deno) with the same messages, resume, flow control and close codes everywhere.
import http from "node:http";
import { describe, expect, it } from "vitest";
import { SseReader } from "../support/sse-reader.ts";
import { WsSubscriber } from "../support/ws-subscriber.ts";
import type { Target } from "./hosts-support.ts";

export interface TailContext {
  target(): Target;
  call(path: string, init?: RequestInit): Promise<Response>;
  json(path: string, method: string, body: unknown): Promise<Response>;
  createTopic(partitions?: number): Promise<string>;
  produce(topic: string, records: unknown[]): Promise<Array<{ partition: number; offset: number }>>;
}

/** A WebSocket upgrade request whose refusal we want to see (status, and the body where the host sends one). */
function upgradeAnswer(url: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      agent: false,
      headers: {
        authorization: `Bearer ${token}`,
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": Buffer.from("0123456789abcdef").toString("base64"),
      },
    });
    req.on("upgrade", (_res, socket) => {
      socket.destroy();
      resolve({ status: 101, body: "" });
    });
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const offsets = (records: any[]) => records.map((r) => r.offset);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

export function tailSuite(t: TailContext): void {
  const subscribe = (topic: string, query: string) =>
    WsSubscriber.open(`${t.target().url}/v1/topics/${topic}/partitions/0/ws?${query}`, t.target().token);

  describe("SSE tail", () => {
    it("streams backlog and live records with offset ids, resumes with Last-Event-ID, ends on delete", async () => {
      const topic = await t.createTopic();
      await t.produce(topic, [{ value: 0 }, { value: 1 }]);
      const open = async (headers: Record<string, string> = {}) => {
        const res = await t.call(`/v1/topics/${topic}/partitions/0/events?offset=0&heartbeat_ms=60000`, { headers });
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toContain("text/event-stream");
        return new SseReader(res.body!);
      };
      const first = await open();
      const backlog = await first.events(2);
      expect(backlog.map((e) => [e.event, e.id, JSON.parse(e.data).value])).toEqual([
        ["record", "0", 0],
        ["record", "1", 1],
      ]);
      await t.produce(topic, [{ value: 2 }]);
      expect((await first.nextEvent())?.id).toBe("2");
      await first.cancel();
      await t.produce(topic, [{ value: 3 }]);
      const resumed = await open({ "last-event-id": "2" });
      expect((await resumed.nextEvent())?.id).toBe("3");
      expect((await t.call(`/v1/topics/${topic}`, { method: "DELETE" })).status).toBe(204);
      const end = await resumed.nextEvent(10_000);
      expect([end?.event, JSON.parse(end!.data).reason]).toEqual(["end", "topic_deleted"]);
      expect(await resumed.next(10_000)).toBeUndefined();
    });
  });

  describe("group member SSE tail", () => {
    it("streams the assignment and every assigned record with cursor ids, resumes with Last-Event-ID, ends when the member leaves", async () => {
      const topic = await t.createTopic(2);
      await t.produce(topic, [
        { value: "a", partition: 0 },
        { value: "b", partition: 1 },
      ]);
      const group = `gs-${Date.now().toString(36)}`;
      const joined = (await (
        await t.json(`/v1/groups/${group}/members`, "POST", { topics: [topic], auto_offset_reset: "earliest" })
      ).json()) as any;
      const path = `/v1/groups/${group}/members/${joined.member_id}/events?member_epoch=${joined.member_epoch}&heartbeat_ms=1000`;
      const open = async (headers: Record<string, string> = {}) => {
        const res = await t.call(path, { headers });
        expect(res.status, res.status === 200 ? "" : await res.clone().text()).toBe(200);
        return new SseReader(res.body!);
      };
      const first = await open();
      const assignment = await first.nextEvent();
      expect([assignment?.event, JSON.parse(assignment!.data).assignment]).toEqual(["assignment", [{ topic, partitions: [0, 1] }]]);
      const records = await first.events(2);
      expect(records.map((e) => JSON.parse(e.data).value).sort()).toEqual(["a", "b"]);
      expect(records[1]!.id!.split(",").slice(1).sort()).toEqual([`${topic}:0:0`, `${topic}:1:0`]);
      await first.cancel();
      await t.produce(topic, [{ value: "c", partition: 0 }]);
      const resumed = await open({ "last-event-id": records[1]!.id! });
      const after = (await resumed.events(2)).filter((e) => e.event === "record");
      expect(after.map((e) => JSON.parse(e.data)).map((r) => [r.partition, r.offset, r.value])).toEqual([[0, 1, "c"]]);
      expect((await t.call(`/v1/groups/${group}/members/${joined.member_id}`, { method: "DELETE" })).status).toBe(204);
      let end;
      do end = await resumed.nextEvent(10_000);
      while (end && end.event !== "end");
      expect(JSON.parse(end!.data).reason).toBe("member_removed");
    });

    // The stream a client resumed from may still run (its server has not noticed the client left):
    // it must not take records the resumed stream should deliver (MemberTail, core/groups/types.ts).
    it("a stream resumed with Last-Event-ID replaces the member's earlier one, even one still open: no gap", async () => {
      const topic = await t.createTopic(2);
      await t.produce(topic, [
        { value: "a0", partition: 0 },
        { value: "b0", partition: 1 },
      ]);
      const group = `gr-${Date.now().toString(36)}`;
      const joined = (await (
        await t.json(`/v1/groups/${group}/members`, "POST", { topics: [topic], auto_offset_reset: "earliest", auto_commit: true })
      ).json()) as any;
      const path = `/v1/groups/${group}/members/${joined.member_id}/events?member_epoch=${joined.member_epoch}&heartbeat_ms=1000`;
      const open = async (headers: Record<string, string> = {}) => {
        const res = await t.call(path, { headers });
        expect(res.status, res.status === 200 ? "" : await res.clone().text()).toBe(200);
        return new SseReader(res.body!);
      };
      const recordsOf = async (sse: SseReader, n: number) => {
        const out = [];
        while (out.length < n) {
          const e = await sse.nextEvent(10_000);
          if (!e) throw new Error(`the stream ended after ${out.length} records`);
          if (e.event === "record") out.push(e);
        }
        return out;
      };
      const old = await open();
      const [, last] = await recordsOf(old, 2);
      const resumed = await open({ "last-event-id": last!.id! });
      const total = 10;
      for (let i = 1; i <= total; i++) {
        await t.produce(topic, [
          { value: `a${i}`, partition: 0 },
          { value: `b${i}`, partition: 1 },
        ]);
      }
      const got = (await recordsOf(resumed, 2 * total)).map((e) => JSON.parse(e.data));
      for (const p of [0, 1]) {
        expect(got.filter((r) => r.partition === p).map((r) => r.offset)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      }
      let end;
      do end = await old.nextEvent(10_000);
      while (end && end.event !== "end");
      expect(JSON.parse(end!.data).reason).toBe("stream_replaced");
      await resumed.cancel();
    });
  });

  describe("SSE tail: many and slow subscribers", () => {
    it("delivers every record, in order, to 200 SSE subscribers", async () => {
      const topic = await t.createTopic();
      const readers = await Promise.all(
        Array.from({ length: 200 }, async () => {
          const res = await t.call(`/v1/topics/${topic}/partitions/0/events?offset=0&heartbeat_ms=60000`);
          expect(res.status).toBe(200);
          return new SseReader(res.body!);
        }),
      );
      for (let i = 0; i < 5; i++) await t.produce(topic, [{ value: i }, { value: `${i}b` }]);
      const all = await Promise.all(readers.map((r) => r.events(10, 20_000)));
      for (const got of all) expect(got.map((e) => Number(e.id))).toEqual(range(0, 10));
      await Promise.all(readers.map((r) => r.cancel()));
    });

    it("waits for a reader that stops reading instead of buffering: a group member's stream stalls and its session expires", async () => {
      const topic = await t.createTopic();
      const group = `slow-${Date.now().toString(36)}`;
      const joined = (await (
        await t.json(`/v1/groups/${group}/members`, "POST", { topics: [topic], auto_offset_reset: "earliest", session_timeout_ms: 1000 })
      ).json()) as any;
      const res = await t.call(
        `/v1/groups/${group}/members/${joined.member_id}/events?member_epoch=${joined.member_epoch}&max_records=1&heartbeat_ms=1000`,
      );
      expect(res.status).toBe(200);
      const reader = new SseReader(res.body!);
      // 32 MiB, far beyond what sockets and stream queues hold: a stream that buffered without bound
      // would write it all and keep the member alive with its heartbeats.
      const big = "x".repeat(100_000);
      for (let i = 0; i < 40; i++)
        await t.produce(
          topic,
          Array.from({ length: 8 }, (_, j) => ({ value: big, key: String(i * 8 + j) })),
        );
      let members = 1;
      for (let i = 0; i < 200 && members > 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        members = ((await (await t.call(`/v1/groups/${group}`)).json()) as any).members.length;
      }
      expect(members, "the member stayed alive: its stream did not wait for the reader").toBe(0);
      // What was written arrives in order, then the end: the member is gone.
      const keys: number[] = [];
      let last;
      for (;;) {
        last = await reader.nextEvent(20_000);
        if (last?.event !== "record" && last?.event !== "assignment") break;
        if (last.event === "record") keys.push(Number(JSON.parse(last.data).key));
      }
      expect([last?.event, last && JSON.parse(last.data).reason]).toEqual(["end", "member_removed"]);
      expect(keys).toEqual(range(0, keys.length));
      expect(keys.length).toBeLessThan(320);
    });
  });

  describe("WebSocket tail", () => {
    it("pushes backlog and live records in order; resumes from an offset while producers write, without gaps or duplicates", async () => {
      const topic = await t.createTopic();
      await t.produce(topic, [{ key: "k", value: { n: 0 }, headers: { h: "v" }, timestamp: 1_700_000_000_000 }, { value: 1 }]);
      const total = 40;
      const producing = (async () => {
        for (let i = 2; i < total; i += 2) await t.produce(topic, [{ value: i }, { value: i + 1 }]);
      })();
      const seen: any[] = [];
      for (let round = 0; seen.length < total && round < 50; round++) {
        const next = seen.length === 0 ? 0 : seen[seen.length - 1].offset + 1;
        const sub = await subscribe(topic, `offset=${next}`);
        seen.push(...(await sub.records(Math.min(5, total - seen.length))).slice(0, total - seen.length));
        sub.close(); // whatever it was sent beyond that is dropped with the connection
      }
      await producing;
      expect(seen[0]).toEqual({ offset: 0, timestamp: 1_700_000_000_000, key: "k", value: { n: 0 }, headers: { h: "v" } });
      expect(offsets(seen).slice(0, total)).toEqual(range(0, total));
    });

    it("keeps at most max_unacked records in flight and drops a subscriber that stops acknowledging (4008)", async () => {
      const topic = await t.createTopic();
      for (let i = 0; i < 6; i++) await t.produce(topic, [{ value: i }]);
      const sub = await subscribe(topic, "offset=0&max_unacked=3&ack_timeout_ms=150");
      expect(offsets((await sub.next()).records)).toEqual([0, 1, 2]);
      await expect(sub.next(300)).rejects.toThrow(/timed out/); // window full: nothing more
      sub.ack(2);
      expect(offsets((await sub.next()).records)).toEqual([3, 4]);
      // No more acks: a commit while the window is full starts the clock, one after it drops.
      await t.produce(topic, [{ value: 6 }]);
      await new Promise((r) => setTimeout(r, 300));
      await t.produce(topic, [{ value: 7 }]);
      const closed = await sub.waitClosed();
      expect(closed.code).toBe(4008);
      expect(closed.reason).toMatch(/^slow subscriber: 3 records unacknowledged .* reconnect with offset=2$/);
      const bad = await subscribe(topic, "offset=0");
      await bad.next();
      bad.ws.send("hello");
      expect((await bad.waitClosed()).code).toBe(1008);
    });

    it("delivers every record, in order, to 200 subscribers", async () => {
      const topic = await t.createTopic();
      const subs = await Promise.all(Array.from({ length: 200 }, () => subscribe(topic, "offset=latest")));
      for (let i = 0; i < 5; i++) await t.produce(topic, [{ value: i }, { value: `${i}b` }]);
      const all = await Promise.all(subs.map((s) => s.records(10, 20_000)));
      for (const got of all) expect(offsets(got)).toEqual(range(0, 10));
      for (const s of subs) s.close();
    });

    it("ends with 1000 when the topic is deleted, 4416 when retention deleted what comes next", async () => {
      const topic = await t.createTopic();
      // A window of one, so record 1 arriving proves the ack of record 0 was read: no client frame
      // is in flight when the server closes (Deno reports such a close as 1006 on the client).
      const sub = await subscribe(topic, "offset=0&max_unacked=1");
      await t.produce(topic, [{ value: 0 }]);
      sub.ack((await sub.next()).next_offset);
      await t.produce(topic, [{ value: 1 }]);
      expect(offsets((await sub.next()).records)).toEqual([1]);
      expect((await t.call(`/v1/topics/${topic}`, { method: "DELETE" })).status).toBe(204);
      expect(await sub.next()).toEqual({ type: "end", reason: "topic_deleted", next_offset: 2 });
      expect(await sub.waitClosed()).toEqual({ code: 1000, reason: "topic_deleted" });

      const other = await t.createTopic();
      for (let i = 0; i < 6; i++) await t.produce(other, [{ value: i }]);
      const slow = await subscribe(other, "offset=0&max_unacked=2");
      expect(offsets((await slow.next()).records)).toEqual([0, 1]);
      expect(await (await t.json(`/v1/topics/${other}/partitions/0/delete-records`, "POST", { before_offset: -1 })).json()).toEqual({
        start_offset: 6,
      });
      slow.ack(2); // its next records are gone
      expect(await slow.next()).toMatchObject({ type: "error", error: { code: "offset_out_of_range", start_offset: 6, end_offset: 6 } });
      const closed = await slow.waitClosed();
      expect(closed.code).toBe(4416);
      expect(closed.reason).toContain("reconnect with offset=earliest");
    });

    it("refuses before the upgrade: no token 401, wrong partition 404, offset below the log start 416, no Upgrade 426", async () => {
      const topic = await t.createTopic();
      await t.produce(topic, [{ value: 0 }, { value: 1 }]);
      await t.json(`/v1/topics/${topic}/partitions/0/delete-records`, "POST", { before_offset: 1 });
      const base = `${t.target().url}/v1/topics/${topic}/partitions`;
      expect((await upgradeAnswer(`${base}/0/ws?offset=1`, "nope")).status).toBe(401);
      expect((await upgradeAnswer(`${base}/4/ws`, t.target().token)).status).toBe(404);
      expect((await upgradeAnswer(`${base}/0/ws?offset=0`, t.target().token)).status).toBe(416);
      expect((await upgradeAnswer(`${base}/0/ws?offset=x`, t.target().token)).status).toBe(400);
      expect((await upgradeAnswer(`${base}/0/ws?offset=1`, t.target().token)).status).toBe(101);
      const plain = await t.call(`/v1/topics/${topic}/partitions/0/ws`);
      expect(plain.status).toBe(426);
      expect(((await plain.json()) as any).error.code).toBe("upgrade_required");
    });
  });
}
