// OffsetCommit (key 8), v0-v9, flexible from v8. Offsets go into the group object's one offsets
// table, the same the HTTP members commit to, so `GET /v1/groups/{group}` shows them with lag.
// Fenced by generation (classic members) or member epoch (v9, KIP-848 members); generation -1
// with no member id is a commit from outside group management (assign(), admin tools), accepted
// while the group has no members. Per partition: unknown topics / partitions are refused
// (UNKNOWN_TOPIC_OR_PARTITION), as is metadata over 4096 bytes (Kafka's offset.metadata.max.bytes).
import { GROUP_REGISTRY_NAME } from "../../core/groups/types.ts";
import type { KafkaCommitOffset } from "../../core/groups/classic-types.ts";
import type { KafkaApi } from "../api.ts";
import { array, f, type Msg } from "../protocol/schema.ts";
import { groupRefusal, topicInfo } from "./access.ts";
import { codeOf, GroupError } from "./errors.ts";

const MAX_METADATA = 4096;

interface TopicIn {
  name: string;
  partitions: Array<{ partitionIndex: number; committedOffset: number; committedMetadata: string | null }>;
}

const everyPartition = (req: Msg, code: number): Msg => ({
  throttleTimeMs: 0,
  topics: ((req.topics as TopicIn[] | undefined) ?? []).map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })),
  })),
});

export const offsetCommitApi: KafkaApi = {
  apiKey: 8,
  name: "OffsetCommit",
  minVersion: 0,
  maxVersion: 9,
  flexibleFrom: 8,
  request: [
    f("groupId", "0+", "string"),
    f("generationIdOrMemberEpoch", "1+", "int32", { default: -1 }),
    f("memberId", "1+", "string"),
    f("groupInstanceId", "7+", "string", { nullable: "7+" }),
    f("retentionTimeMs", "2-4", "int64", { default: -1 }),
    f(
      "topics",
      "0+",
      array([
        f("name", "0+", "string"),
        f(
          "partitions",
          "0+",
          array([
            f("partitionIndex", "0+", "int32"),
            f("committedOffset", "0+", "int64"),
            f("committedLeaderEpoch", "6+", "int32", { default: -1 }),
            f("commitTimestamp", "1", "int64", { default: -1 }),
            f("committedMetadata", "0+", "string", { nullable: "0+" }),
          ]),
        ),
      ]),
    ),
  ],
  response: [
    f("throttleTimeMs", "3+", "int32"),
    f(
      "topics",
      "0+",
      array([f("name", "0+", "string"), f("partitions", "0+", array([f("partitionIndex", "0+", "int32"), f("errorCode", "0+", "int16")]))]),
    ),
  ],
  async handle(ctx, req, version) {
    const group: string = req.groupId;
    const refused = groupRefusal(ctx, group);
    if (refused !== undefined) return everyPartition(req, refused);
    const codes = new Map<string, number>();
    const offsets: KafkaCommitOffset[] = [];
    for (const t of req.topics as TopicIn[]) {
      const info = ctx.allowed("consume", `topic:${t.name}`) ? await topicInfo(ctx, t.name) : undefined;
      for (const p of t.partitions) {
        const key = `${t.name}\u0000${p.partitionIndex}`;
        if (!ctx.allowed("consume", `topic:${t.name}`)) codes.set(key, GroupError.TOPIC_AUTHORIZATION_FAILED);
        else if (!info || p.partitionIndex < 0 || p.partitionIndex >= info.partitions)
          codes.set(key, GroupError.UNKNOWN_TOPIC_OR_PARTITION);
        else if (p.committedMetadata !== null && p.committedMetadata.length > MAX_METADATA)
          codes.set(key, GroupError.OFFSET_METADATA_TOO_LARGE);
        else if (p.committedOffset < 0) codes.set(key, GroupError.INVALID_COMMIT_OFFSET_SIZE);
        else
          offsets.push({
            topic: t.name,
            partition: p.partitionIndex,
            offset: p.committedOffset,
            metadata: p.committedMetadata,
            topicEpoch: info.epoch,
          });
      }
    }
    if (offsets.length > 0) {
      const r = await ctx.deps.group(group).kafkaCommit(group, {
        memberId: req.memberId,
        groupInstanceId: version >= 7 ? req.groupInstanceId : null,
        generationId: req.generationIdOrMemberEpoch,
        offsets,
      });
      // Before v9 a client knows no STALE_MEMBER_EPOCH: the generation is what it holds.
      const error = r.error === "STALE_MEMBER_EPOCH" && version < 9 ? "ILLEGAL_GENERATION" : r.error;
      for (const o of offsets) codes.set(`${o.topic}\u0000${o.partition}`, codeOf(error));
      // Only a commit that created the group adds it to the list: commits are frequent, the list is one object.
      if (r.created) await ctx.deps.group(GROUP_REGISTRY_NAME).registerGroup(group);
    }
    return {
      throttleTimeMs: 0,
      topics: (req.topics as TopicIn[]).map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: codes.get(`${t.name}\u0000${p.partitionIndex}`) ?? GroupError.NONE,
        })),
      })),
    };
  },
  refuse: everyPartition,
};
