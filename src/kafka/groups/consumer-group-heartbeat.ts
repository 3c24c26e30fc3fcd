// ConsumerGroupHeartbeat (key 68), v0-v1, flexible (KIP-848, the "next generation" consumer
// protocol). It is served by the group object's server-side assignment — the same coordinator the
// HTTP members use (src/core/group-coordinator.ts follows KIP-848: member epochs, a target
// assignment from the `uniform` or `range` assignor, partitions moved once released). So KIP-848
// Kafka consumers and HTTP members can share a group; classic members cannot (GROUP_ID_NOT_FOUND:
// "not a consumer group", as Kafka answers). One difference: the coordinator cannot see a Kafka
// member's fetch position, so a partition moves to its new owner at the new owner's heartbeat,
// not after the old owner acknowledged the revocation; commits stay fenced by member epoch.
//
//   memberEpoch 0: join (v0: the broker names the member; v1: the client does) · > 0: heartbeat,
//   re-resolving the subscription (topics created or grown) · -1 / -2: leave.
import { GROUP_REGISTRY_NAME, isMemberId, type Membership, type MembershipResult, type Subscription } from "../../core/groups/types.ts";
import type { TopicInfo } from "../../core/topics/registry.ts";
import { SubscriptionResolver } from "../../http/groups/topics.ts";
import type { KafkaApi, RequestContext } from "../api.ts";
import { topicId } from "../apis/metadata.ts";
import { array, f, type Msg } from "../protocol/schema.ts";
import { groupRefusal } from "./access.ts";
import { GroupError } from "./errors.ts";

const HEARTBEAT_INTERVAL_MS = 3_000;
const SESSION_TIMEOUT_MS = 45_000; // Kafka's group.consumer.session.timeout.ms
const FENCED_MEMBER_EPOCH = 110;
const UNSUPPORTED_ASSIGNOR = 112;
const INVALID_REGULAR_EXPRESSION = 128;

const failed = (errorCode: number, errorMessage: string | null = null): Msg => ({
  throttleTimeMs: 0,
  errorCode,
  errorMessage,
  memberId: null,
  memberEpoch: -1,
  heartbeatIntervalMs: 0,
  assignment: null,
});

function codeOf(r: Exclude<MembershipResult, Membership>): number {
  switch (r.error.code) {
    case "unknown_member":
    case "group_not_found":
      return GroupError.UNKNOWN_MEMBER_ID;
    case "stale_epoch":
      return FENCED_MEMBER_EPOCH;
    case "inconsistent_group_protocol":
      return GroupError.GROUP_ID_NOT_FOUND;
    case "inconsistent_assignor":
      return UNSUPPORTED_ASSIGNOR;
    default:
      return GroupError.INVALID_REQUEST;
  }
}

async function answer(ctx: RequestContext, m: Membership): Promise<Msg> {
  const topics = new Map<string, TopicInfo>();
  for (const a of m.assignment) {
    const info = await ctx.config.topics.get(a.topic).catch(() => undefined);
    if (info) topics.set(a.topic, info);
  }
  return {
    throttleTimeMs: 0,
    errorCode: GroupError.NONE,
    errorMessage: null,
    memberId: m.memberId,
    memberEpoch: m.memberEpoch,
    heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
    assignment: {
      topicPartitions: m.assignment
        .filter((a) => topics.has(a.topic))
        .map((a) => ({ topicId: topicId(topics.get(a.topic)!), partitions: a.partitions })),
    },
  };
}

