// Kafka's classic consumer-group protocol (JoinGroup / SyncGroup / Heartbeat / LeaveGroup,
// client-side assignment) as one group object runs it: the requests, answered from the state
// machine (classic-rebalance.ts) over the members (classic-members.ts), with the answers built by
// classic-answers.ts and the protocol chosen by classic-protocols.ts.
//
// - KIP-394: a member without an id first gets MEMBER_ID_REQUIRED and its id (JoinGroup v4+).
// - KIP-345: a known group.instance.id rejoining takes its old place (classic-members.ts).
// - Generations fence SyncGroup, Heartbeat and OffsetCommit (ILLEGAL_GENERATION).
//
// Committed offsets go into the group's one `offsets` table (group-state.ts), the same the HTTP
// members use.
import { classicMemberViews, describeClassic, joinAnswer, joinError, syncError } from "./classic-answers.ts";
import { sameProtocols, supportsProtocols } from "./classic-protocols.ts";
import { ClassicRebalance } from "./classic-rebalance.ts";
import {
  CLASSIC_DEFAULTS,
  type ClassicDescription,
  type ClassicError,
  type ClassicHeartbeatRequest,
  type ClassicJoinRequest,
  type ClassicJoinResult,
  type ClassicLeaveRequest,
  type ClassicLeaveResult,
  type ClassicMemberView,
  type ClassicSyncRequest,
  type ClassicSyncResult,
  type KafkaCommitRequest,
  type KafkaCommitResult,
} from "./classic-types.ts";

export class ClassicGroup extends ClassicRebalance {
  // ---- JoinGroup -----------------------------------------------------------------------------

  join(group: string, req: ClassicJoinRequest): ClassicJoinResult | Promise<ClassicJoinResult> {
    const now = this.options.now();
    return this.run(() => {
      this.tick(now);
      if (req.sessionTimeoutMs < CLASSIC_DEFAULTS.minSessionTimeoutMs || req.sessionTimeoutMs > CLASSIC_DEFAULTS.maxSessionTimeoutMs) {
        return joinError(req.memberId, "INVALID_SESSION_TIMEOUT");
      }
      // Members of the server-side protocol (HTTP, KIP-848) and classic members cannot share a
      // group: Kafka answers a classic join to a consumer-protocol group the same way.
      if (this.groups.members.size > 0) return joinError(req.memberId, "INCONSISTENT_GROUP_PROTOCOL");
      if (req.protocols.reduce((n, p) => n + p.metadata.length + p.name.length, 0) > CLASSIC_DEFAULTS.maxMemberBytes) {
        return joinError(req.memberId, "INVALID_REQUEST");
      }
      const unknown = req.memberId === "";
      if (!this.groups.exists && !unknown) return joinError(req.memberId, "UNKNOWN_MEMBER_ID");
      const known =
        this.state.members.has(req.memberId) ||
        this.pending.has(req.memberId) ||
        (req.groupInstanceId !== null && this.state.staticMember(req.groupInstanceId) !== undefined);
      // Ids handed out under KIP-394 count too, so JoinGroups that never come back cannot pile up.
      if (!known && this.state.members.size + this.pending.size >= CLASSIC_DEFAULTS.maxGroupSize)
        return joinError("", "GROUP_MAX_SIZE_REACHED");
      if (!supportsProtocols(this.state, req.protocolType, req.protocols)) return joinError(req.memberId, "INCONSISTENT_GROUP_PROTOCOL");
      if (!this.groups.exists) this.groups.create(group, "uniform", now);
      const result = unknown ? this.newMember(req, now) : this.currentMember(req, now);
      if (this.state.state === "PreparingRebalance") this.tryCompleteJoin(now);
      return result;
    });
  }

