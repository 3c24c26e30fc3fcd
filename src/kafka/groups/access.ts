// What every group API checks first: the group id is one edgebroker accepts (the topic-name
// rules, so it sits in URLs and grants unescaped: INVALID_GROUP_ID otherwise) and the connection's
// principal holds the grant the HTTP route for the same action needs (`consume` on `group:<id>`
// to be a member or commit, `admin` to delete), else GROUP_AUTHORIZATION_FAILED.
import { groupNameProblem } from "../../core/groups/types.ts";
import type { Operation } from "../../core/keys/grants.ts";
import type { TopicInfo } from "../../core/topics/registry.ts";
import type { KafkaApi, RequestContext } from "../api.ts";
import type { Msg } from "../protocol/schema.ts";
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

/**
 * `handle` and `refuse` of an API that answers one entry per group id of its request
 * (DescribeGroups `groups`, ConsumerGroupDescribe `groupIds`): each described on its own, or
 * each refused with the same code.
 */
export function perGroup(
  field: string,
  describe: (ctx: RequestContext, groupId: string) => Promise<Msg>,
  refused: (groupId: string, code: number) => Msg,
): Pick<KafkaApi, "handle" | "refuse"> {
  const ids = (req: Msg) => (req[field] as string[] | undefined) ?? [];
  return {
    handle: async (ctx, req) => ({ throttleTimeMs: 0, groups: await Promise.all(ids(req).map((g) => describe(ctx, g))) }),
    refuse: (req, code) => ({ throttleTimeMs: 0, groups: ids(req).map((g) => refused(g, code)) }),
  };
}
