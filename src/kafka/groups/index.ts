// The consumer-group APIs (FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
// OffsetCommit, OffsetFetch, ListGroups, DescribeGroups, DeleteGroups, OffsetDelete,
// ConsumerGroupHeartbeat, ConsumerGroupDescribe), one module
// each in this folder; listed here so src/kafka/apis.ts picks them up. Each handler is a thin
// codec over the group object's Kafka methods (src/core/groups/, GroupApi.kafka*): the classic
// protocol's state machine and the committed offsets live there, shared with the HTTP groups.
import type { KafkaApi } from "../api.ts";
import { consumerGroupDescribeApi } from "./consumer-group-describe.ts";
import { consumerGroupHeartbeatApi } from "./consumer-group-heartbeat.ts";
import { deleteGroupsApi } from "./delete-groups.ts";
import { describeGroupsApi } from "./describe-groups.ts";
import { findCoordinatorApi } from "./find-coordinator.ts";
import { heartbeatApi } from "./heartbeat.ts";
import { joinGroupApi } from "./join-group.ts";
import { leaveGroupApi } from "./leave-group.ts";
import { listGroupsApi } from "./list-groups.ts";
import { offsetCommitApi } from "./offset-commit.ts";
import { offsetDeleteApi } from "./offset-delete.ts";
import { offsetFetchApi } from "./offset-fetch.ts";
import { syncGroupApi } from "./sync-group.ts";

export const groupApis: KafkaApi[] = [
  findCoordinatorApi,
  joinGroupApi,
  syncGroupApi,
  heartbeatApi,
  leaveGroupApi,
  offsetCommitApi,
  offsetFetchApi,
  listGroupsApi,
  describeGroupsApi,
  deleteGroupsApi,
  offsetDeleteApi,
  consumerGroupHeartbeatApi,
  consumerGroupDescribeApi,
];
