// Heartbeat (key 12), v0-v4, flexible from v4. Keeps the member's session alive; answers
// REBALANCE_IN_PROGRESS while the group prepares a rebalance (the member then rejoins) and
// ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID / FENCED_INSTANCE_ID to a member that was replaced.
import type { KafkaApi } from "../api.ts";
import { f, type Msg } from "../protocol/schema.ts";
import { groupRefusal } from "./access.ts";
import { codeOf } from "./errors.ts";

export const heartbeatApi: KafkaApi = {
  apiKey: 12,
  name: "Heartbeat",
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 4,
  request: [
    f("groupId", "0+", "string"),
    f("generationId", "0+", "int32"),
    f("memberId", "0+", "string"),
    f("groupInstanceId", "3+", "string", { nullable: "3+" }),
  ],
  response: [f("throttleTimeMs", "1+", "int32"), f("errorCode", "0+", "int16")],
  async handle(ctx, req, version) {
    const group: string = req.groupId;
    const refused = groupRefusal(ctx, group);
    if (refused !== undefined) return { throttleTimeMs: 0, errorCode: refused };
    const r = await ctx.deps.group(group).kafkaHeartbeat(group, {
      memberId: req.memberId,
      groupInstanceId: version >= 3 ? req.groupInstanceId : null,
      generationId: req.generationId,
    });
    return { throttleTimeMs: 0, errorCode: codeOf(r.error) };
  },
  refuse: (_req: Msg, code: number) => ({ throttleTimeMs: 0, errorCode: code }),
};
