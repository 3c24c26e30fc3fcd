// Consumer groups over stateless HTTP (API.md, "Consumer groups"; docs/ARCHITECTURE.md). Every
// call can land on any Worker: the group's coordinator object holds membership, assignment,
// positions and committed offsets, and the poll route fans out to the partition objects.
import { Hono, type Context } from "hono";
import { BrokerError, unwrap } from "../../core/errors.ts";
import { GROUP_REGISTRY_NAME, groupNameProblem, type GroupApi, type Membership, type TopicMap } from "../../core/group-types.ts";
import { EARLIEST, LATEST } from "../../core/partition-types.ts";
import { bodyKind, readStructuredBody, respond, responseKind } from "../content.ts";
import type { AppDeps } from "../deps.ts";
import { commitBody, joinBody, memberIdParam, pollBody, resetBody } from "../group-body.ts";
import { fetchAssigned, shareBudget } from "../group-fetch.ts";
import { SubscriptionResolver, sameTopics } from "../group-topics.ts";
import { jsonRecord, msgpackRecord } from "../record-view.ts";
import { canSee, principalOf, recordCharge, requireGrant } from "../principal.ts";
import { allows } from "../../core/grants.ts";
import type { TopicCache } from "../topic-cache.ts";

function groupParam(c: Context): string {
  const name = c.req.param("group")!;
  const problem = groupNameProblem(name);
  if (problem) throw new BrokerError("invalid_group_name", `group: ${problem}`);
  return name;
}

