// Compressed batches in the HTTP API contract, on every host: each codec's records (fixtures from
// reference implementations) produced as binary, served as stored and read as JSON; a
// decompression bomb refused with nothing written. The codecs are pure JS, so every runtime
// (workerd, Node, Bun, Deno) must load and run them the same way.
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import * as fixtures from "../core-support/compression-fixtures.ts";
import { encodeBatch } from "../../src/core/batch/record-batch.ts";
import { FIXTURE_FIRST_TIMESTAMP, fixturePlainBatch, fixtureRecords, withCompressedRecords } from "../core-support/compressed-batch.ts";
import { SseReader } from "../support/sse-reader.ts";
import { WsSubscriber } from "../support/ws-subscriber.ts";
import type { TailContext } from "./tails.ts";

const BATCH = "application/vnd.kafka.record-batch";
const text = new TextDecoder();

export function compressionSuite(ctx: Omit<TailContext, "produce">): void {
  const plain = fixturePlainBatch();
  const post = (topic: string, body: Uint8Array) =>
    ctx.call(`/v1/topics/${topic}/records?partition=0`, {
      method: "POST",
      body: body as Uint8Array<ArrayBuffer>,
      headers: { "content-type": BATCH },
    });

  describe("compressed batches", () => {
    it.each([
      ["gzip", 1, fixtures.gzip],
      ["snappy (xerial)", 2, fixtures.snappyXerial],
      ["lz4", 3, fixtures.lz4],
      ["zstd", 4, fixtures.zstd],
    ] as const)("%s: produced as binary, read as JSON, served as stored", async (_n, codec, data) => {
      const topic = await ctx.createTopic();
      const batch = withCompressedRecords(plain, codec, new Uint8Array(Buffer.from(data, "base64")));
      const res = await post(topic, batch);
      expect(res.status, await res.clone().text()).toBe(200);
      const page = (await (await ctx.call(`/v1/topics/${topic}/partitions/0/records?offset=1198`)).json()) as any;
      const records = fixtureRecords();
      expect(page.records.map((r: any) => [r.offset, r.timestamp, r.key, r.value])).toEqual(
        [1198, 1199].map((i) => [
          i,
          FIXTURE_FIRST_TIMESTAMP + records[i]!.timestampDelta!,
          records[i]!.key && text.decode(records[i]!.key!),
          records[i]!.value && JSON.parse(text.decode(records[i]!.value!)),
        ]),
      );
      const served = new Uint8Array(
        await (await ctx.call(`/v1/topics/${topic}/partitions/0/records?offset=0`, { headers: { accept: BATCH } })).arrayBuffer(),
      );
      expect(served).toEqual(batch);
    });

    // Three gzip batches of 10 records, 9 MB each decompressed (a read of all three stops
    // decompressing at 16 MiB, MAX_DECOMPRESSED_BYTES, after two), then one plain record (offset 30).
    const bigBatches = async (topic: string) => {
      // The plain batch's CRC is never checked (withCompressedRecords reseals the compressed one);
      // a bitwise CRC over 9 MB would idle the connection past the server's keep-alive timeout.
      const value = new Uint8Array(900_000);
      const plainBig = encodeBatch(
        Array.from({ length: 10 }, (_, i) => ({ key: null, value, headers: [], timestamp: i })),
        { crc32c: () => 0 },
      );
      const big = withCompressedRecords(plainBig, 1, new Uint8Array(gzipSync(plainBig.subarray(61))));
      for (let i = 0; i < 3; i++) expect((await post(topic, big)).status).toBe(200);
    };
    const recordAfter = async (topic: string) => {
      const last = await ctx.json(`/v1/topics/${topic}/records`, "POST", { records: [{ partition: 0, value: "after" }] });
      expect(last.status, await last.clone().text()).toBe(200);
    };
    const all = Array.from({ length: 31 }, (_, i) => i);

    // Regression: a decoded page stops decompressing at 16 MiB (MAX_DECOMPRESSED_BYTES); its
    // next_offset used to be the end of every batch read, so the batches after that point were
    // never shown to a reader following next_offset.
    it("a page cut at the decompression bound hands the rest to the next page, skipping nothing", async () => {
      const topic = await ctx.createTopic();
      await bigBatches(topic);
      await recordAfter(topic);
      const seen: number[] = [];
      let offset = 0;
      for (let pages = 0; offset < 31 && pages < 6; pages++) {
        const page = (await (await ctx.call(`/v1/topics/${topic}/partitions/0/records?offset=${offset}&max_records=100`)).json()) as any;
        seen.push(...page.records.map((r: any) => r.offset));
        offset = page.next_offset;
      }
      expect(seen).toEqual(all);
    });

    // Regression: the group poll moved the member's position to the end of every batch read, past
    // the batches it never decoded (records 20-29 were never delivered).
    it("a group poll cut at the decompression bound delivers the rest on the next poll, skipping nothing", async () => {
      const topic = await ctx.createTopic();
      await bigBatches(topic);
      await recordAfter(topic);
      const group = `g-deco-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
      const joined = await ctx.json(`/v1/groups/${group}/members`, "POST", {
        topics: [topic],
        session_timeout_ms: 30000,
        auto_offset_reset: "earliest",
      });
      expect(joined.status, await joined.clone().text()).toBe(200);
      const member = (await joined.json()) as any;
      let epoch = member.member_epoch;
      const seen: number[] = [];
      for (let polls = 0; !seen.includes(30) && polls < 8; polls++) {
        const res = await ctx.json(`/v1/groups/${group}/members/${member.member_id}/poll`, "POST", {
          member_epoch: epoch,
          max_records: 100,
          wait_ms: 0,
        });
        const body = (await res.json()) as any;
        expect(res.status, JSON.stringify(body.error)).toBe(200);
        epoch = body.member_epoch;
        seen.push(...body.records.map((r: any) => r.offset));
      }
      expect(seen).toEqual(all);
      expect((await ctx.call(`/v1/groups/${group}/members/${member.member_id}`, { method: "DELETE" })).status).toBe(204);
    });

    // Regression: the SSE tail moved on to the end of every batch read, past the batches it never
    // decoded (records 20-29 were never sent).
    it("the SSE tail cut at the decompression bound sends the rest next, skipping nothing", async () => {
      const topic = await ctx.createTopic();
      await bigBatches(topic);
      const res = await ctx.call(`/v1/topics/${topic}/partitions/0/events?offset=0&heartbeat_ms=60000`);
      expect(res.status).toBe(200);
      const reader = new SseReader(res.body!);
      const seen: number[] = [];
      try {
        while (!seen.includes(30)) {
          const e = await reader.nextEvent(30_000);
          expect(e?.event).toBe("record");
          seen.push(Number(e!.id));
          // Produced once the first read is answered, so that read ends at the third big batch
          // and the old code's jump (to 30) shows as a gap, not as a wait.
          if (seen.length === 1) await recordAfter(topic);
        }
      } finally {
        await reader.cancel();
      }
      expect(seen).toEqual(all);
    });

    // Regression: the WebSocket tail moved its subscribers to the end of every batch read, past
    // the batches it never decoded (records 20-29 were never pushed).
    it("the WebSocket tail cut at the decompression bound pushes the rest next, skipping nothing", async () => {
      const topic = await ctx.createTopic();
      await bigBatches(topic);
      const sub = await WsSubscriber.open(`${ctx.target().url}/v1/topics/${topic}/partitions/0/ws?offset=0`, ctx.target().token);
      const seen: number[] = [];
      try {
        while (!seen.includes(30)) {
          const msg = await sub.next(30_000);
          expect(msg?.type).toBe("records");
          seen.push(...msg.records.map((r: any) => r.offset));
          sub.ack(msg.next_offset);
          // Produced once the first read is answered, as in the SSE test above.
          if (seen.length === msg.records.length) await recordAfter(topic);
        }
      } finally {
        sub.close();
      }
      expect(seen).toEqual(all);
    });

    it("a decompression bomb is refused with 400 invalid_batch, nothing written", async () => {
      const topic = await ctx.createTopic();
      const bomb = withCompressedRecords(plain, 1, new Uint8Array(gzipSync(new Uint8Array(20 << 20))));
      const res = await post(topic, bomb);
      const body = (await res.json()) as any;
      expect([res.status, body.error.code, body.error.reason]).toEqual([400, "invalid_batch", "decompression_limit"]);
      expect(body.error.message).toContain("16777216");
      const after = (await (await ctx.call(`/v1/topics/${topic}/partitions/0/records?offset=latest`)).json()) as any;
      expect(after.high_watermark).toBe(0);
    });
  });
}
