// Log lifecycle routes (README.md): offsets by timestamp (Kafka's ListOffsets) and delete-records.
// Retention and config changes ride on PATCH /v1/topics/{topic} (src/http/topics/routes.ts).
import type { OpenAPIHono } from "@hono/zod-openapi";
import { EARLIEST, LATEST } from "../../core/log/partition-types.ts";
import { respond } from "../content.ts";
import { openApp, openRoute, readBody } from "../openapi/route.ts";
import { DELETE_RECORDS_ROUTE, DeleteRecordsBody, OFFSETS_ROUTE } from "./schemas.ts";
import type { AppDeps } from "../deps.ts";
import { intParam, partitionParam } from "../params.ts";
import { requireGrant } from "../auth/principal.ts";
import type { TopicCache } from "../topics/topic-cache.ts";

export function lifecycleRoutes(deps: AppDeps, topics: TopicCache): OpenAPIHono {
  const app = openApp();

  openRoute(app, OFFSETS_ROUTE, async (c) => {
    requireGrant(c, "consume", `topic:${c.req.param("topic")}`);
    const raw = c.req.valid("query").timestamp;
    const timestamp = raw === "earliest" ? EARLIEST : raw === "latest" ? LATEST : intParam("timestamp", raw);
    const found = await topics.withTopic(c.req.param("topic"), async (topic) => {
      const partition = partitionParam(c.req.param("partition"), topic);
      return deps.partition(topic.name, partition).offsetForTimestamp({ topic: topic.name, partition, epoch: topic.epoch }, timestamp);
    });
    return respond(c, 200, { offset: found.offset, timestamp: found.timestamp });
  });

  openRoute(app, DELETE_RECORDS_ROUTE, async (c) => {
    requireGrant(c, "admin", `topic:${c.req.param("topic")}`);
    const before = (await readBody(c, DeleteRecordsBody, { code: "invalid_parameter" })).before_offset;
    const done = await topics.withTopic(c.req.param("topic"), async (topic) => {
      const partition = partitionParam(c.req.param("partition"), topic);
      return deps.partition(topic.name, partition).deleteRecords({ topic: topic.name, partition, epoch: topic.epoch }, before);
    });
    return respond(c, 200, { start_offset: done.start_offset });
  });

  return app;
}
