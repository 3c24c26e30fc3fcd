// GET /v1/topics/{topic}/partitions/{partition}/records — read from an offset, optionally waiting
// for data (long-poll). JSON and MessagePack answers hold decoded records from `offset` on; the
// binary answer (Accept: application/vnd.kafka.record-batch) is the stored batches as they are,
// whole, the first possibly starting before `offset` as in Kafka, with offsets in headers.
import type { OpenAPIHono } from "@hono/zod-openapi";
import { BrokerError } from "../../core/errors.ts";
import { EARLIEST, LATEST } from "../../core/log/partition-types.ts";
import { readBatchHeader } from "../../core/batch/record-batch.ts";
import { responseKind, MEDIA } from "../content.ts";
import type { AppDeps } from "../deps.ts";
import { intParam, isolationParam, partitionParam } from "../params.ts";
import { JsonPageWriter } from "./fetch-body.ts";
import { WasmPageRenderer } from "./fetch-page-wasm.ts";
import { walkRecords } from "./fetch-records.ts";
import { MsgpackPageWriter } from "./msgpack-page.ts";
import { recordCharge, requireGrant } from "../auth/principal.ts";
import type { TopicCache } from "../topics/topic-cache.ts";
import { openApp, openRoute } from "../openapi/route.ts";
import { fetchRoute } from "./schemas.ts";

function offsetParam(raw: string | undefined): number {
  if (raw === "earliest" || raw === undefined) return EARLIEST;
  if (raw === "latest") return LATEST;
  return intParam("offset", raw);
}

/** The offset after the last record in concatenated batches (from the last batch header). */
function endOfBatches(bytes: Uint8Array): number {
  let pos = 0;
  let end = 0;
  while (pos < bytes.length) {
    const h = readBatchHeader(bytes, pos);
    end = h.baseOffset + h.lastOffsetDelta + 1;
    pos += h.size;
  }
  return end;
}

export function fetchRoutes(deps: AppDeps, topics: TopicCache): OpenAPIHono {
  const app = openApp();
  const { limits } = deps;

  openRoute(app, fetchRoute(limits), async (c) => {
    requireGrant(c, "consume", `topic:${c.req.param("topic")}`);
    const kind = responseKind(c, true);
    const requested = offsetParam(c.req.query("offset"));
    // Binary answers are whole batches bounded by bytes, as a Kafka fetch is; decoded answers
    // default to 500 records so a JSON page stays small.
    const maxRecords = intParam("max_records", c.req.query("max_records"), {
      default: kind === "batch" ? limits.maxFetchRecords : 500,
      max: limits.maxFetchRecords,
    });
    const maxBytes = intParam("max_bytes", c.req.query("max_bytes"), { default: 1_048_576, max: limits.maxFetchBytes });
    const waitMs = intParam("wait_ms", c.req.query("wait_ms"), { default: 0, max: limits.maxWaitMs });
    if (maxRecords === 0) throw new BrokerError("invalid_parameter", "max_records: must be at least 1");
    if (maxBytes === 0) throw new BrokerError("invalid_parameter", "max_bytes: must be at least 1");
    const isolation = isolationParam(c.req.query("isolation"));

    const read = await topics.withTopic(c.req.param("topic"), async (topic) => {
      const partition = partitionParam(c.req.param("partition"), topic);
      return deps.partition(topic.name, partition).read({
        topic: topic.name,
        partition,
        epoch: topic.epoch,
        offset: requested,
        maxBytes,
        maxRecords,
        waitMs,
        ...(isolation === "read_committed" ? { isolation } : {}),
      });
    });
    const offset = read.offset;
    recordCharge(c, read.batches.length);
    const committed = read.lastStableOffset !== undefined;
    const meta = {
      high_watermark: read.highWatermark,
      log_start_offset: read.logStartOffset,
      ...(committed ? { last_stable_offset: read.lastStableOffset } : {}),
    };

    if (kind === "batch") {
      const next = Math.max(read.batches.length > 0 ? endOfBatches(read.batches) : offset, read.nextOffset ?? offset);
      return c.body(read.batches as Uint8Array<ArrayBuffer>, 200, {
        "content-type": MEDIA.batch,
        ...(committed ? { "edgebroker-last-stable-offset": String(read.lastStableOffset) } : {}),
        "edgebroker-next-offset": String(next),
        "edgebroker-high-watermark": String(read.highWatermark),
        "edgebroker-log-start-offset": String(read.logStartOffset),
      });
    }
    // The page is written as bytes, straight off the batches (fetch-records.ts, fetch-body.ts):
    // the same answer as respond() over jsonRecord/msgpackRecord objects, without building and
    // serialising them. The WebAssembly core renders the common records (fetch-page-wasm.ts),
    // the JS writer the others.
    const page = kind === "msgpack" ? new MsgpackPageWriter(read.batches.length) : new JsonPageWriter(read.batches.length);
    const bulk = read.batches.length > 0 ? new WasmPageRenderer(await deps.logCore(), page) : undefined;
    const walked = walkRecords(read.batches, offset, maxRecords, page, undefined, bulk);
    // Past the whole page unless the walk stopped early (max_records, or the decompression bound):
    // a page that ends in a transaction marker (a control batch, never shown as a record) or
    // aborted data must not be read again.
    const next = walked.stopped
      ? walked.next
      : Math.max(walked.next, read.batches.length > 0 ? endOfBatches(read.batches) : offset, read.nextOffset ?? offset);
    const body = page.finish({ next_offset: next, ...meta }) as Uint8Array<ArrayBuffer>;
    return c.body(body, 200, { "content-type": kind === "msgpack" ? MEDIA.msgpack : MEDIA.json });
  });

  return app;
}
