// ConsumerGroupDescribe (key 69), v0, flexible (KIP-848): the server-side-assignment view of a
// group — group and assignment epochs, the assignor, each member's epoch, subscription, current
// assignment and target (current plus what it waits for others to release). Served from the same
// `describe` as `GET /v1/groups/{group}`; a group of classic members is "not a consumer group"
// (GROUP_ID_NOT_FOUND), as in Kafka.
import type { GroupDescription, MemberView, TopicPartitions } from "../../core/groups/types.ts";
import { type KafkaApi, OPERATIONS_NOT_PROVIDED, type RequestContext } from "../api.ts";
import { topicId } from "../apis/metadata.ts";
import { array, f } from "../protocol/schema.ts";
import { groupRefusal, perGroup, topicInfo } from "./access.ts";
import { GroupError } from "./errors.ts";

const STATE = {
  empty: "Empty",
  stable: "Stable",
  reconciling: "Reconciling",
  preparing_rebalance: "Reconciling",
  completing_rebalance: "Reconciling",
} as const;

const topicPartitions = [f("topicId", "0+", "uuid"), f("topicName", "0+", "string"), f("partitions", "0+", array("int32"))];
const assignment = [f("topicPartitions", "0+", array(topicPartitions))];

const failed = (groupId: string, errorCode: number, errorMessage: string | null) => ({
  errorCode,
  errorMessage,
  groupId,
  groupState: "Dead",
  groupEpoch: -1,
  assignmentEpoch: -1,
  assignorName: "",
  members: [],
  authorizedOperations: OPERATIONS_NOT_PROVIDED,
});

function merge(a: TopicPartitions[], b: TopicPartitions[]): TopicPartitions[] {
  const out = new Map<string, Set<number>>();
  for (const tp of [...a, ...b]) {
    const s = out.get(tp.topic) ?? new Set<number>();
    for (const p of tp.partitions) s.add(p);
    out.set(tp.topic, s);
  }
  return [...out].map(([topic, s]) => ({ topic, partitions: [...s].sort((x, y) => x - y) }));
}

async function describeOne(ctx: RequestContext, groupId: string) {
  const refused = groupRefusal(ctx, groupId);
  if (refused !== undefined) return failed(groupId, refused, null);
  const d = (await ctx.deps.group(groupId).describe(groupId)) as GroupDescription | { ok: false };
  if (!d.ok) return failed(groupId, GroupError.GROUP_ID_NOT_FOUND, `group "${groupId}" does not exist`);
  if (d.members.some((m) => "protocol" in m && m.protocol === "kafka-classic")) {
    return failed(
      groupId,
      GroupError.GROUP_ID_NOT_FOUND,
      `group "${groupId}" is not a consumer group: its members use the classic protocol`,
    );
  }
  const ids = new Map<string, Uint8Array>();
  const encode = async (tps: TopicPartitions[]) => {
    const out = [];
    for (const tp of tps) {
      if (!ids.has(tp.topic)) {
        const info = await topicInfo(ctx, tp.topic);
        ids.set(tp.topic, info ? topicId(info) : new Uint8Array(16));
      }
      out.push({ topicId: ids.get(tp.topic)!, topicName: tp.topic, partitions: tp.partitions });
    }
    return { topicPartitions: out };
  };
  const members = [];
  for (const m of d.members as MemberView[]) {
    members.push({
      memberId: m.member_id,
      instanceId: null,
      rackId: null,
      memberEpoch: m.member_epoch,
      clientId: "",
      clientHost: "",
      subscribedTopicNames: m.subscription.topics ?? [],
      subscribedTopicRegex: m.subscription.pattern ?? null,
      assignment: await encode(m.assignment),
      targetAssignment: await encode(merge(m.assignment, m.pending)),
    });
  }
  return {
    errorCode: GroupError.NONE,
    errorMessage: null,
    groupId,
    groupState: STATE[d.state],
    groupEpoch: d.group_epoch,
    assignmentEpoch: d.assignment_epoch,
    assignorName: d.assignor,
    members,
    authorizedOperations: OPERATIONS_NOT_PROVIDED,
  };
}

export const consumerGroupDescribeApi: KafkaApi = {
  apiKey: 69,
  name: "ConsumerGroupDescribe",
  minVersion: 0,
  maxVersion: 0,
  flexibleFrom: 0,
  request: [f("groupIds", "0+", array("string")), f("includeAuthorizedOperations", "0+", "bool")],
  response: [
    f("throttleTimeMs", "0+", "int32"),
    f(
      "groups",
      "0+",
      array([
        f("errorCode", "0+", "int16"),
        f("errorMessage", "0+", "string", { nullable: "0+" }),
        f("groupId", "0+", "string"),
        f("groupState", "0+", "string"),
        f("groupEpoch", "0+", "int32"),
        f("assignmentEpoch", "0+", "int32"),
        f("assignorName", "0+", "string"),
        f(
          "members",
          "0+",
          array([
            f("memberId", "0+", "string"),
            f("instanceId", "0+", "string", { nullable: "0+" }),
            f("rackId", "0+", "string", { nullable: "0+" }),
            f("memberEpoch", "0+", "int32"),
            f("clientId", "0+", "string"),
            f("clientHost", "0+", "string"),
            f("subscribedTopicNames", "0+", array("string")),
            f("subscribedTopicRegex", "0+", "string", { nullable: "0+" }),
            f("assignment", "0+", assignment),
            f("targetAssignment", "0+", assignment),
          ]),
        ),
        f("authorizedOperations", "0+", "int32", { default: OPERATIONS_NOT_PROVIDED }),
      ]),
    ),
  ],
  ...perGroup("groupIds", describeOne, (g, code) => failed(g, code, null)),
};