  private newMember(req: ClassicJoinRequest, now: number): ClassicJoinResult | Promise<ClassicJoinResult> {
    const prefix = (req.groupInstanceId ?? req.clientId).slice(0, 64) || "member";
    const id = `${prefix}-${this.options.newId()}`;
    if (req.groupInstanceId !== null) {
      const old = this.state.staticMember(req.groupInstanceId);
      if (old) return this.replaceStaticMember(old, id, req, now);
      return this.addMember(id, req, now);
    }
    if (req.requireKnownMemberId) {
      this.pending.set(id, now + req.sessionTimeoutMs);
      return joinError(id, "MEMBER_ID_REQUIRED");
    }
    return this.addMember(id, req, now);
  }

  private currentMember(req: ClassicJoinRequest, now: number): ClassicJoinResult | Promise<ClassicJoinResult> {
    if (this.pending.delete(req.memberId)) return this.addMember(req.memberId, req, now);
    const error = this.validateMember(req.memberId, req.groupInstanceId);
    if (error) return joinError(req.memberId, error);
    const m = this.state.members.get(req.memberId)!;
    const same = sameProtocols(m.protocols, req.protocols);
    switch (this.state.state) {
      case "PreparingRebalance":
        return this.updateMember(m, req, now);
      case "CompletingRebalance":
        // The member lost its JoinGroup answer: the same one again (the leader with the members).
        if (same) return joinAnswer(this.state, m, m.id === this.state.leader, false);
        return this.updateMember(m, req, now);
      case "Stable":
        // A leader's JoinGroup always rebalances: that is how the leader reacts to metadata
        // changes (a topic grew) that leave member metadata as it was.
        if (m.id === this.state.leader || !same) return this.updateMember(m, req, now);
        return joinAnswer(this.state, m, false, false);
      default:
        return joinError(req.memberId, "UNKNOWN_MEMBER_ID");
    }
  }

  // ---- SyncGroup, Heartbeat, LeaveGroup ------------------------------------------------------

  sync(group: string, req: ClassicSyncRequest): ClassicSyncResult | Promise<ClassicSyncResult> {
    const now = this.options.now();
    return this.run(() => {
      this.tick(now);
      if (!this.groups.exists) return syncError("UNKNOWN_MEMBER_ID");
      const error =
        this.validateMember(req.memberId, req.groupInstanceId) ??
        (req.generationId !== this.state.generation ? "ILLEGAL_GENERATION" : null) ??
        (req.protocolType !== null && req.protocolType !== this.state.protocolType ? "INCONSISTENT_GROUP_PROTOCOL" : null) ??
        (req.protocolName !== null && req.protocolName !== this.state.protocolName ? "INCONSISTENT_GROUP_PROTOCOL" : null);
      if (error) return syncError(error);
      if (req.assignments.some((x) => x.assignment.length > CLASSIC_DEFAULTS.maxMemberBytes)) return syncError("INVALID_REQUEST");
      const m = this.state.members.get(req.memberId)!;
      switch (this.state.state) {
        case "PreparingRebalance":
          return syncError("REBALANCE_IN_PROGRESS");
        case "CompletingRebalance": {
          if (m.syncWaiter) this.answerSync(m, syncError("REBALANCE_IN_PROGRESS"));
          const waiting = new Promise<ClassicSyncResult>((resolve) => (m.syncWaiter = resolve));
          this.pendingSync.delete(m.id);
          if (m.id === this.state.leader) this.assign(req, now);
          return waiting;
        }
        case "Stable":
          this.pendingSync.delete(m.id);
          this.touch(m, now);
          return { error: null, protocolType: this.state.protocolType, protocolName: this.state.protocolName, assignment: m.assignment };
        default:
          return syncError("UNKNOWN_MEMBER_ID");
      }
    });
  }

  heartbeat(_group: string, req: ClassicHeartbeatRequest): ClassicError | null {
    const now = this.options.now();
    return this.run(() => {
      this.tick(now);
      if (!this.groups.exists) return "UNKNOWN_MEMBER_ID";
      const error =
        this.validateMember(req.memberId, req.groupInstanceId) ??
        (req.generationId !== this.state.generation ? "ILLEGAL_GENERATION" : null);
      if (error) return error;
      const m = this.state.members.get(req.memberId)!;
      if (this.state.state === "Empty") return "UNKNOWN_MEMBER_ID";
      this.touch(m, now);
      return this.state.state === "PreparingRebalance" ? "REBALANCE_IN_PROGRESS" : null;
    });
  }

