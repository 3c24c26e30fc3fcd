// The coordinator of one consumer group (one object per group): membership, server-side
// assignment, ownership, positions and committed offsets. The protocol follows Kafka's KIP-848
// ("the next generation of the consumer rebalance protocol"), adapted to stateless HTTP members:
//
// - One epoch counter per group. It moves on every membership or subscription change (the
//   assignor then computes a new *target* assignment, labelled with that epoch) and whenever a
//   member's *owned* assignment changes (the member gets the new value as its member epoch).
// - Ownership is one row per partition (`owned`, primary key = partition): a partition can never
//   have two owners. It moves to the member the target names only when it is free: its previous
//   owner released it on its own next heartbeat (after auto-committing what it was given), left,
//   timed out, or holds nothing uncommitted (it was never handed records beyond the committed
//   offset, so nobody can be processing them). That is KIP-848's "revoke before assign".
// - Records are handed out by the poll route only for partitions the member still owns when the
//   fetch result comes back (`advance` is a compare-and-set on the position), so a partition that
//   moved meanwhile is never delivered to its old owner.
// - Commits are fenced: the member epoch must be current (`stale_epoch`) and the member must own
//   every partition it commits (`fenced`); a fenced request changes nothing.
//
// Membership (joins, heartbeats, leaves, session timeouts) is membership.ts's, the base of this
// class; the target and ownership, ownership.ts's; here: positions, offsets and the group.
import { PendingTxnOffsets, type PendingOffset } from "./txn-offsets.ts";
import { grouped, partitionKey, sortedKeys } from "./assignors.ts";
import { GroupMembership } from "./membership.ts";
import { membershipOf, startOf } from "./ownership.ts";
import type {
  Advance,
  AdvanceRequest,
  CommitRequest,
  CommittedOffset,
  GroupDescription,
  ResetOffset,
  ResetRequest,
  TxnCommitRequest,
} from "./types.ts";
import { fail, type Failure } from "../errors.ts";

export class GroupCoordinator extends GroupMembership {
  private pendingPart: PendingTxnOffsets | undefined;

  /** What the group's metrics show: its members and committed offsets (docs/monitoring.md). */
  metricsView(): { members: number; offsets: Array<{ topic: string; partition: number; offset: number }> } {
    return { members: this.state.members.size, offsets: [...this.state.offsets.values()] };
  }

  // ---- positions and offsets -------------------------------------------------------------------

  /** After a poll's fetch: move positions past the records handed out, only where the member still owns the partition and nobody moved the position meanwhile. */
  advance(group: string, req: AdvanceRequest): { ok: true; accepted: boolean[] } | Failure {
    const m = this.member(group, req.memberId, req.memberEpoch);
    if ("ok" in m) return m;
    const replaced = this.replacedTail(m, req.tail);
    if (replaced) return replaced;
    const accepted = this.mutate(() =>
      req.moves.map((move: Advance) => {
        const key = partitionKey(move.topic, move.partition);
        const o = this.state.owned.get(key);
        if (!o || o.member !== m.id || startOf(this.state, key, o) !== move.from) return false;
        if (o.position !== move.next) this.state.setOwner(key, { member: m.id, position: move.next });
        return true;
      }),
    );
    return { ok: true, accepted };
  }

  /** TxnOffsetCommit: the same member and ownership checks as a commit; the offsets wait for the transaction's end. */
  txnCommit(group: string, req: TxnCommitRequest): { ok: true } | Failure {
    const m = this.member(group, req.memberId, req.memberEpoch);
    if ("ok" in m) return m;
    for (const o of req.offsets) {
      if (this.state.owned.get(partitionKey(o.topic, o.partition))?.member !== m.id) {
        return fail(
          "fenced",
          `member "${m.id}" does not own ${o.topic} partition ${o.partition} at epoch ${m.epoch}; nothing was committed`,
          {
            topic: o.topic,
            partition: o.partition,
            member_epoch: m.epoch,
          },
        );
      }
    }
    this.mutate(() => this.pending.put(req.producerId, req.offsets));
    return { ok: true };
  }

  /** Kafka's TxnOffsetCommit, its member already checked by the caller (KafkaGroupPart.txnCommit). */
  putPending(producerId: number, offsets: PendingOffset[]): void {
    this.mutate(() => this.pending.put(producerId, offsets));
  }

  txnComplete(group: string, req: { producerId: number; commit: boolean }): { ok: true } | Failure {
    const missing = this.missing(group);
    if (missing) return missing;
    const now = this.now();
    this.mutate(() => {
      for (const o of this.pending.take(req.producerId)) {
        if (!req.commit) continue;
        const c = this.state.committed(partitionKey(o.topic, o.partition));
        if (c && o.offset < c.offset) continue; // never backwards, as a commit
        this.state.putOffset({
          topic: o.topic,
          partition: o.partition,
          offset: o.offset,
          metadata: o.metadata ?? null,
          commit_time: now,
          topic_epoch: o.topicEpoch ?? this.state.topicEpoch(o.topic),
        });
      }
    });
    return { ok: true };
  }

  private get pending(): PendingTxnOffsets {
    return (this.pendingPart ??= new PendingTxnOffsets(this.state.storage));
  }