export const consumerGroupHeartbeatApi: KafkaApi = {
  apiKey: 68,
  name: "ConsumerGroupHeartbeat",
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: 0,
  request: [
    f("groupId", "0+", "string"),
    f("memberId", "0+", "string"),
    f("memberEpoch", "0+", "int32"),
    f("instanceId", "0+", "string", { nullable: "0+" }),
    f("rackId", "0+", "string", { nullable: "0+" }),
    f("rebalanceTimeoutMs", "0+", "int32", { default: -1 }),
    f("subscribedTopicNames", "0+", array("string"), { nullable: "0+" }),
    f("subscribedTopicRegex", "1+", "string", { nullable: "1+" }),
    f("serverAssignor", "0+", "string", { nullable: "0+" }),
    f("topicPartitions", "0+", array([f("topicId", "0+", "uuid"), f("partitions", "0+", array("int32"))]), { nullable: "0+" }),
  ],
  response: [
    f("throttleTimeMs", "0+", "int32"),
    f("errorCode", "0+", "int16"),
    f("errorMessage", "0+", "string", { nullable: "0+" }),
    f("memberId", "0+", "string", { nullable: "0+" }),
    f("memberEpoch", "0+", "int32"),
    f("heartbeatIntervalMs", "0+", "int32"),
    f("assignment", "0+", [f("topicPartitions", "0+", array([f("topicId", "0+", "uuid"), f("partitions", "0+", array("int32"))]))], {
      nullable: "0+",
    }),
  ],
  async handle(ctx, req, version) {
    const group: string = req.groupId;
    const refused = groupRefusal(ctx, group);
    if (refused !== undefined) return failed(refused);
    const coordinator = ctx.deps.group(group);
    const memberId: string = req.memberId;
    if (memberId !== "" && !isMemberId(memberId))
      return failed(GroupError.UNKNOWN_MEMBER_ID, "member ids are 1 to 64 characters of A-Z, a-z, 0-9, '_' and '-'");
    if (req.memberEpoch < 0) {
      const left = await coordinator.leave(group, memberId);
      if (!left.ok) return failed(codeOf(left));
      return {
        throttleTimeMs: 0,
        errorCode: GroupError.NONE,
        errorMessage: null,
        memberId,
        memberEpoch: req.memberEpoch,
        heartbeatIntervalMs: 0,
        assignment: null,
      };
    }
    const names = req.subscribedTopicNames as string[] | null;
    const regex = version >= 1 ? (req.subscribedTopicRegex as string | null) : null;
    const subscription: Subscription | undefined =
      regex !== null ? { pattern: regex } : names !== null ? { topics: [...new Set(names)].sort() } : undefined;
    for (const t of subscription?.topics ?? [])
      if (!ctx.allowed("consume", `topic:${t}`)) return failed(GroupError.TOPIC_AUTHORIZATION_FAILED);
    const resolver = new SubscriptionResolver(() => ctx.deps.cluster(), ctx.config.topics, 2_000, ctx.config.now);
    const allowed = (topic: string) => ctx.allowed("consume", `topic:${topic}`);
    if (regex !== null) {
      try {
        new RegExp(regex);
      } catch {
        return failed(INVALID_REGULAR_EXPRESSION, `"${regex}" is not a valid regular expression`);
      }
    }
    if (req.memberEpoch === 0) {
      if (!subscription) return failed(GroupError.INVALID_REQUEST, "a joining member names its subscription");
      const assignor = req.serverAssignor as string | null;
      if (assignor !== null && assignor !== "uniform" && assignor !== "range")
        return failed(UNSUPPORTED_ASSIGNOR, `assignors: uniform, range`);
      const resolved = await resolver.resolve(subscription, { fresh: true, strict: false, allowed });
      const r = await coordinator.join(group, {
        memberId: memberId === "" ? undefined : memberId,
        subscription,
        resolved,
        sessionTimeoutMs: SESSION_TIMEOUT_MS,
        // Positions are the client's own: the coordinator's reset policy and auto-commit are for HTTP members.
        autoOffsetReset: "earliest",
        autoCommit: false,
        ...(assignor ? { assignor } : {}),
      });
      if (!r.ok) return failed(codeOf(r), r.error.message);
      await ctx.deps.group(GROUP_REGISTRY_NAME).registerGroup(group);
      return answer(ctx, r);
    }
    let beat = await coordinator.heartbeat(group, { memberId, memberEpoch: req.memberEpoch, waitMs: 0 });
    if (!beat.ok) return failed(codeOf(beat), beat.error.message);
    // A changed subscription is a rejoin under the same id; otherwise topics created, deleted or
    // grown under the subscription reach the assignor here.
    if (subscription && JSON.stringify(subscription) !== JSON.stringify(beat.subscription)) {
      const resolved = await resolver.resolve(subscription, { fresh: true, strict: false, allowed });
      beat = await coordinator.join(group, {
        memberId,
        subscription,
        resolved,
        sessionTimeoutMs: SESSION_TIMEOUT_MS,
        autoOffsetReset: "earliest",
        autoCommit: false,
      });
    } else {
      const resolved = await resolver.resolve(beat.subscription, { fresh: false, strict: false, allowed });
      if (JSON.stringify(resolved) !== JSON.stringify(beat.resolved))
        beat = await coordinator.updateTopics(group, { memberId, memberEpoch: beat.memberEpoch, waitMs: 0, resolved });
    }
    if (!beat.ok) return failed(codeOf(beat), beat.error.message);
    return answer(ctx, beat);
  },
  refuse: (_req: Msg, code: number) => failed(code),
};
