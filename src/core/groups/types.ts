// The request and result shapes of a consumer group's coordinator object. Like partition-types.ts
// they cross Durable Object RPC (structured clone) and the local actor host, so they are plain
// data. The protocol they carry is described in docs/ARCHITECTURE.md ("Consumer groups").
import type { Failure } from "../errors.ts";
import type { ClassicMemberView, ClassicState, KafkaGroupApi } from "./classic-types.ts";

/** A topic as the Worker resolved it for a member: partition count and incarnation (epoch). */
export interface TopicMeta {
  partitions: number;
  epoch: number;
}

/** topic name → metadata: a member's subscription resolved against the cluster's topics. */
export type TopicMap = Record<string, TopicMeta>;

export interface Subscription {
  /** Topic names (Kafka's subscribe(Collection)). */
  topics?: string[];
  /** A regular expression matched against whole topic names (Kafka's subscribe(Pattern)). */
  pattern?: string;
}

/** Where a partition with no committed offset starts (Kafka's auto.offset.reset, plus by timestamp). */
export type OffsetReset = "earliest" | "latest" | { timestamp: number };

export type AssignorName = "uniform" | "range";

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

export interface JoinRequest {
  /** Rejoin (a new incarnation of a known member) or join under a client-chosen id; else generated. */
  memberId?: string;
  subscription: Subscription;
  resolved: TopicMap;
  sessionTimeoutMs: number;
  autoOffsetReset: OffsetReset;
  autoCommit: boolean;
  /** The group's assignor; only the first member (or a member joining an empty group) sets it. */
  assignor?: AssignorName;
}

/** One partition a poll reads: from `start` (the member's position, else the committed offset), or null = apply `reset`. */
export interface FetchTarget {
  topic: string;
  partition: number;
  start: number | null;
}

export interface Membership {
  ok: true;
  memberId: string;
  memberEpoch: number;
  groupEpoch: number;
  /** Partitions the member owns now, sorted. */
  assignment: TopicPartitions[];
  /** Partitions the target assignment gives the member that another member still has to release. */
  pending: TopicPartitions[];
  fetch: FetchTarget[];
  reset: OffsetReset;
  subscription: Subscription;
  /** Topic metadata the coordinator last saw for this member (the Worker refreshes it when it differs). */
  resolved: TopicMap;
  sessionTimeoutMs: number;
}

export interface HeartbeatRequest {
  memberId: string;
  memberEpoch: number;
  /** How long the poll may wait for records: the session deadline is extended by it. */
  waitMs: number;
  /** Sent by a member's SSE tail: its id, and `claim` on the stream's first poll (it becomes the member's only tail). */
  tail?: MemberTail;
}

/**
 * A member has at most one live SSE tail: the one opened last. An older stream whose server has
 * not noticed its client left (a half-open connection, or a round in flight when the client
 * reconnected) would otherwise keep taking records nobody receives, after the new stream's
 * Last-Event-ID rewind: a gap. Its heartbeats and advances are refused with `stream_replaced`.
 */
export interface MemberTail {
  id: string;
  claim?: boolean;
}

export interface Advance {
  topic: string;
  partition: number;
  /** The start the fetch used (FetchTarget.start): the compare-and-set guard. */
  from: number | null;
  /** The next offset to deliver after the records this poll returns. */
  next: number;
}

export interface AdvanceRequest {
  memberId: string;
  memberEpoch: number;
  moves: Advance[];
  /** The SSE tail moving the positions (MemberTail); refused when a newer tail replaced it. */
  tail?: string;
}

export interface CommitOffset {
  topic: string;
  partition: number;
  offset: number;
  metadata?: string | null;
}

export interface CommitRequest {
  memberId: string;
  memberEpoch: number;
  offsets: CommitOffset[];
}

/** TxnOffsetCommit: offsets of a consume-transform-produce transaction, checked against the member (KIP-447). */
export interface TxnCommitRequest extends CommitRequest {
  producerId: number;
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  offset: number;
  metadata: string | null;
  commit_time: number;
  /** The topic incarnation the offset belongs to; offsets of a deleted incarnation are ignored. */
  topic_epoch: number;
}

