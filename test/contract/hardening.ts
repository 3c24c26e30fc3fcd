// Hardening checks of the HTTP API contract (issue #14), on every host: what an unauthenticated or
// quota-bound caller can make the broker spend — storage for invented key ids, bytes past a quota
// through bodies without a Content-Length — and how a full disk and revoked keys are answered.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { encode } from "@msgpack/msgpack";
import { describe, expect, it } from "vitest";
import { LogCore } from "../../src/core/batch/log-core.ts";
import { encodeBatch } from "../../src/core/batch/record-batch.ts";
import { wasmBytes } from "../core-support/load-log-core.ts";
import { WsSubscriber } from "../support/ws-subscriber.ts";
import { SseReader } from "../support/sse-reader.ts";
import type { TailContext } from "./tails.ts";

/** Files and bytes under the host's storage directory (every object's SQLite files). */
/**
 * The data directory's files (relative paths) and the bytes of the key objects' folder. Other
 * objects keep writing meanwhile (the metrics object's pushes grow its WAL), so their sizes are
 * not compared: a new file anywhere, or a byte more under key/, is storage the request created.
 */
function storageUse(dir: string): { files: string[]; keyBytes: number } {
  const files: string[] = [];
  let keyBytes = 0;
  const walk = (d: string, rel: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      const name = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path, name);
      else {
        files.push(name);
        if (name.startsWith("key/")) keyBytes += statSync(path).size;
      }
    }
  };
  walk(dir, "");
  return { files: files.sort(), keyBytes };
}

const hex = (n: number) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, "0")).join("");
const secret = () => hex(16);
const utf8 = new TextEncoder();

/** A body without Content-Length: fetch sends a stream as Transfer-Encoding: chunked. */
function chunked(bytes: Uint8Array): { body: ReadableStream<Uint8Array>; duplex: "half" } {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 512) controller.enqueue(bytes.slice(i, i + 512));
      controller.close();
    },
  });
  return { body, duplex: "half" };
}

interface BodyKind {
  name: string;
  /** A request storing about `size` bytes at `target` (from setup, with what to grant and count). */
  send(t: TailContext, token: string, target: string, size: number): Promise<Response>;
  setup(t: TailContext): Promise<{ target: string; grant: string; stored(): Promise<number> }>;
}

