// Topic administration: create, list, describe (with per-partition offsets and sizes), delete,
// and config changes. Metadata lives in the cluster object; sizes come from each partition.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { storageFull, unwrap } from "../../core/errors.ts";
import { effectiveConfig } from "../../core/topics/config.ts";
import type { TopicInfo } from "../../core/topics/registry.ts";
import { asObject, bodyKind, readStructuredBody, respond } from "../content.ts";
import { openApp, openRoute, parseBody, readBody } from "../openapi/route.ts";
import { AUTH_ERRORS, errors, structured, TopicPath } from "../openapi/schemas.ts";
import { TopicDescription, TopicList, TopicPatch, topicCreateSchema, topicExample } from "./schemas.ts";
import type { AppDeps } from "../deps.ts";
import { canSee, requireGrant } from "../auth/principal.ts";
import type { TopicCache } from "./topic-cache.ts";

const tags = ["Topics"];

export function topicRoutes(deps: AppDeps, topics: TopicCache): OpenAPIHono {
  const app = openApp();
  const TopicCreate = topicCreateSchema(deps.limits.maxPartitions);

  const describe = async (topic: TopicInfo) => {
    const partitions = await Promise.all(
      Array.from({ length: topic.partitions }, async (_, partition) => {
        const { ok: _ok, ...stats } = unwrap(
          await deps.partition(topic.name, partition).stats({ topic: topic.name, partition, epoch: topic.epoch }),
        );
        return stats;
      }),
    );
    return { name: topic.name, partitions, config: effectiveConfig(topic.config), created_at: topic.created_at };
  };

  const create = createRoute({
    method: "post",
    path: "/",
    tags,
    summary: "Create a topic",
    request: {
      body: {
        required: true,
        content: structured(TopicCreate, { name: "orders", partitions: 3, config: { "retention.ms": 604_800_000 } }),
      },
    },
    responses: {
      201: {
        description: "The new topic's description",
        content: structured(TopicDescription, {
          ...topicExample,
          partitions: [
            {
              ...topicExample.partitions[0]!,
              end_offset: 0,
              bytes: 0,
              rows: 0,
              segments: 0,
              oldest_timestamp: null,
              rows_read: 0,
              rows_written: 0,
            },
          ],
        }),
      },
      ...errors(400, ...AUTH_ERRORS, 409, 415),
    },
  });
  openRoute(app, create, async (c) => {
    const raw = asObject(await readStructuredBody(c, bodyKind(c, ["json", "msgpack"])));
    // Authorized on the name as sent, before anything else about the body is looked at.
    requireGrant(c, "admin", `topic:${typeof raw.name === "string" ? raw.name : ""}`);
    const body = parseBody(TopicCreate, raw);
    const { topic } = unwrap(await deps.cluster().createTopic({ name: body.name, partitions: body.partitions, config: body.config }));
    topics.put(topic);
    // A new incarnation's partitions are empty by construction: answering from that instead of
    // asking each partition object means creating a topic starts none of them (each would create
    // its database — 256 partitions were 256 objects and ~1,500 fsyncs on the standalone hosts;
    // ten such topics took 107 s on Node). A partition object starts at its first produce or read.
    const partitions = Array.from({ length: topic.partitions }, (_, partition) => ({
      partition,
      start_offset: 0,
      end_offset: 0,
      bytes: 0,
      rows: 0,
      segments: 0,
      oldest_timestamp: null,
      rows_read: 0,
      rows_written: 0,
    }));
    return respond(c, 201, { name: topic.name, partitions, config: effectiveConfig(topic.config), created_at: topic.created_at });
  });

  const list = createRoute({
    method: "get",
    path: "/",
    tags,
    summary: "List the topics this key may see",
    responses: {
      200: {
        description: "Topic names and partition counts",
        content: structured(TopicList, { topics: [{ name: "orders", partitions: 3 }] }),
      },
      ...errors(...AUTH_ERRORS),
    },
  });
  openRoute(app, list, async (c) => {
    const list = await deps.cluster().listTopics();
    // A key sees only the topics its grants name.
    const visible = list.filter((t) => canSee(c, `topic:${t.name}`));
    return respond(c, 200, { topics: visible.map((t) => ({ name: t.name, partitions: t.partitions })) });
  });

  const describeRoute = createRoute({
    method: "get",
    path: "/{topic}",
    tags,
    summary: "Describe a topic: partitions with offsets and sizes, effective configs",
    request: { params: TopicPath },
    responses: {
      200: { description: "The topic's description", content: structured(TopicDescription, topicExample) },
      ...errors(...AUTH_ERRORS, 404),
    },
  });
  openRoute(app, describeRoute, async (c) => {
    requireGrant(c, ["produce", "consume"], `topic:${c.req.param("topic")}`);
    const topic = await topics.get(c.req.param("topic"), true);
    return respond(c, 200, await describe(topic));
  });

  const patch = createRoute({
    method: "patch",
    path: "/{topic}",
    tags,
    summary: "Change a topic's configs (the partitions apply retention changes at once)",
    request: {
      params: TopicPath,
      body: { required: true, content: structured(TopicPatch, { config: { "retention.ms": 60_000 } }) },
    },
    responses: {
      200: { description: "The topic's description with the new configs", content: structured(TopicDescription, topicExample) },
      ...errors(400, ...AUTH_ERRORS, 404, 415),
    },
  });
  openRoute(app, patch, async (c) => {
    requireGrant(c, "admin", `topic:${c.req.param("topic")}`);
    const body = await readBody(c, TopicPatch);
    const { topic } = unwrap(await deps.cluster().updateTopicConfig(c.req.param("topic"), body.config));
    topics.put(topic);
    // Partitions enforce retention themselves; tell each now (appends also carry the config, so
    // one that misses this learns it with its next append).
    await Promise.allSettled(
      Array.from({ length: topic.partitions }, (_, partition) =>
        deps
          .partition(topic.name, partition)
          .configure({ topic: topic.name, partition, epoch: topic.epoch }, topic.config, topic.config_revision),
      ),
    );
    return respond(c, 200, await describe(topic));
  });

  const remove = createRoute({
    method: "delete",
    path: "/{topic}",
    tags,
    summary: "Delete a topic and all its records",
    request: { params: TopicPath },
    responses: { 204: { description: "Deleted" }, ...errors(...AUTH_ERRORS, 404) },
  });
  openRoute(app, remove, async (c) => {
    requireGrant(c, "admin", `topic:${c.req.param("topic")}`);
    const name = c.req.param("topic");
    const dropAll = (topic: TopicInfo) =>
      Promise.allSettled(
        Array.from({ length: topic.partitions }, (_, partition) =>
          deps.partition(topic.name, partition).drop({ topic: topic.name, partition, epoch: topic.epoch }),
        ),
      );
    let topic: TopicInfo;
    try {
      topic = unwrap(await deps.cluster().deleteTopic(name)).topic;
    } catch (err) {
      // A full disk refuses even the registry's delete. Dropping the partitions needs no space and
      // frees theirs (each object's storage goes: src/core/log/partition-service.ts); then it fits.
      if (!storageFull(err)) throw err;
      await dropAll(unwrap(await deps.cluster().describeTopic(name)).topic);
      topic = unwrap(await deps.cluster().deleteTopic(name)).topic;
    }
    topics.forget(topic.name);
    // The registry entry is gone, so the topic is deleted for every caller from here on; dropping
    // the partitions frees their storage. A partition that misses its drop is wiped when a newer
    // incarnation of the name first touches it (see PartitionLog.checkEpoch).
    await dropAll(topic);
    return c.body(null, 204);
  });

  return app;
}