export interface ResetRequest {
  offsets: Array<{ topic: string; partition: number; offset: number; topicEpoch: number }>;
  force: boolean;
  /** Check and answer the new offsets without storing them (kafka-consumer-groups --dry-run). */
  dryRun?: boolean;
}

/** One partition of a reset's answer: the new offset and the committed one it replaces. */
export interface ResetOffset extends CommittedOffset {
  previous_offset: number | null;
}

export interface MemberView {
  member_id: string;
  member_epoch: number;
  subscription: Subscription;
  assignment: TopicPartitions[];
  pending: TopicPartitions[];
  session_timeout_ms: number;
  last_heartbeat: number;
  auto_commit: boolean;
  auto_offset_reset: OffsetReset;
}

export interface GroupDescription {
  ok: true;
  group: string;
  group_epoch: number;
  assignment_epoch: number;
  /** The server-side assignor; while Kafka classic members are in the group, the protocol they chose (range, cooperative-sticky, ...). */
  assignor: string;
  /** "preparing_rebalance" / "completing_rebalance": a group of Kafka classic members rebalancing. */
  state: "empty" | "stable" | "reconciling" | "preparing_rebalance" | "completing_rebalance";
  created_at: number;
  members: Array<MemberView | ClassicMemberView>;
  /** Present while the group's members speak Kafka's classic protocol (client-side assignment). */
  classic?: { state: ClassicState; generation_id: number; protocol_type: string; protocol: string; leader: string };
  offsets: CommittedOffset[];
}

export type MembershipResult = Membership | Failure;

/** What the HTTP layer needs from a group's coordinator, whether a Durable Object stub or a local actor. */
export interface GroupApi extends KafkaGroupApi {
  join(group: string, req: JoinRequest): Promise<MembershipResult & { created?: boolean }>;
  heartbeat(group: string, req: HeartbeatRequest): Promise<MembershipResult>;
  /** A member's subscription resolved anew (topics created, deleted, grown): may change the target assignment. */
  updateTopics(group: string, req: HeartbeatRequest & { resolved: TopicMap }): Promise<MembershipResult>;
  advance(group: string, req: AdvanceRequest): Promise<{ ok: true; accepted: boolean[] } | Failure>;
  commit(group: string, req: CommitRequest): Promise<{ ok: true; offsets: CommittedOffset[] } | Failure>;
  /** TxnOffsetCommit: the offsets stay pending until the transaction's coordinator completes it. */
  txnCommit(group: string, req: TxnCommitRequest): Promise<{ ok: true } | Failure>;
  /** The coordinator's marker to the group: commit makes the producer's pending offsets committed, abort drops them. */
  txnComplete(group: string, req: { producerId: number; commit: boolean }): Promise<{ ok: true } | Failure>;
  leave(group: string, memberId: string): Promise<{ ok: true } | Failure>;
  describe(group: string): Promise<GroupDescription | Failure>;
  resetOffsets(group: string, req: ResetRequest): Promise<{ ok: true; offsets: ResetOffset[] } | Failure>;
  deleteGroup(group: string): Promise<{ ok: true } | Failure>;
  // The registry of groups, kept by one object of the same class (GROUP_REGISTRY_NAME).
  registerGroup(group: string): Promise<{ ok: true }>;
  unregisterGroup(group: string): Promise<{ ok: true }>;
  listGroups(): Promise<Array<{ group: string; created_at: number }>>;
}

/** The object holding the list of groups. Not a valid group name (it has a '/'), so it never collides. */
export const GROUP_REGISTRY_NAME = "/registry";

export const MAX_GROUP_NAME_LENGTH = 249;
const LEGAL_GROUP_NAME = /^[a-zA-Z0-9._-]+$/;
const LEGAL_MEMBER_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Group names follow the topic-name rules, so they sit in URLs and grants (`group:<name>`) unescaped. */
export function groupNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > MAX_GROUP_NAME_LENGTH) return `a group name is 1 to ${MAX_GROUP_NAME_LENGTH} characters`;
  if (name === "." || name === "..") return `"${name}" is not allowed as a group name`;
  if (!LEGAL_GROUP_NAME.test(name)) return `"${name}" may only contain ASCII letters, digits, '.', '_' and '-'`;
  return undefined;
}

export function isMemberId(id: string): boolean {
  return LEGAL_MEMBER_ID.test(id);
}