export function hardeningSuite(t: TailContext): void {
  const topicSetup = async () => {
    const topic = await t.createTopic();
    return {
      target: `/v1/topics/${topic}/records`,
      grant: `topic:${topic}`,
      stored: async () =>
        ((await (await t.call(`/v1/topics/${topic}/partitions/0/records?offset=0`)).json()) as any).records.length as number,
    };
  };
  const records = (size: number) => ({ records: [{ value: "x".repeat(size) }] });
  const kinds: BodyKind[] = [
    {
      name: "JSON produce",
      setup: topicSetup,
      send: (t, token, target, size) =>
        t.call(target, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          ...chunked(utf8.encode(JSON.stringify(records(size)))),
        }),
    },
    {
      name: "MessagePack produce",
      setup: topicSetup,
      send: (t, token, target, size) =>
        t.call(target, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/msgpack" },
          ...chunked(encode(records(size))),
        }),
    },
    {
      name: "binary produce",
      setup: topicSetup,
      send: async (t, token, target, size) => {
        const core = await LogCore.instantiate(wasmBytes());
        const batch = encodeBatch([{ key: null, value: utf8.encode("x".repeat(size)), headers: [], timestamp: Date.now() }], {
          crc32c: (b) => core.crc32c(b),
        });
        return t.call(target, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/vnd.kafka.record-batch" },
          ...chunked(batch),
        });
      },
    },
    {
      name: "Durable Streams append",
      setup: async () => {
        const path = `/ds/quota-${hex(4)}`;
        expect((await t.call(path, { method: "PUT", headers: { "content-type": "application/octet-stream" } })).status).toBe(201);
        return {
          target: path,
          grant: `topic:ds.${path.slice(4)}`,
          // Bytes in the stream: the same before and after means nothing was appended.
          stored: async () => (await (await t.call(`${path}?offset=-1`)).arrayBuffer()).byteLength,
        };
      },
      send: (t, token, target, size) =>
        t.call(target, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
          ...chunked(utf8.encode("x".repeat(size))),
        }),
    },
  ];

  describe("hardening", () => {
    const consumeKey = async (topic: string) => {
      const created = await t.json("/v1/keys", "POST", {
        name: `tail-${hex(4)}`,
        grants: [{ operation: "consume", resource: `topic:${topic}` }],
      });
      expect(created.status).toBe(201);
      return (await created.json()) as { id: string; secret: string };
    };

    it("a WebSocket tail ends with credentials_revoked once its API key is deleted; no record reaches it after", async () => {
      const topic = await t.createTopic();
      const key = await consumeKey(topic);
      const other = await consumeKey(topic);
      const ws = await WsSubscriber.open(`${t.target().url}/v1/topics/${topic}/partitions/0/ws?offset=0`, key.secret);
      const kept = await WsSubscriber.open(`${t.target().url}/v1/topics/${topic}/partitions/0/ws?offset=0`, other.secret);
      await t.produce(topic, [{ value: "before" }]);
      expect((await ws.records(1)).map((r) => r.value)).toEqual(["before"]);
      expect((await kept.records(1)).map((r) => r.value)).toEqual(["before"]);
      expect((await t.call(`/v1/keys/${key.id}`, { method: "DELETE" })).status).toBe(204);
      await t.produce(topic, [{ value: "after" }]);
      expect(await ws.next()).toMatchObject({ type: "end", reason: "credentials_revoked", next_offset: 1 });
      expect(await ws.waitClosed()).toMatchObject({ code: 4401, reason: "credentials_revoked" });
      // A tail opened with another key goes on.
      expect((await kept.records(1)).map((r) => r.value)).toEqual(["after"]);
      kept.close();
    });

    it("an SSE tail ends with credentials_revoked once its API key is deleted", async () => {
      const topic = await t.createTopic();
      const key = await consumeKey(topic);
      const res = await t.call(`/v1/topics/${topic}/partitions/0/events?offset=0&heartbeat_ms=1000`, {
        headers: { authorization: `Bearer ${key.secret}` },
      });
      expect(res.status).toBe(200);
      const sse = new SseReader(res.body!);
      await t.produce(topic, [{ value: "before" }]);
      expect((await sse.nextEvent())?.event).toBe("record");
      expect((await t.call(`/v1/keys/${key.id}`, { method: "DELETE" })).status).toBe(204);
      await t.produce(topic, [{ value: "after" }]);
      const end = await sse.nextEvent(10_000);
      expect([end?.event, JSON.parse(end!.data).reason]).toEqual(["end", "credentials_revoked"]);
    });
    for (const kind of kinds) {
      it(`a ${kind.name} body without Content-Length is charged to the key's byte quota`, async () => {
        const { target, grant, stored } = await kind.setup(t);
        const created = await t.json("/v1/keys", "POST", {
          name: `quota-${hex(4)}`,
          grants: [{ operation: "produce", resource: grant }],
          quotas: { bytes_per_second: 1_000 },
        });
        expect(created.status).toBe(201);
        const token = ((await created.json()) as { secret: string }).secret;
        // 4 KB against 1,000 bytes/s: the first body overdraws the bucket (as a declared one may)…
        const first = await kind.send(t, token, target, 4_000);
        expect(first.status, await first.clone().text()).toBeLessThan(300);
        await first.body?.cancel();
        const after = await stored();
        // …and the debt refuses the next ones, in parallel or not, with the quota's 429; nothing more is stored.
        const next = await Promise.all(Array.from({ length: 4 }, () => kind.send(t, token, target, 4_000)));
        for (const res of next) {
          expect(res.status).toBe(429);
          expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
          expect(((await res.json()) as any).error.code).toBe("rate_limited");
        }
        expect(await stored()).toBe(after);
      });
    }

    it("parallel bodies without Content-Length cannot all pass a quota that has room for one", async () => {
      const { target, grant, stored } = await topicSetup();
      const created = await t.json("/v1/keys", "POST", {
        name: `quota-${hex(4)}`,
        grants: [{ operation: "produce", resource: grant }],
        quotas: { bytes_per_second: 1_000 },
      });
      const token = ((await created.json()) as { secret: string }).secret;
      const answers = await Promise.all(Array.from({ length: 6 }, () => kinds[0]!.send(t, token, target, 2_000)));
      const statuses = answers.map((r) => r.status);
      await Promise.all(answers.map((r) => r.body?.cancel()));
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 429)).toHaveLength(5);
      expect(await stored()).toBe(1);
    });

    it("creating a 256-partition topic starts no partition object (no file per partition)", async () => {
      const dir = t.target().storageDir;
      if (!dir || t.target().name === "workerd") return; // see the storage test below
      expect((await t.call("/v1/topics")).status).toBe(200);
      const before = storageUse(dir).files.length;
      const name = `wide-${hex(4)}`;
      const res = await t.json("/v1/topics", "POST", { name, partitions: 256 });
      expect(res.status).toBe(201);
      const body = (await res.json()) as any;
      expect(body.partitions).toHaveLength(256);
      expect(body.partitions[255]).toMatchObject({ partition: 255, start_offset: 0, end_offset: 0, bytes: 0 });
      expect(storageUse(dir).files.length).toBe(before);
      // A produce starts the one partition it writes to.
      await t.produce(name, [{ value: 1, partition: 7 }]);
      expect(storageUse(dir).files.length).toBeGreaterThan(before);
      expect(storageUse(dir).files.length - before).toBeLessThanOrEqual(2);
    });

    it("bearer tokens with invented key ids are refused without creating any storage", async () => {
      const dir = t.target().storageDir;
      // A remote broker: its storage cannot be seen from here. workerd run locally creates an empty
      // database file for every Durable Object it instantiates, written to or not; there the check
      // is that the object holds no tables and no more bytes than a never-used one
      // (test/workers/key-storage.test.ts), which is what Cloudflare bills.
      if (!dir || t.target().name === "workerd") return;
      // Warm up: the cluster object and the host's own files exist before we count.
      expect((await t.call("/v1/topics")).status).toBe(200);
      const before = storageUse(dir);
      const routes = ["/v1/topics", "/v1/topics/nope/partitions/0/records?offset=0", "/v1/keys", "/ds/some/stream"];
      for (let i = 0; i < 60; i++) {
        const res = await t.call(routes[i % routes.length]!, { headers: { authorization: `Bearer ebk_${hex(8)}_${secret()}` } });
        expect(res.status).toBe(401);
        await res.body?.cancel();
      }
      expect(storageUse(dir)).toEqual(before);
    });
  });
}
