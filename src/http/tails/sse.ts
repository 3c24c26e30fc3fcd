// GET /v1/topics/{topic}/partitions/{partition}/events — a Server-Sent Events tail of one partition.
//
//   event: record            one per record, in offset order
//   id: <offset>             so an EventSource resumes with Last-Event-ID = the last offset seen
//   data: <the record as in the JSON fetch answer: offset, timestamp, key, value, headers>
//
//   : heartbeat              a comment at the start and after `heartbeat_ms` (default 15 s) without
//                            an event, so proxies and load balancers keep an idle connection open
//   event: end               the topic was deleted (or recreated), or the API key was revoked:
//                            data {"reason": "topic_deleted" | "credentials_revoked", "next_offset"}
//   event: error             the stream cannot go on, e.g. retention deleted the records it was
//                            about to send: data {"error": {"code", "message", ...}} as in HTTP
//
// It is a loop of ordinary partition reads with `waitMs` (the long-poll), so every host serves it
// without any new object API, and a slow client slows the loop down (each write waits for the
// client) instead of piling records up in memory. Everything that can be refused before the first
// byte — auth, parameters, an unknown topic or partition, an offset outside the log — is an
// ordinary HTTP error, so an EventSource that reconnects after `end`/`error` stops for good.
import { liveTail } from "../metrics/http-metrics.ts";
import type { Context } from "hono";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { openApp, openRoute } from "../openapi/route.ts";
import { tailEventsRoute } from "./schemas.ts";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";
import type { Failure } from "../../core/errors.ts";
import type { PartitionApi, ReadOk, ReadRequest, ReadResult } from "../../core/log/partition-types.ts";
import { batchesEnd, decodePage } from "../../core/batch/record-batch.ts";
import type { TopicInfo } from "../../core/topics/registry.ts";
import { CREDENTIAL_CHECK_MS, CredentialWatch, REVOKED_END } from "../auth/credential-watch.ts";
import type { AppDeps } from "../deps.ts";
import { isolationParam, partitionParam } from "../params.ts";
import { principalOf, requireGrant } from "../auth/principal.ts";
import { jsonRecord } from "../log/record-view.ts";
import { positiveParam, tailStart } from "./params.ts";
import type { TopicCache } from "../topics/topic-cache.ts";

export const DEFAULT_HEARTBEAT_MS = 15_000;
export const MAX_HEARTBEAT_MS = 300_000;
/**
 * Heartbeats more often than once a second only cost CPU (every one is a turn of the tail's loop
 * and a partition read): `heartbeat_ms` below this is refused, not silently raised, so a client
 * learns the floor at once (issue #14: heartbeat_ms=1 kept a core busy).
 */
export const MIN_HEARTBEAT_MS = 1_000;

