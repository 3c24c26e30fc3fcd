// What every group API checks first: the group id is one edgebroker accepts (the topic-name
// rules, so it sits in URLs and grants unescaped: INVALID_GROUP_ID otherwise) and the connection's
// principal holds the grant the HTTP route for the same action needs (`consume` on `group:<id>`
// to be a member or commit, `admin` to delete), else GROUP_AUTHORIZATION_FAILED.
import { groupNameProblem } from "../../core/groups/types.ts";
import type { Operation } from "../../core/keys/grants.ts";
import type { TopicInfo } from "../../core/topics/registry.ts";
import type { RequestContext } from "../api.ts";
import { GroupError } from "./errors.ts";

export function groupRefusal(ctx: RequestContext, group: string, operation: Operation = "consume"): number | undefined {
  if (groupNameProblem(group)) return GroupError.INVALID_GROUP_ID;
  if (!ctx.allowed(operation, `group:${group}`)) return GroupError.GROUP_AUTHORIZATION_FAILED;
  return undefined;
}

/** Non-nullable strings before a version made them nullable. */
export const str = (s: string | null | undefined): string => s ?? "";

/** The topic as the cluster knows it now, or undefined when it does not exist (or the lookup failed). */
export async function topicInfo(ctx: RequestContext, name: string): Promise<TopicInfo | undefined> {
  try {
    return await ctx.config.topics.get(name);
  } catch {
    return undefined;
  }
}