  leave(_group: string, req: ClassicLeaveRequest): ClassicLeaveResult {
    const now = this.options.now();
    return this.run(() => {
      this.tick(now);
      const members = req.members.map(({ memberId, groupInstanceId }) => {
        const answer = (error: ClassicError | null) => ({ memberId, groupInstanceId, error });
        if (!this.groups.exists) return answer("UNKNOWN_MEMBER_ID");
        if (memberId === "") {
          // KIP-345 admin removal by instance id.
          const m = groupInstanceId === null ? undefined : this.state.staticMember(groupInstanceId);
          if (!m) return answer("UNKNOWN_MEMBER_ID");
          this.removeMember(m, now);
          return answer(null);
        }
        if (this.pending.delete(memberId)) {
          if (this.state.state === "PreparingRebalance") this.tryCompleteJoin(now);
          return answer(null);
        }
        const error = this.validateMember(memberId, groupInstanceId);
        if (error) return answer(error);
        this.removeMember(this.state.members.get(memberId)!, now);
        return answer(null);
      });
      return { error: null, members };
    });
  }

  // ---- offsets -------------------------------------------------------------------------------

  /** OffsetCommit against the classic group (Kafka's validateOffsetCommit); the caller checked topics. */
  commit(group: string, req: KafkaCommitRequest): KafkaCommitResult {
    const now = this.options.now();
    return this.run(() => {
      this.tick(now);
      const created = !this.groups.exists;
      if (created) {
        // A commit from outside group management creates the group (assign() + commit, admin tools).
        if (req.generationId >= 0) return { error: "ILLEGAL_GENERATION" };
        this.groups.create(group, "uniform", now);
      }
      const empty = this.state.members.size === 0;
      let error: ClassicError | null = null;
      if (req.generationId < 0 && empty) error = null;
      else if (req.generationId >= 0 || req.memberId !== "" || req.groupInstanceId !== null) {
        error =
          this.validateMember(req.memberId, req.groupInstanceId) ??
          (req.generationId !== this.state.generation ? "ILLEGAL_GENERATION" : null);
      } else if (!empty) error = "UNKNOWN_MEMBER_ID";
      if (error) return { error };
      if (!empty && this.state.state === "CompletingRebalance") return { error: "REBALANCE_IN_PROGRESS" };
      const m = this.state.members.get(req.memberId);
      if (m) this.touch(m, now);
      // Kafka lets a consumer commit any offset (a seek back and commit is legal), unlike the HTTP
      // members' commit, which never moves backwards.
      for (const o of req.offsets) {
        this.groups.putOffset({
          topic: o.topic,
          partition: o.partition,
          offset: o.offset,
          metadata: o.metadata,
          commit_time: now,
          topic_epoch: o.topicEpoch,
        });
      }
      return { error: null, created };
    });
  }

  /**
   * TxnOffsetCommit v3+ against the classic group (KIP-447): the member and generation are checked
   * as for a commit; the offsets wait for the transaction (the caller stores them as pending).
   */
  txnCheck(req: KafkaCommitRequest): ClassicError | null {
    return this.run(() => {
      this.tick(this.options.now());
      if (!this.groups.exists) return req.generationId >= 0 ? "ILLEGAL_GENERATION" : null;
      return (
        this.validateMember(req.memberId, req.groupInstanceId) ??
        (req.generationId >= 0 && req.generationId !== this.state.generation ? "ILLEGAL_GENERATION" : null)
      );
    });
  }

  // ---- views ---------------------------------------------------------------------------------

  describe(): ClassicDescription {
    this.run(() => this.tick(this.options.now()));
    return describeClassic(this.state);
  }

  memberViews(): ClassicMemberView[] {
    return classicMemberViews(this.state);
  }

  wipe(): void {
    this.state.wipe(this.options.now());
    this.pending.clear();
    this.pendingSync.clear();
    this.joinDeadline = this.syncDeadline = undefined;
    this.initialDelay = undefined;
    this.schedule();
  }
}
