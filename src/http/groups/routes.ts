// Consumer groups over stateless HTTP (README.md, "Consumer groups"; docs/ARCHITECTURE.md). Every
// call can land on any Worker: the group's coordinator object holds membership, assignment,
// positions and committed offsets, and the poll route fans out to the partition objects.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { BrokerError, unwrap } from "../../core/errors.ts";
import { GROUP_REGISTRY_NAME, type GroupApi, type Membership } from "../../core/groups/types.ts";
import { EARLIEST, LATEST } from "../../core/log/partition-types.ts";
import { MEDIA, respond, responseKind } from "../content.ts";
import type { AppDeps } from "../deps.ts";
import { CommitBody, groupNameParam, JoinBody, memberIdParam, pollBodySchema, ResetBody } from "./body.ts";
import { consumable, GroupPoller } from "./poll.ts";
import { SubscriptionResolver } from "./topics.ts";
import { groupTailRoutes } from "./sse.ts";
import { renderPoll } from "./poll-page.ts";
import { canSee, recordCharge, requireGrant } from "../auth/principal.ts";
import type { TopicCache } from "../topics/topic-cache.ts";
import { openApp, openRoute, readBody } from "../openapi/route.ts";
import { COMMIT, DELETE_GROUP, DESCRIBE, JOIN, LEAVE, LIST_GROUPS, pollRoute, RESET } from "./schemas.ts";

const groupParam = (c: Context): string => groupNameParam(c.req.param("group")!);

function membershipView(m: Membership) {
  return {
    member_id: m.memberId,
    member_epoch: m.memberEpoch,
    group_epoch: m.groupEpoch,
    assignment: m.assignment,
    pending: m.pending,
    session_timeout_ms: m.sessionTimeoutMs,
  };
}