function membershipView(m: Membership) {
  return { member_id: m.memberId, member_epoch: m.memberEpoch, group_epoch: m.groupEpoch, assignment: m.assignment, pending: m.pending, session_timeout_ms: m.sessionTimeoutMs };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** How often a poll with nothing assigned asks again while it may wait (partitions being released). */
const UNASSIGNED_RECHECK_MS = 250;

export function groupRoutes(deps: AppDeps, topics: TopicCache): Hono {
  const app = new Hono();
  const now = deps.now ?? Date.now;
  const resolver = new SubscriptionResolver(deps.cluster, topics, deps.metadataTtlMs ?? 2_000, now);
  const registry = (): GroupApi => deps.group(GROUP_REGISTRY_NAME);
  const consumable = (c: Context) => {
    const p = principalOf(c);
    return (topic: string) => p.kind === "admin" || allows(p.grants, "consume", `topic:${topic}`);
  };
  const body = async (c: Context) => readStructuredBody(c, bodyKind(c, ["json", "msgpack"]));

  /** Re-resolves the member's subscription when this Worker's view differs from the coordinator's. */
  const refreshTopics = async (c: Context, group: string, m: Membership, waitMs: number): Promise<Membership> => {
    const opts = { strict: false, allowed: consumable(c) };
    let view: TopicMap = await resolver.resolve(m.subscription, { ...opts, fresh: false });
    if (sameTopics(view, m.resolved)) return m;
    view = await resolver.resolve(m.subscription, { ...opts, fresh: true });
    if (sameTopics(view, m.resolved)) return m;
    return unwrap<Membership>(await deps.group(group).updateTopics(group, { memberId: m.memberId, memberEpoch: m.memberEpoch, waitMs, resolved: view }));
  };

  app.get("/", async (c) => {
    const groups = (await registry().listGroups()).filter((g) => canSee(c, `group:${g.group}`));
    return respond(c, 200, { groups });
  });

  app.post("/:group/members", async (c) => {
    const group = groupParam(c);
    requireGrant(c, "consume", `group:${group}`);
    const req = joinBody(await body(c));
    for (const t of req.subscription.topics ?? []) requireGrant(c, "consume", `topic:${t}`);
    const resolved = await resolver.resolve(req.subscription, { fresh: true, strict: true, allowed: consumable(c) });
    const joined = unwrap<Membership>(await deps.group(group).join(group, { ...req, resolved }));
    // Idempotent, so a registration lost to a crash is made good by the next join.
    await registry().registerGroup(group);
    return respond(c, 200, membershipView(joined));
  });

  app.post("/:group/members/:member/poll", async (c) => {
    const group = groupParam(c);
    requireGrant(c, "consume", `group:${group}`);
    const memberId = memberIdParam(c.req.param("member"));
    const kind = responseKind(c);
    const req = pollBody(await body(c), deps.limits);
    const coordinator = deps.group(group);
    const deadline = now() + req.waitMs;
    const beat = async (epoch: number, waitMs: number): Promise<Membership> =>
      unwrap<Membership>(await coordinator.heartbeat(group, { memberId, memberEpoch: epoch, waitMs }));
    let m = await refreshTopics(c, group, await beat(req.memberEpoch, req.waitMs), req.waitMs);
    // Nothing to read yet (partitions still being released by their previous owners, or more
    // members than partitions): wait within the poll's budget, asking again, instead of
    // answering empty at once — a poll with wait_ms never turns into a busy loop.
    while (m.fetch.length === 0 && now() + UNASSIGNED_RECHECK_MS <= deadline) {
      await sleep(UNASSIGNED_RECHECK_MS);
      m = await beat(m.memberEpoch, Math.max(0, deadline - now()));
    }
    for (const t of new Set(m.fetch.map((f) => f.topic))) requireGrant(c, "consume", `topic:${t}`);
    const fetched = await fetchAssigned(deps, topics, m.fetch, m.reset, { maxRecords: req.maxRecords, maxBytes: req.maxBytes, waitMs: Math.max(0, deadline - now()) });
    const counts = shareBudget(fetched, req.maxRecords);
    const moves = fetched.map((f, i) => {
      const taken = f.records.slice(0, counts[i]);
      return { f, taken, next: taken.length > 0 ? taken[taken.length - 1]!.offset + 1 : f.offset };
    }).filter((x) => x.f.from === null || x.next !== x.f.from);
    let accepted: boolean[] = [];
    if (moves.length > 0) {
      accepted = unwrap(await coordinator.advance(group, {
        memberId, memberEpoch: m.memberEpoch, moves: moves.map((x) => ({ topic: x.f.topic, partition: x.f.partition, from: x.f.from, next: x.next })),
      })).accepted;
    }
    // Records go out only where the coordinator moved the position: a partition that changed
    // owner while we were reading is not delivered to its old owner.
    const render = kind === "msgpack" ? msgpackRecord : jsonRecord;
    const records: Array<Record<string, unknown>> = [];
    let bytes = 0;
    moves.forEach((x, i) => {
      if (!accepted[i]) return;
      for (const r of x.taken) {
        records.push(render(r, { topic: x.f.topic, partition: x.f.partition }));
        bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0);
      }
    });
    recordCharge(c, bytes);
    return respond(c, 200, { ...membershipView(m), records }, kind);
  });

  app.post("/:group/members/:member/commit", async (c) => {
    const group = groupParam(c);
    requireGrant(c, "consume", `group:${group}`);
    const memberId = memberIdParam(c.req.param("member"));
    const req = commitBody(await body(c));
    // A partition that does not exist is a 404, before the coordinator judges ownership.
    for (const o of req.offsets) {
      requireGrant(c, "consume", `topic:${o.topic}`);
      const topic = await topics.get(o.topic);
      if (o.partition >= topic.partitions) {
        throw new BrokerError("partition_not_found", `topic "${topic.name}" has partitions 0 to ${topic.partitions - 1}; partition ${o.partition} does not exist`);
      }
    }
    const done = unwrap(await deps.group(group).commit(group, { memberId, ...req }));
    return respond(c, 200, { offsets: done.offsets.map(({ topic_epoch: _e, ...o }) => o) });
  });

  app.delete("/:group/members/:member", async (c) => {
    const group = groupParam(c);
    requireGrant(c, "consume", `group:${group}`);
    unwrap(await deps.group(group).leave(group, memberIdParam(c.req.param("member"))));
    return c.body(null, 204);
  });

  app.get("/:group", async (c) => {
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

  app.delete("/:group", async (c) => {
    const group = groupParam(c);
    requireGrant(c, "admin", `group:${group}`);
    unwrap(await deps.group(group).deleteGroup(group));
    await registry().unregisterGroup(group);
    return c.body(null, 204);
  });

  // Seek/reset the group's committed offsets: explicit offsets, or earliest / latest / a
  // timestamp for every partition of the named topics. Refused while members are active unless
  // "force": true (owners then restart from the new offsets).
  app.post("/:group/offsets/reset", async (c) => {
    const group = groupParam(c);
    requireGrant(c, "admin", `group:${group}`);
    const req = resetBody(await body(c));
    const offsets: Array<{ topic: string; partition: number; offset: number; topicEpoch: number }> = [];
    if ("offsets" in req) {
      for (const o of req.offsets) {
        const topic = await topics.get(o.topic);
        if (o.partition >= topic.partitions) {
          throw new BrokerError("partition_not_found", `topic "${topic.name}" has partitions 0 to ${topic.partitions - 1}; partition ${o.partition} does not exist`);
        }
        offsets.push({ ...o, topicEpoch: topic.epoch });
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
        found.forEach((f, partition) => offsets.push({ topic: topic.name, partition, offset: unwrap(f).offset, topicEpoch: topic.epoch }));
      }
    }
    const done = unwrap(await deps.group(group).resetOffsets(group, { offsets, force: req.force }));
    await registry().registerGroup(group);
    return respond(c, 200, { group, offsets: done.offsets.map(({ topic_epoch: _e, ...o }) => o) });
  });

  return app;
}
