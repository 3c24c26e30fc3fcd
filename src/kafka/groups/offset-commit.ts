// OffsetCommit (key 8), v0-v9, flexible from v8. Offsets go into the group object's one offsets
// table, the same the HTTP members commit to, so `GET /v1/groups/{group}` shows them with lag.
// Fenced by generation (classic members) or member epoch (v9, KIP-848 members); generation -1
// with no member id is a commit from outside group management (assign(), admin tools), accepted
// while the group has no members. Per partition: unknown topics / partitions are refused
// (UNKNOWN_TOPIC_OR_PARTITION), as is metadata over 4096 bytes (Kafka's offset.metadata.max.bytes).
import { GROUP_REGISTRY_NAME } from "../../core/groups/types.ts";
import type { KafkaApi } from "../api.ts";
import { f } from "../protocol/schema.ts";
import { groupRefusal } from "./access.ts";
import { checkCommit, commitTopicsRequest, commitTopicsResponse, everyPartition } from "./commit-partitions.ts";
import { codeOf, GroupError } from "./errors.ts";

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
    commitTopicsRequest("6+", [f("commitTimestamp", "1", "int64", { default: -1 })]),
  ],
  response: [f("throttleTimeMs", "3+", "int32"), commitTopicsResponse],
  async handle(ctx, req, version) {
    const group: string = req.groupId;
    const refused = groupRefusal(ctx, group);
    if (refused !== undefined) return everyPartition(req, refused);
    const { offsets, answer } = await checkCommit(ctx, req);
    // No offset passed its checks: nothing for the group object, each partition its own code.
    if (offsets.length === 0) return answer(GroupError.NONE);
    const r = await ctx.deps.group(group).kafkaCommit(group, {
      memberId: req.memberId,
      groupInstanceId: version >= 7 ? req.groupInstanceId : null,
      generationId: req.generationIdOrMemberEpoch,
      offsets,
    });
    // Before v9 a client knows no STALE_MEMBER_EPOCH: the generation is what it holds.
    const error = r.error === "STALE_MEMBER_EPOCH" && version < 9 ? "ILLEGAL_GENERATION" : r.error;
    // Only a commit that created the group adds it to the list: commits are frequent, the list is one object.
    if (r.created) await ctx.deps.group(GROUP_REGISTRY_NAME).registerGroup(group);
    return answer(codeOf(error));
  },
  refuse: everyPartition,
};
