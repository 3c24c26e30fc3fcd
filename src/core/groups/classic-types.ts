// The request and result shapes of Kafka's classic group protocol (JoinGroup / SyncGroup /
// Heartbeat / LeaveGroup / OffsetCommit with client-side assignment) as the group object serves
// them. They cross Durable Object RPC (structured clone), so they are plain data; metadata and
// assignments stay opaque bytes, as the coordinator of Kafka treats them, and the Kafka layer
// passes what it decoded from them (subscribed topics, assigned partitions) beside the bytes so
// `GET /v1/groups/{group}` can show them.
import type { CommittedOffset, TopicPartitions } from "./types.ts";

/** Kafka error names the classic protocol answers with (the Kafka layer maps them to codes). */
export type ClassicError =
  | "UNKNOWN_MEMBER_ID"
  | "ILLEGAL_GENERATION"
  | "REBALANCE_IN_PROGRESS"
  | "MEMBER_ID_REQUIRED"
  | "FENCED_INSTANCE_ID"
  | "INCONSISTENT_GROUP_PROTOCOL"
  | "INVALID_SESSION_TIMEOUT"
  | "GROUP_MAX_SIZE_REACHED"
  | "COORDINATOR_NOT_AVAILABLE"
  | "NON_EMPTY_GROUP"
  | "GROUP_ID_NOT_FOUND"
  | "GROUP_SUBSCRIBED_TO_TOPIC"
  | "STALE_MEMBER_EPOCH"
  | "UNRELEASED_INSTANCE_ID"
  | "INVALID_REQUEST";

/** Kafka's classic group states (ClassicGroupState). */
export type ClassicState = "Empty" | "PreparingRebalance" | "CompletingRebalance" | "Stable" | "Dead";

export interface ClassicProtocol {
  name: string;
  metadata: Uint8Array;
}

export interface ClassicJoinRequest {
  /** "" for a member that does not have an id yet. */
  memberId: string;
  groupInstanceId: string | null;
  /** JoinGroup v4+ (KIP-394): an unknown member first gets MEMBER_ID_REQUIRED and its id. */
  requireKnownMemberId: boolean;
  /** JoinGroup v9+: a static leader rejoining a stable group is told to skip the assignment. */
  supportSkipAssignment: boolean;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: ClassicProtocol[];
  /** Topics the member subscribes to, decoded by the Kafka layer from its consumer-protocol metadata. */
  topics: string[];
}

export interface ClassicJoinMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Uint8Array;
}

export interface ClassicJoinResult {
  error: ClassicError | null;
  memberId: string;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  /** Only the leader gets the members (with their metadata for the chosen protocol). */
  members: ClassicJoinMember[];
}

export interface ClassicAssignment {
  memberId: string;
  assignment: Uint8Array;
  /** The partitions it names, decoded by the Kafka layer (consumer protocol), for describe. */
  partitions: TopicPartitions[];
}

export interface ClassicSyncRequest {
  memberId: string;
  groupInstanceId: string | null;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  /** The leader's assignment for every member; empty from the followers. */
  assignments: ClassicAssignment[];
}

export interface ClassicSyncResult {
  error: ClassicError | null;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Uint8Array;
}

export interface ClassicHeartbeatRequest {
  memberId: string;
  groupInstanceId: string | null;
  generationId: number;
}

export interface ClassicLeaveRequest {
  members: Array<{ memberId: string; groupInstanceId: string | null }>;
}

export interface ClassicLeaveResult {
  error: ClassicError | null;
  members: Array<{ memberId: string; groupInstanceId: string | null; error: ClassicError | null }>;
}

export interface KafkaCommitOffset {
  topic: string;
  partition: number;
  offset: number;
  metadata: string | null;
  /** The topic incarnation the Kafka layer resolved the name to (offsets remember it). */
  topicEpoch: number;
}

