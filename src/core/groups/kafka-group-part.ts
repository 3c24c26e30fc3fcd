// Where Kafka's group APIs meet the group object's two kinds of members: the server-side
// assignment part (HTTP members; group-coordinator.ts) and the classic part (Kafka JoinGroup /
// SyncGroup members; classic-group.ts). One group has members of one kind at a time — each side
// refuses the other's joins while it has members (INCONSISTENT_GROUP_PROTOCOL) — but both share
// the group: its name, its committed offsets, `describe`, reset and delete. So a group consumed
// over HTTP can later be consumed by a Kafka client from the same offsets, and the other way round.
import { fail, type Failure } from "../errors.ts";
import type { GroupCoordinator } from "./coordinator.ts";
import type { GroupDescription, MemberView } from "./types.ts";
import type { ClassicGroup } from "./classic-group.ts";
import type {
  ClassicDescription,
  ClassicError,
  KafkaCommitRequest,
  KafkaCommitResult,
  KafkaDeleteOffsetsResult,
  KafkaOffsets,
} from "./classic-types.ts";

const EMPTY = new Uint8Array(0);

const DESCRIBE_STATE = {
  Empty: "empty",
  PreparingRebalance: "preparing_rebalance",
  CompletingRebalance: "completing_rebalance",
  Stable: "stable",
  Dead: "empty",
} as const;

export class KafkaGroupPart {
  readonly coordinator: GroupCoordinator;
  readonly classic: ClassicGroup;
  private readonly now: () => number;

  constructor(coordinator: GroupCoordinator, classic: ClassicGroup, now: () => number) {
    this.coordinator = coordinator;
    this.classic = classic;
    this.now = now;
  }

  /** HTTP members whose session has not run out (the coordinator removes the others lazily). */
  private httpMembers(): boolean {
    const now = this.now();
    for (const m of this.coordinator.state.members.values()) if (m.deadline >= now) return true;
    return false;
  }

  /** Offsets reset and group delete wait for the classic members too (unless forced). */
  busy(group: string, force: boolean): Failure | undefined {
    if (force || !this.classic.active) return undefined;
    const n = this.classic.state.members.size;
    return fail(
      "group_not_empty",
      `group "${group}" has ${n} active Kafka member(s); stop them first${force ? "" : ', or pass "force": true'}`,
      { members: n },
    );
  }

  /** `GET /v1/groups/{group}`: the HTTP view with the classic members and state added. */
  describeAll(group: string): GroupDescription | Failure {
    const c = this.classic.describe();
    const d = this.coordinator.describe(group);
    if (!d.ok || (this.classic.state.members.size === 0 && this.classic.state.generation === 0)) return d;
    const classic = {
      state: c.state,
      generation_id: c.generationId,
      protocol_type: c.protocolType,
      protocol: c.protocolName,
      leader: c.leader,
    };
    if (this.classic.state.members.size === 0) return { ...d, classic };
    return {
      ...d,
      state: DESCRIBE_STATE[c.state],
      assignor: c.protocolName || d.assignor,
      members: [...d.members, ...this.classic.memberViews()],
      classic,
    };
  }

  commit(group: string, req: KafkaCommitRequest): KafkaCommitResult {
    if (!this.httpMembers()) return this.classic.commit(group, req);
    // A group of server-side-assignment members: only a member may commit, at its member epoch
    // (KIP-848's OffsetCommit carries the member epoch where the classic one has the generation).
    if (req.memberId === "") return { error: "UNKNOWN_MEMBER_ID" };
    const r = this.coordinator.commit(group, {
      memberId: req.memberId,
      memberEpoch: req.generationId,
      offsets: req.offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, metadata: o.metadata })),
    });
    if (r.ok) return { error: null };
    const code = r.error.code;
    const error: ClassicError =
      code === "unknown_member" || code === "group_not_found"
        ? "UNKNOWN_MEMBER_ID"
        : code === "stale_epoch" || code === "fenced"
          ? "STALE_MEMBER_EPOCH"
          : "ILLEGAL_GENERATION";
    return { error };
  }

  /**
   * TxnOffsetCommit (KIP-98, KIP-447): the offsets stay pending under the producer id until the
   * transaction coordinator completes the transaction (txnComplete). A commit naming no member
   * (versions before 3, which carry none) is accepted even while the group has members, as Kafka
   * does for transactional commits; one naming a member is checked as that member's commit.
   */
  txnCommit(group: string, req: KafkaCommitRequest & { producerId: number }): KafkaCommitResult {
    const anonymous = req.generationId < 0 && req.memberId === "" && req.groupInstanceId === null;
    if (!anonymous) {
      let error: ClassicError | null;
      if (this.httpMembers()) {
        const m = this.coordinator.state.members.get(req.memberId);
        error = !m ? "UNKNOWN_MEMBER_ID" : m.epoch !== req.generationId ? "ILLEGAL_GENERATION" : null;
      } else error = this.classic.txnCheck(req);
      if (error) return { error };
    }
    const state = this.coordinator.state;
    const created = !state.exists;
    if (created) state.storage.transactionSync(() => state.create(group, "uniform", this.now()));
    this.coordinator.putPending(
      req.producerId,
      req.offsets.map((o) => ({
        topic: o.topic,
        partition: o.partition,
        offset: o.offset,
        metadata: o.metadata,
        topicEpoch: o.topicEpoch,
      })),
    );
    return { error: null, created };
  }

  offsets(): KafkaOffsets {
    const s = this.coordinator.state;
    return { exists: s.exists, offsets: [...s.offsets.values()] };
  }

  /** DescribeGroups: the classic view; a group of HTTP members is shown as a "consumer" group with their partitions. */
  describe(group: string): ClassicDescription | null {
    const c = this.classic.describe();
    const d = this.coordinator.describe(group);
    if (!d.ok) return null;
    if (this.classic.active || d.members.length === 0) return c;
    return {
      state: d.state === "empty" ? "Empty" : d.state === "stable" ? "Stable" : "CompletingRebalance",
      protocolType: "consumer",
      protocolName: d.assignor,
      generationId: d.group_epoch,
      leader: "",
      members: (d.members as MemberView[]).map((m) => ({
        memberId: m.member_id,
        groupInstanceId: null,
        clientId: "http",
        clientHost: "",
        metadata: EMPTY,
        assignment: EMPTY,
        partitions: m.assignment,
      })),
    };
  }

  deleteOffsets(group: string, partitions: Array<{ topic: string; partition: number }>): KafkaDeleteOffsetsResult {
    const state = this.coordinator.state;
    if (!state.exists) return { error: "GROUP_ID_NOT_FOUND", partitions: [] };
    const subscribed = this.classic.active ? this.classic.subscribedTopics() : new Set(this.httpMembers() ? state.topics().keys() : []);
    return state.storage.transactionSync(() => ({
      error: null,
      partitions: partitions.map(({ topic, partition }) => {
        if (subscribed.has(topic)) return { topic, partition, error: "GROUP_SUBSCRIBED_TO_TOPIC" as const };
        state.deleteOffset(topic, partition);
        return { topic, partition, error: null };
      }),
    }));
  }
}
