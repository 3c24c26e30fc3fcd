// SyncGroup (key 14), v0-v5, flexible from v4. The leader sends every member's assignment (its
// assignor ran client-side: range, roundrobin, cooperative-sticky, ...); each member's call waits
// in the group object until the leader's arrives and is answered with its own part. v5 checks
// the protocol type and name against the generation's (INCONSISTENT_GROUP_PROTOCOL).
import type { KafkaApi } from "../api.ts";
import { array, f, type Msg } from "../protocol/schema.ts";
import { groupRefusal } from "./access.ts";
import { assignedPartitions } from "./consumer-protocol.ts";
import { codeOf } from "./errors.ts";

const failed = (code: number): Msg => ({
  throttleTimeMs: 0,
  errorCode: code,
  protocolType: null,
  protocolName: null,
  assignment: new Uint8Array(0),
});

export const syncGroupApi: KafkaApi = {
  apiKey: 14,
  name: "SyncGroup",
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 4,
  request: [
    f("groupId", "0+", "string"),
    f("generationId", "0+", "int32"),
    f("memberId", "0+", "string"),
    f("groupInstanceId", "3+", "string", { nullable: "3+" }),
    f("protocolType", "5+", "string", { nullable: "5+" }),
    f("protocolName", "5+", "string", { nullable: "5+" }),
    f("assignments", "0+", array([f("memberId", "0+", "string"), f("assignment", "0+", "bytes")])),
  ],
  response: [
    f("throttleTimeMs", "1+", "int32"),
    f("errorCode", "0+", "int16"),
    f("protocolType", "5+", "string", { nullable: "5+" }),
    f("protocolName", "5+", "string", { nullable: "5+" }),
    f("assignment", "0+", "bytes"),
  ],
  async handle(ctx, req, version) {
    const group: string = req.groupId;
    const refused = groupRefusal(ctx, group);
    if (refused !== undefined) return failed(refused);
    const r = await ctx.deps.group(group).kafkaSync(group, {
      memberId: req.memberId,
      groupInstanceId: version >= 3 ? req.groupInstanceId : null,
      generationId: req.generationId,
      protocolType: version >= 5 ? req.protocolType : null,
      protocolName: version >= 5 ? req.protocolName : null,
      assignments: (req.assignments as Array<{ memberId: string; assignment: Uint8Array }>).map((a) => ({
        memberId: a.memberId,
        assignment: a.assignment,
        partitions: assignedPartitions(a.assignment),
      })),
    });
    return {
      throttleTimeMs: 0,
      errorCode: codeOf(r.error),
      protocolType: r.protocolType,
      protocolName: r.protocolName,
      assignment: r.assignment,
    };
  },
  refuse: (_req: Msg, code: number) => failed(code),
};