export interface KafkaCommitRequest {
  /** "" and generation -1: a commit from outside group management (admin tools, assign()). */
  memberId: string;
  groupInstanceId: string | null;
  /** The classic generation, or the member epoch of a KIP-848 member. */
  generationId: number;
  offsets: KafkaCommitOffset[];
}

export interface KafkaCommitResult {
  /** One error for the whole request (every partition gets it), or null. */
  error: ClassicError | null;
  /** The commit created the group (the caller adds it to the list of groups). */
  created?: boolean;
}

/** A classic member as `describe` shows it (beside the HTTP members). */
export interface ClassicMemberView {
  member_id: string;
  group_instance_id: string | null;
  client_id: string;
  client_host: string;
  protocol: "kafka-classic";
  member_epoch: number;
  subscription: { topics: string[] };
  assignment: TopicPartitions[];
  session_timeout_ms: number;
  rebalance_timeout_ms: number;
  last_heartbeat: number;
}

/** Kafka's DescribeGroups view of the group. */
export interface ClassicDescription {
  state: ClassicState;
  protocolType: string;
  protocolName: string;
  generationId: number;
  leader: string;
  members: Array<{
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    /** The member's metadata for the chosen protocol. */
    metadata: Uint8Array;
    assignment: Uint8Array;
    /** Members of the server-side protocol: their partitions, for the Kafka layer to encode. */
    partitions?: TopicPartitions[];
  }>;
}

/** Kafka's coordinator defaults (GroupCoordinatorConfig); sessions bounded like the HTTP groups'. */
export const CLASSIC_DEFAULTS = {
  initialRebalanceDelayMs: 3_000,
  minSessionTimeoutMs: 500,
  maxSessionTimeoutMs: 1_800_000,
  maxGroupSize: 1_000,
  /** A new member's JoinGroup waits at most this long (Kafka's NewMemberJoinTimeoutMs). */
  newMemberJoinTimeoutMs: 300_000,
  /**
   * A member's protocol metadata (all protocols) and its assignment are each at most this many
   * bytes: a member is one storage row, and a Durable Object row holds at most 2 MiB.
   */
  maxMemberBytes: 1024 * 1024,
} as const;

/** OffsetFetch's view: the group's committed offsets (the Kafka layer drops a deleted topic incarnation's). */
export interface KafkaOffsets {
  exists: boolean;
  offsets: CommittedOffset[];
}

export interface KafkaDeleteOffsetsResult {
  error: ClassicError | null;
  partitions: Array<{ topic: string; partition: number; error: ClassicError | null }>;
}

/** The group object's Kafka-protocol methods (src/kafka/groups/ calls them through AppDeps.group()). */
export interface KafkaGroupApi {
  kafkaJoin(group: string, req: ClassicJoinRequest): Promise<ClassicJoinResult>;
  kafkaSync(group: string, req: ClassicSyncRequest): Promise<ClassicSyncResult>;
  kafkaHeartbeat(group: string, req: ClassicHeartbeatRequest): Promise<{ error: ClassicError | null }>;
  kafkaLeave(group: string, req: ClassicLeaveRequest): Promise<ClassicLeaveResult>;
  kafkaCommit(group: string, req: KafkaCommitRequest): Promise<KafkaCommitResult>;
  /** TxnOffsetCommit: pending under the producer id until its transaction completes. */
  kafkaTxnCommit(group: string, req: KafkaCommitRequest & { producerId: number }): Promise<KafkaCommitResult>;
  kafkaOffsets(group: string): Promise<KafkaOffsets>;
  /** null: the group does not exist (Kafka's Dead state). */
  kafkaDescribe(group: string): Promise<ClassicDescription | null>;
  kafkaDeleteGroup(group: string): Promise<{ error: ClassicError | null }>;
  kafkaDeleteOffsets(group: string, partitions: Array<{ topic: string; partition: number }>): Promise<KafkaDeleteOffsetsResult>;
}
