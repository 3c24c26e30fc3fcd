// JoinGroup (key 11), v0-v9, flexible from v6. The member's call waits in the group object until
// the join phase completes (src/core/groups/classic-group.ts); the answer names the generation,
// the chosen protocol and the leader, and gives the leader every member's metadata to run its
// assignor on. v4+ (KIP-394): a member without an id is first answered MEMBER_ID_REQUIRED with
// its id; v5+ (KIP-345): group.instance.id; v9: skipAssignment for a returning static leader.
import { GROUP_REGISTRY_NAME } from "../../core/groups/types.ts";
import type { KafkaApi } from "../api.ts";
import { array, f, type Msg } from "../protocol/schema.ts";
import { groupRefusal, str } from "./access.ts";
import { subscribedTopics } from "./consumer-protocol.ts";
import { codeOf } from "./errors.ts";

const failed = (code: number, memberId: string): Msg => ({
  throttleTimeMs: 0,
  errorCode: code,
  generationId: -1,
  protocolType: null,
  protocolName: null,
  leader: "",
  skipAssignment: false,
  memberId,
  members: [],
});

export const joinGroupApi: KafkaApi = {
  apiKey: 11,
  name: "JoinGroup",
  minVersion: 0,
  maxVersion: 9,
  flexibleFrom: 6,
  request: [
    f("groupId", "0+", "string"),
    f("sessionTimeoutMs", "0+", "int32"),
    f("rebalanceTimeoutMs", "1+", "int32", { default: -1 }),
    f("memberId", "0+", "string"),
    f("groupInstanceId", "5+", "string", { nullable: "5+" }),
    f("protocolType", "0+", "string"),
    f("protocols", "0+", array([f("name", "0+", "string"), f("metadata", "0+", "bytes")])),
    f("reason", "8+", "string", { nullable: "8+" }),
  ],
  response: [
    f("throttleTimeMs", "2+", "int32"),
    f("errorCode", "0+", "int16"),
    f("generationId", "0+", "int32", { default: -1 }),
    f("protocolType", "7+", "string", { nullable: "7+" }),
    f("protocolName", "0+", "string", { nullable: "7+" }),
    f("leader", "0+", "string"),
    f("skipAssignment", "9+", "bool"),
    f("memberId", "0+", "string"),
    f(
      "members",
      "0+",
      array([f("memberId", "0+", "string"), f("groupInstanceId", "5+", "string", { nullable: "5+" }), f("metadata", "0+", "bytes")]),
    ),
  ],
  async handle(ctx, req, version) {
    const group: string = req.groupId;
    const refused = groupRefusal(ctx, group);
    if (refused !== undefined) return failed(refused, req.memberId);
    const protocols = (req.protocols as Array<{ name: string; metadata: Uint8Array }>).map((p) => ({ name: p.name, metadata: p.metadata }));
    const r = await ctx.deps.group(group).kafkaJoin(group, {
      memberId: req.memberId,
      groupInstanceId: version >= 5 ? req.groupInstanceId : null,
      requireKnownMemberId: version >= 4,
      supportSkipAssignment: version >= 9,
      clientId: ctx.header.clientId ?? "",
      clientHost: "/kafka",
      sessionTimeoutMs: req.sessionTimeoutMs,
      // v0 has no rebalance timeout: the session timeout serves for both, as in Kafka.
      rebalanceTimeoutMs: version >= 1 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
      protocolType: req.protocolType,
      protocols,
      topics: req.protocolType === "consumer" && protocols[0] ? subscribedTopics(protocols[0].metadata) : [],
    });
    // The list of groups learns of it at its first join (idempotent, like the HTTP join's).
    if (req.memberId === "" && (r.error === null || r.error === "MEMBER_ID_REQUIRED"))
      await ctx.deps.group(GROUP_REGISTRY_NAME).registerGroup(group);
    return {
      throttleTimeMs: 0,
      errorCode: codeOf(r.error),
      generationId: r.generationId,
      protocolType: r.protocolType,
      protocolName: version >= 7 ? r.protocolName : str(r.protocolName),
      leader: r.leader,
      skipAssignment: r.skipAssignment,
      memberId: r.memberId,
      members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata })),
    };
  },
  refuse: (req: Msg, code: number) => failed(code, req.memberId ?? ""),
};
