// DeleteGroups (key 42), v0-v2, flexible from v2: deletes groups without members, with their
// committed offsets (NON_EMPTY_GROUP otherwise, GROUP_ID_NOT_FOUND for none); needs `admin` on the
// group, as `DELETE /v1/groups/{group}` does, and takes it off the list of groups.
import { GROUP_REGISTRY_NAME } from "../../core/groups/types.ts";
import type { KafkaApi, RequestContext } from "../api.ts";
import { array, f, type Msg } from "../protocol/schema.ts";
import { groupRefusal } from "./access.ts";
import { codeOf } from "./errors.ts";

async function deleteOne(ctx: RequestContext, groupId: string): Promise<{ groupId: string; errorCode: number }> {
  const refused = groupRefusal(ctx, groupId, "admin");
  if (refused !== undefined) return { groupId, errorCode: refused };
  const r = await ctx.deps.group(groupId).kafkaDeleteGroup(groupId);
  if (r.error === null) await ctx.deps.group(GROUP_REGISTRY_NAME).unregisterGroup(groupId);
  return { groupId, errorCode: codeOf(r.error) };
}

export const deleteGroupsApi: KafkaApi = {
  apiKey: 42,
  name: "DeleteGroups",
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 2,
  request: [f("groupsNames", "0+", array("string"))],
  response: [f("throttleTimeMs", "0+", "int32"), f("results", "0+", array([f("groupId", "0+", "string"), f("errorCode", "0+", "int16")]))],
  async handle(ctx, req) {
    return { throttleTimeMs: 0, results: await Promise.all((req.groupsNames as string[]).map((g) => deleteOne(ctx, g))) };
  },
  refuse: (req: Msg, code: number) => ({
    throttleTimeMs: 0,
    results: ((req.groupsNames as string[] | undefined) ?? []).map((groupId) => ({ groupId, errorCode: code })),
  }),
};