  commit(group: string, req: CommitRequest): { ok: true; offsets: CommittedOffset[] } | Failure {
    const now = this.now();
    this.expire(now);
    const m = this.member(group, req.memberId, req.memberEpoch);
    if ("ok" in m) return m;
    for (const o of req.offsets) {
      const key = partitionKey(o.topic, o.partition);
      const owner = this.state.owned.get(key);
      if (owner?.member !== m.id) {
        return fail(
          "fenced",
          `member "${m.id}" does not own ${o.topic} partition ${o.partition} at epoch ${m.epoch}; nothing was committed`,
          { topic: o.topic, partition: o.partition, member_epoch: m.epoch },
        );
      }
      const c = this.state.committed(key);
      if (c && o.offset < c.offset) {
        return fail(
          "offset_regression",
          `${o.topic} partition ${o.partition} has committed offset ${c.offset}; a commit never moves it back (reset the group's offsets for that); nothing was committed`,
          { topic: o.topic, partition: o.partition, committed: c.offset },
        );
      }
    }
    const offsets = this.mutate(() => {
      this.state.touchMember(m, now, Math.max(m.deadline, now + m.sessionTimeoutMs));
      return req.offsets.map((o) => {
        const row: CommittedOffset = {
          topic: o.topic,
          partition: o.partition,
          offset: o.offset,
          metadata: o.metadata ?? null,
          commit_time: now,
          topic_epoch: this.state.topicEpoch(o.topic),
        };
        this.state.putOffset(row);
        return row;
      });
    });
    return { ok: true, offsets };
  }

  /**
   * Seek/reset the group's committed offsets; owners restart from them. As with
   * kafka-consumer-groups --reset-offsets: only for a group that exists, refused while members
   * are active unless forced, and with `dryRun` checked and answered without storing anything.
   */
  resetOffsets(group: string, req: ResetRequest): { ok: true; offsets: ResetOffset[] } | Failure {
    const now = this.now();
    this.expire(now);
    const missing = this.missing(group);
    if (missing) return missing;
    if (this.state.members.size > 0 && !req.force) {
      return fail(
        "group_not_empty",
        `group "${group}" has ${this.state.members.size} active member(s); stop them first, or force the reset (they then restart from the new offsets)`,
        { members: this.state.members.size },
      );
    }
    const plan = req.offsets.map((o): ResetOffset => {
      const previous = this.state.offsets.get(partitionKey(o.topic, o.partition));
      const current = previous && previous.topic_epoch === o.topicEpoch ? previous.offset : null;
      return {
        topic: o.topic,
        partition: o.partition,
        offset: o.offset,
        metadata: null,
        commit_time: now,
        topic_epoch: o.topicEpoch,
        previous_offset: current,
      };
    });
    if (req.dryRun) return { ok: true, offsets: plan };
    this.mutate(() => {
      for (const { previous_offset: _p, ...row } of plan) {
        this.state.putOffset(row);
        const key = partitionKey(row.topic, row.partition);
        const owner = this.state.owned.get(key);
        if (owner && owner.position !== null) this.state.setOwner(key, { member: owner.member, position: null });
      }
    });
    return { ok: true, offsets: plan };
  }

  // ---- the group ---------------------------------------------------------------------------------

  describe(group: string): GroupDescription | Failure {
    this.expire(this.now());
    const missing = this.missing(group);
    if (missing) return missing;
    const members = [...this.state.members.values()]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((m) => {
        const view = membershipOf(this.state, m);
        return {
          member_id: m.id,
          member_epoch: m.epoch,
          subscription: m.subscription,
          assignment: view.assignment,
          pending: view.pending,
          session_timeout_ms: m.sessionTimeoutMs,
          last_heartbeat: m.lastHeartbeat,
          auto_commit: m.autoCommit,
          auto_offset_reset: m.reset,
        };
      });
    const settled =
      [...this.state.target].every(([key, member]) => this.state.owned.get(key)?.member === member) &&
      members.every((v) => JSON.stringify(v.assignment) === JSON.stringify(grouped(this.state.members.get(v.member_id)!.told)));
    return {
      ok: true,
      group,
      group_epoch: this.state.epoch,
      assignment_epoch: this.state.assignmentEpoch,
      assignor: this.state.assignor,
      state: members.length === 0 ? "empty" : settled ? "stable" : "reconciling",
      created_at: this.state.createdAt,
      members,
      offsets: sortedKeys(this.state.offsets.keys()).map((k) => this.state.offsets.get(k)!),
    };
  }

  deleteGroup(group: string): { ok: true } | Failure {
    this.expire(this.now());
    const missing = this.missing(group);
    if (missing) return missing;
    if (this.state.members.size > 0) {
      return fail(
        "group_not_empty",
        `group "${group}" has ${this.state.members.size} active member(s); it can be deleted once they left or timed out`,
        { members: this.state.members.size },
      );
    }
    this.mutate(() => this.state.wipe());
    if (this.alarmAt !== undefined) this.alarms?.deleteAlarm();
    this.alarmAt = undefined;
    return { ok: true };
  }
}
