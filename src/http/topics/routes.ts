// Topic administration: create, list, describe (with per-partition offsets and sizes), delete,
// and config changes. Metadata lives in the cluster object; sizes come from each partition.
import { Hono } from "hono";
import { BrokerError, storageFull, unwrap } from "../../core/errors.ts";
import { effectiveConfig } from "../../core/topics/config.ts";
import type { TopicInfo } from "../../core/topics/registry.ts";
import { asObject, bodyKind, readStructuredBody, respond } from "../content.ts";
import type { AppDeps } from "../deps.ts";
import { canSee, requireGrant } from "../auth/principal.ts";
import type { TopicCache } from "./topic-cache.ts";

export function topicRoutes(deps: AppDeps, topics: TopicCache): Hono {
  const app = new Hono();

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

  app.post("/", async (c) => {
    const body = asObject(await readStructuredBody(c, bodyKind(c, ["json", "msgpack"])));
    requireGrant(c, "admin", `topic:${typeof body.name === "string" ? body.name : ""}`);
    const unknown = Object.keys(body).filter((k) => !["name", "partitions", "config"].includes(k));
    if (unknown.length) throw new BrokerError("bad_request", `${unknown[0]}: unknown field (expected name, partitions, config)`);
    const { topic } = unwrap(
      await deps
        .cluster()
        .createTopic({ name: body.name as string, partitions: (body.partitions ?? 1) as number, config: body.config as never }),
    );
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

  app.get("/", async (c) => {
    const list = await deps.cluster().listTopics();
    // A key sees only the topics its grants name.
    const visible = list.filter((t) => canSee(c, `topic:${t.name}`));
    return respond(c, 200, { topics: visible.map((t) => ({ name: t.name, partitions: t.partitions })) });
  });

  app.get("/:topic", async (c) => {
    requireGrant(c, ["produce", "consume"], `topic:${c.req.param("topic")}`);
    const topic = await topics.get(c.req.param("topic"), true);
    return respond(c, 200, await describe(topic));
  });

  app.patch("/:topic", async (c) => {
    requireGrant(c, "admin", `topic:${c.req.param("topic")}`);
    const body = asObject(await readStructuredBody(c, bodyKind(c, ["json", "msgpack"])));
    if (!body.config || typeof body.config !== "object")
      throw new BrokerError("invalid_config", "config: expected an object of config names to values");
    const { topic } = unwrap(await deps.cluster().updateTopicConfig(c.req.param("topic"), body.config as never));
    topics.put(topic);
    // Partitions enforce retention themselves; tell each now (appends also carry the config, so
    // one that misses this learns it with its next append).
    await Promise.allSettled(
      Array.from({ length: topic.partitions }, (_, partition) =>
        deps.partition(topic.name, partition).configure({ topic: topic.name, partition, epoch: topic.epoch }, topic.config),
      ),
    );
    return respond(c, 200, await describe(topic));
  });

  app.delete("/:topic", async (c) => {
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