export function tailSseRoutes(deps: AppDeps, topics: TopicCache): OpenAPIHono {
  const app = openApp();
  const { limits } = deps;
  const now = deps.now ?? Date.now;

  const route = tailEventsRoute(limits, { default: DEFAULT_HEARTBEAT_MS, min: MIN_HEARTBEAT_MS, max: MAX_HEARTBEAT_MS });
  openRoute(app, route, async (c) => {
    requireGrant(c, "consume", `topic:${c.req.param("topic")}`);
    const start = tailStart(c.req.query("offset"), c.req.header("last-event-id"));
    const maxRecords = positiveParam("max_records", c.req.query("max_records"), 500, limits.maxFetchRecords);
    const heartbeatMs = positiveParam(
      "heartbeat_ms",
      c.req.query("heartbeat_ms"),
      DEFAULT_HEARTBEAT_MS,
      MAX_HEARTBEAT_MS,
      MIN_HEARTBEAT_MS,
    );
    const isolation = isolationParam(c.req.query("isolation"));

    // The first read (no wait) runs before the stream starts, so its refusals are HTTP errors. The
    // tail then stays on the incarnation it resolved here: a delete/recreate ends it.
    let stub!: PartitionApi;
    let base!: Omit<ReadRequest, "offset" | "waitMs">;
    const first = await topics.withTopic(c.req.param("topic"), async (topic: TopicInfo) => {
      const partition = partitionParam(c.req.param("partition"), topic);
      stub = deps.partition(topic.name, partition);
      base = {
        topic: topic.name,
        partition,
        epoch: topic.epoch,
        maxRecords,
        maxBytes: 1_048_576,
        ...(isolation === "read_committed" ? { isolation } : {}),
      };
      return stub.read({ ...base, offset: start, waitMs: 0 });
    });

    c.header("X-Accel-Buffering", "no"); // nginx: do not buffer the stream
    return streamSSE(
      c,
      liveTail(c, "sse", base.topic, async (stream) => {
        let open = true;
        stream.onAbort(() => {
          open = false;
        });
        const tail = new SseTail(stream, c, deps);
        // Waits end at least once per heartbeat, so a revoked key is noticed within that too.
        const credentials = new CredentialWatch(c, deps, Math.min(deps.credentialCheckMs ?? CREDENTIAL_CHECK_MS, heartbeatMs));
        let read: ReadResult = first;
        let next = first.offset;
        // A first comment at once: some servers (Bun) and proxies send no headers before the first
        // bytes of the body, and a tail may have nothing to say for a long time.
        await stream.write(": heartbeat\n\n");
        let lastWrite = now();
        while (open) {
          // Asked before records are written, so a key found revoked receives nothing more.
          if (!(await credentials.valid())) {
            await stream.writeSSE({ event: "end", data: JSON.stringify({ ...REVOKED_END, next_offset: next }) });
            return;
          }
          if (!read.ok) {
            await tail.finish(read, next);
            return;
          }
          const sent = await tail.records(read, next, () => open);
          if (sent > next) {
            next = sent;
            lastWrite = now();
          }
          if (now() - lastWrite >= heartbeatMs) {
            await stream.write(": heartbeat\n\n");
            lastWrite = now();
          }
          if (!open) return;
          // Wait for the next record at most until the next heartbeat is due.
          const waitMs = Math.max(1, Math.min(limits.maxWaitMs, lastWrite + heartbeatMs - now()));
          try {
            read = await stub.read({ ...base, offset: next, waitMs });
          } catch (err) {
            console.error("edgebroker: SSE tail read failed", err);
            read = { ok: false, error: { code: "internal", message: "the partition could not be read; reconnect to resume" } };
          }
        }
      }),
    );
  });

  return app;
}

/** Writes one read's records and the closing events of a tail. */
class SseTail {
  private readonly stream: SSEStreamingApi;
  private readonly c: Context;
  private readonly deps: AppDeps;

  constructor(stream: SSEStreamingApi, c: Context, deps: AppDeps) {
    this.stream = stream;
    this.c = c;
    this.deps = deps;
  }

  /** Sends the records at or after `next`; returns the offset after the last one sent. */
  async records(read: ReadOk, next: number, open: () => boolean): Promise<number> {
    if (read.batches.length === 0) return next;
    this.charge(read.batches.length);
    // From `next` on: the first batch may start before the offset asked for.
    const page = decodePage(read.batches, next, Number.POSITIVE_INFINITY);
    for (const r of page.records) {
      if (!open()) return next;
      await this.stream.writeSSE({ event: "record", id: String(r.offset), data: JSON.stringify(jsonRecord(r)) });
      next = r.offset + 1;
    }
    // Decoding stopped at the decompression bound: the batches past it are read next time.
    if (page.stopped) return page.next;
    // Past markers and left-out aborted data at the end of the read (nothing to send for them).
    return Math.max(next, batchesEnd(read.batches, next), read.nextOffset ?? next);
  }

  async finish(failure: Failure, next: number): Promise<void> {
    if (failure.error.code === "topic_not_found") {
      await this.stream.writeSSE({ event: "end", data: JSON.stringify({ reason: "topic_deleted", next_offset: next }) });
    } else {
      await this.stream.writeSSE({ event: "error", data: JSON.stringify({ error: failure.error }) });
    }
  }

  private charge(bytes: number): void {
    chargeStreamed(this.c, this.deps, bytes);
  }
}

/**
 * Bytes a stream served go to the key's fetch byte-rate quota, as fetch answers do (best effort:
 * a stream has no end of request to charge at, so each write is charged as it goes).
 */
export function chargeStreamed(c: Context, deps: AppDeps, bytes: number): void {
  const p = principalOf(c);
  if (p.kind !== "key" || bytes === 0) return;
  void Promise.resolve()
    .then(() => deps.key(p.id).charge(bytes))
    .catch(() => undefined);
}
