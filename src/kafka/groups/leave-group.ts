// LeaveGroup (key 13), v0-v5, flexible from v4. v0-v2: the calling member leaves; v3+ (KIP-345):
// a batch of members, by member id or (admin removal) by group.instance.id alone. The others
// rebalance at once instead of waiting for the session timeout.
import type { KafkaApi } from "../api.ts";
import { array, f, type Msg } from "../protocol/schema.ts";
import { groupRefusal } from "./access.ts";
import { codeOf } from "./errors.ts";

export const leaveGroupApi: KafkaApi = {
  apiKey: 13,
  name: "LeaveGroup",
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 4,
  request: [
    f("groupId", "0+", "string"),
    f("memberId", "0-2", "string"),
    f(
      "members",
      "3+",
      array([
        f("memberId", "3+", "string"),
        f("groupInstanceId", "3+", "string", { nullable: "3+" }),
        f("reason", "5+", "string", { nullable: "5+" }),
      ]),
    ),
  ],
  response: [
    f("throttleTimeMs", "1+", "int32"),
    f("errorCode", "0+", "int16"),
    f(
      "members",
      "3+",
      array([f("memberId", "3+", "string"), f("groupInstanceId", "3+", "string", { nullable: "3+" }), f("errorCode", "3+", "int16")]),
    ),
  ],
  async handle(ctx, req, version) {
    const group: string = req.groupId;
    const refused = groupRefusal(ctx, group);
    if (refused !== undefined) return { throttleTimeMs: 0, errorCode: refused, members: [] };
    const members =
      version >= 3
        ? (req.members as Array<{ memberId: string; groupInstanceId: string | null }>).map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
          }))
        : [{ memberId: req.memberId as string, groupInstanceId: null }];
    const r = await ctx.deps.group(group).kafkaLeave(group, { members });
    if (version < 3) return { throttleTimeMs: 0, errorCode: codeOf(r.members[0]?.error ?? r.error) };
    return {
      throttleTimeMs: 0,
      errorCode: codeOf(r.error),
      members: r.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: codeOf(m.error) })),
    };
  },
  refuse: (_req: Msg, code: number) => ({ throttleTimeMs: 0, errorCode: code, members: [] }),
};
