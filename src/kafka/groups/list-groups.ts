// ListGroups (key 16), v0-v5, flexible from v3; v4 (KIP-518) filters by state, v5 (KIP-848) by
// type. The names come from the group registry object (the list `GET /v1/groups` shows), only
// those the principal may consume. Every group is a consumer group: "classic" while its members
// speak JoinGroup/SyncGroup (or it has none), "consumer" while it has server-side-assignment
// (HTTP) members.
import { GROUP_REGISTRY_NAME } from "../../core/groups/types.ts";
import type { KafkaApi } from "../api.ts";
import { array, f, type Msg } from "../protocol/schema.ts";
import { GroupError } from "./errors.ts";

export const listGroupsApi: KafkaApi = {
  apiKey: 16,
  name: "ListGroups",
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 3,
  request: [f("statesFilter", "4+", array("string")), f("typesFilter", "5+", array("string"))],
  response: [
    f("throttleTimeMs", "1+", "int32"),
    f("errorCode", "0+", "int16"),
    f(
      "groups",
      "0+",
      array([
        f("groupId", "0+", "string"),
        f("protocolType", "0+", "string"),
        f("groupState", "4+", "string"),
        f("groupType", "5+", "string"),
      ]),
    ),
  ],
  async handle(ctx, req, version) {
    const names = (await ctx.deps.group(GROUP_REGISTRY_NAME).listGroups())
      .map((g) => g.group)
      .filter((g) => ctx.allowed("consume", `group:${g}`));
    const states = new Set(((req.statesFilter as string[] | undefined) ?? []).map((s) => s.toLowerCase()));
    const types = new Set(((req.typesFilter as string[] | undefined) ?? []).map((s) => s.toLowerCase()));
    // State and type cost one call per group: only for the versions that carry them.
    const groups = await Promise.all(
      names.map(async (groupId) => {
        if (version < 4) return { groupId, protocolType: "consumer", groupState: "", groupType: "" };
        const d = await ctx.deps.group(groupId).kafkaDescribe(groupId);
        if (!d) return undefined;
        const groupType = d.members.some((m) => m.partitions) ? "consumer" : "classic";
        return { groupId, protocolType: d.protocolType || "consumer", groupState: d.state, groupType };
      }),
    );
    return {
      throttleTimeMs: 0,
      errorCode: GroupError.NONE,
      groups: groups.filter(
        (g): g is NonNullable<typeof g> =>
          g !== undefined && (states.size === 0 || states.has(g.groupState.toLowerCase())) && (types.size === 0 || types.has(g.groupType)),
      ),
    };
  },
  refuse: (_req: Msg, code: number) => ({ throttleTimeMs: 0, errorCode: code, groups: [] }),
};
