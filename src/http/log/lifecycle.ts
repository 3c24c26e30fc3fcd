// Log lifecycle routes (README.md): offsets by timestamp (Kafka's ListOffsets) and delete-records.
// Retention and config changes ride on PATCH /v1/topics/{topic} (src/http/topics/routes.ts).
import { Hono } from "hono";
import { BrokerError } from "../../core/errors.ts";
import { EARLIEST, LATEST } from "../../core/log/partition-types.ts";
import { bodyKind, readStructuredBody, respond } from "../content.ts";
import type { AppDeps } from "../deps.ts";
import { intParam, partitionParam } from "../params.ts";
import { requireGrant } from "../auth/principal.ts";
import type { TopicCache } from "../topics/topic-cache.ts";

export function lifecycleRoutes(deps: AppDeps, topics: TopicCache): Hono {
  const app = new Hono();

  app.get("/:topic/partitions/:partition/offsets", async (c) => {
    requireGrant(c, "consume", `topic:${c.req.param("topic")}`);
    const raw = c.req.query("timestamp");
    const timestamp = raw === "earliest" ? EARLIEST : raw === "latest" ? LATEST : intParam("timestamp", raw);
    const found = await topics.withTopic(c.req.param("topic"), async (topic) => {
      const partition = partitionParam(c.req.param("partition"), topic);
      return deps.partition(topic.name, partition).offsetForTimestamp({ topic: topic.name, partition, epoch: topic.epoch }, timestamp);
    });
    return respond(c, 200, { offset: found.offset, timestamp: found.timestamp });
  });

  app.post("/:topic/partitions/:partition/delete-records", async (c) => {
    requireGrant(c, "admin", `topic:${c.req.param("topic")}`);
    const body = await readStructuredBody(c, bodyKind(c, ["json", "msgpack"]));
    const before = (body as { before_offset?: unknown } | null)?.before_offset;
    if (typeof before !== "number" || !Number.isSafeInteger(before) || before < -1) {
      throw new BrokerError("invalid_parameter", "before_offset: expected an offset (an integer >= 0), or -1 for the high watermark");
    }
    const done = await topics.withTopic(c.req.param("topic"), async (topic) => {
      const partition = partitionParam(c.req.param("partition"), topic);
      return deps.partition(topic.name, partition).deleteRecords({ topic: topic.name, partition, epoch: topic.epoch }, before);
    });
    return respond(c, 200, { start_offset: done.start_offset });
  });

  return app;
}