export function groupRoutes(deps: AppDeps, topics: TopicCache): OpenAPIHono {
  const app = openApp();
  const now = deps.now ?? Date.now;
  const resolver = new SubscriptionResolver(deps.cluster, topics, deps.metadataTtlMs ?? 2_000, now);
  const registry = (): GroupApi => deps.group(GROUP_REGISTRY_NAME);
  const poller = new GroupPoller(deps, topics, resolver);
  // A field's mistake is invalid_parameter (body.ts); a non-object or unknown field bad_request.
  const fields = { code: "invalid_parameter" } as const;
  const PollBody = pollBodySchema(deps.limits);

  openRoute(app, LIST_GROUPS, async (c) => {
    const groups = (await registry().listGroups()).filter((g) => canSee(c, `group:${g.group}`));
    return respond(c, 200, { groups });
  });

  openRoute(app, JOIN, async (c) => {
    const group = groupParam(c);
    requireGrant(c, "consume", `group:${group}`);
    const req = await readBody(c, JoinBody, fields);
    for (const t of req.subscription.topics ?? []) requireGrant(c, "consume", `topic:${t}`);
    const resolved = await resolver.resolve(req.subscription, { fresh: true, strict: true, allowed: consumable(c) });
    const joined = unwrap<Membership>(await deps.group(group).join(group, { ...req, resolved }));
    // Idempotent, so a registration lost to a crash is made good by the next join.
    await registry().registerGroup(group);
    return respond(c, 200, membershipView(joined));
  });

  openRoute(app, pollRoute(deps.limits), async (c) => {
    const group = groupParam(c);
    requireGrant(c, "consume", `group:${group}`);
    const memberId = memberIdParam(c.req.param("member"));
    const kind = responseKind(c);
    const req = await readBody(c, PollBody, fields);
    const { membership: m, delivered, partitionErrors } = await poller.poll(c, group, memberId, req);
    recordCharge(
      c,
      delivered.reduce((n, d) => n + d.page.bytesOf(d.count), 0),
    );
    // Partitions withheld this round (a corrupt stored batch) are named; the others are served.
    const extra = partitionErrors.length > 0 ? { partition_errors: partitionErrors } : {};
    // {...membership, records, ...extra} written off the stored batches (poll-page.ts), as the
    // fetch route writes its pages: respond()'s bytes over record objects, but for a value stored
    // as JSON text, which is placed as stored (fetch-body.ts).
    const json = kind !== "msgpack";
    const core = delivered.length > 0 ? await deps.logCore() : undefined;
    const body = renderPoll(json ? "json" : "msgpack", core, membershipView(m), delivered, extra) as Uint8Array<ArrayBuffer>;
    return c.body(body, 200, { "content-type": json ? MEDIA.json : MEDIA.msgpack });
  });

  app.route("/", groupTailRoutes(deps, poller));

  openRoute(app, COMMIT, async (c) => {
    const group = groupParam(c);
    requireGrant(c, "consume", `group:${group}`);
    const memberId = memberIdParam(c.req.param("member"));
    const req = await readBody(c, CommitBody, fields);
    // A partition that does not exist is a 404, before the coordinator judges ownership.
    for (const o of req.offsets) {
      requireGrant(c, "consume", `topic:${o.topic}`);
      const topic = await topics.get(o.topic);
      if (o.partition >= topic.partitions) {
        throw new BrokerError(
          "partition_not_found",
          `topic "${topic.name}" has partitions 0 to ${topic.partitions - 1}; partition ${o.partition} does not exist`,
        );
      }
    }
    const done = unwrap(await deps.group(group).commit(group, { memberId, ...req }));
    return respond(c, 200, { offsets: done.offsets.map(({ topic_epoch: _e, ...o }) => o) });
  });

  openRoute(app, LEAVE, async (c) => {
    const group = groupParam(c);
    requireGrant(c, "consume", `group:${group}`);
    unwrap(await deps.group(group).leave(group, memberIdParam(c.req.param("member"))));
    return c.body(null, 204);
  });

  openRoute(app, DESCRIBE, async (c) => {
    const group = groupParam(c);
    requireGrant(c, "consume", `group:${group}`);
    const d = unwrap(await deps.group(group).describe(group));
    // Lag = high watermark − committed offset, from each partition object, in parallel.
    const offsets = await Promise.all(
      d.offsets.map(async ({ topic_epoch, ...o }) => {
        const info = await topics.get(o.topic).catch(() => undefined);
        if (!info || info.epoch !== topic_epoch || o.partition >= info.partitions) return { ...o, high_watermark: null, lag: null };
        const stats = await deps.partition(info.name, o.partition).stats({ topic: info.name, partition: o.partition, epoch: info.epoch });
        if (!stats.ok) return { ...o, high_watermark: null, lag: null };
        return { ...o, high_watermark: stats.end_offset, lag: Math.max(0, stats.end_offset - o.offset) };
      }),
    );
    const { ok: _ok, ...rest } = d;
    return respond(c, 200, { ...rest, offsets });
  });

  openRoute(app, DELETE_GROUP, async (c) => {
    const group = groupParam(c);
    requireGrant(c, "admin", `group:${group}`);
    unwrap(await deps.group(group).deleteGroup(group));
    await registry().unregisterGroup(group);
    return c.body(null, 204);
  });

  // Seek/reset the group's committed offsets, as kafka-consumer-groups --reset-offsets does:
  // explicit offsets, or earliest / latest / a timestamp for every partition of the named topics;
  // each clamped to the partition's [log start, log end] (an answer names every clamp), only for
  // a group that exists, refused while members are active unless "force": true (owners then
  // restart from the new offsets), and with "dry_run": true answered without storing anything.
  openRoute(app, RESET, async (c) => {
    const group = groupParam(c);
    requireGrant(c, "admin", `group:${group}`);
    const req = await readBody(c, ResetBody, fields);
    const wanted: Array<{ topic: string; partition: number; offset: number; topicEpoch: number }> = [];
    if ("offsets" in req) {
      for (const o of req.offsets) {
        const topic = await topics.get(o.topic);
        if (o.partition >= topic.partitions) {
          throw new BrokerError(
            "partition_not_found",
            `topic "${topic.name}" has partitions 0 to ${topic.partitions - 1}; partition ${o.partition} does not exist`,
          );
        }
        wanted.push({ ...o, topic: topic.name, topicEpoch: topic.epoch });
      }
    } else {
      for (const name of req.topics) {
        const topic = await topics.get(name, true);
        const target = req.to === "earliest" ? EARLIEST : req.to === "latest" ? LATEST : req.to.timestamp;
        const found = await Promise.all(
          Array.from({ length: topic.partitions }, (_, partition) =>
            deps.partition(topic.name, partition).offsetForTimestamp({ topic: topic.name, partition, epoch: topic.epoch }, target),
          ),
        );
        found.forEach((f, partition) => wanted.push({ topic: topic.name, partition, offset: unwrap(f).offset, topicEpoch: topic.epoch }));
      }
    }
    const ranges = await Promise.all(
      wanted.map(async (o) =>
        unwrap(await deps.partition(o.topic, o.partition).stats({ topic: o.topic, partition: o.partition, epoch: o.topicEpoch })),
      ),
    );
    const clamped = wanted.map((o, i) => ({ ...o, offset: Math.min(Math.max(o.offset, ranges[i]!.start_offset), ranges[i]!.end_offset) }));
    const done = unwrap(await deps.group(group).resetOffsets(group, { offsets: clamped, force: req.force, dryRun: req.dryRun }));
    return respond(c, 200, {
      group,
      dry_run: req.dryRun,
      offsets: done.offsets.map((o, i) => ({
        topic: o.topic,
        partition: o.partition,
        offset: o.offset,
        previous_offset: o.previous_offset,
        requested_offset: wanted[i]!.offset,
        log_start_offset: ranges[i]!.start_offset,
        log_end_offset: ranges[i]!.end_offset,
        // Why the offset differs from the one asked for, if it does.
        clamped: wanted[i]!.offset < ranges[i]!.start_offset ? "log_start" : wanted[i]!.offset > ranges[i]!.end_offset ? "log_end" : null,
      })),
    });
  });

  return app;
}
