// DescribeGroups (key 15), v0-v5, flexible from v5: state, protocol, and each member's id,
// client, metadata and assignment (bytes as the client sent them; in Kafka's way, only once the
// group is Stable). A group of HTTP members is described with their partitions encoded as
// consumer-protocol assignments. A group that does not exist is "Dead" with no error (v0-v5).
import { type KafkaApi, OPERATIONS_NOT_PROVIDED, type RequestContext } from "../api.ts";
import { array, f } from "../protocol/schema.ts";
import { groupRefusal, perGroup } from "./access.ts";
import { encodeAssignment } from "./consumer-protocol.ts";
import { GroupError } from "./errors.ts";

const dead = (groupId: string, errorCode: number) => ({
  errorCode,
  groupId,
  groupState: "Dead",
  protocolType: "",
  protocolData: "",
  members: [],
  authorizedOperations: OPERATIONS_NOT_PROVIDED,
});

async function describeOne(ctx: RequestContext, groupId: string) {
  const refused = groupRefusal(ctx, groupId);
  if (refused !== undefined) return dead(groupId, refused);
  const d = await ctx.deps.group(groupId).kafkaDescribe(groupId);
  if (!d) return dead(groupId, GroupError.NONE);
  return {
    errorCode: GroupError.NONE,
    groupId,
    groupState: d.state,
    protocolType: d.protocolType,
    protocolData: d.protocolName,
    members: d.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      memberMetadata: m.metadata,
      memberAssignment: m.partitions ? encodeAssignment(m.partitions) : m.assignment,
    })),
    authorizedOperations: OPERATIONS_NOT_PROVIDED,
  };
}

export const describeGroupsApi: KafkaApi = {
  apiKey: 15,
  name: "DescribeGroups",
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 5,
  request: [f("groups", "0+", array("string")), f("includeAuthorizedOperations", "3+", "bool")],
  response: [
    f("throttleTimeMs", "1+", "int32"),
    f(
      "groups",
      "0+",
      array([
        f("errorCode", "0+", "int16"),
        f("groupId", "0+", "string"),
        f("groupState", "0+", "string"),
        f("protocolType", "0+", "string"),
        f("protocolData", "0+", "string"),
        f(
          "members",
          "0+",
          array([
            f("memberId", "0+", "string"),
            f("groupInstanceId", "4+", "string", { nullable: "4+" }),
            f("clientId", "0+", "string"),
            f("clientHost", "0+", "string"),
            f("memberMetadata", "0+", "bytes"),
            f("memberAssignment", "0+", "bytes"),
          ]),
        ),
        f("authorizedOperations", "3+", "int32", { default: OPERATIONS_NOT_PROVIDED }),
      ]),
    ),
  ],
  ...perGroup("groups", describeOne, dead),
};
