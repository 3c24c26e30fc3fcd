// The classic group's state machine, Kafka's (ClassicGroupState; the classic GroupCoordinator):
//
//   Empty ──join──▶ PreparingRebalance ──all known members rejoined, or the rebalance timeout──▶
//   CompletingRebalance ──the leader's SyncGroup──▶ Stable ──join/leave/timeout──▶ PreparingRebalance
//
// - JoinGroup waits (the RPC's promise) until the join phase completes: when every known member
//   has rejoined, or at the rebalance timeout (members that did not rejoin are dropped; static
//   ones stay until their session or the sync phase times out). A group rebalancing from Empty
//   waits group.initial.rebalance.delay.ms first, extended while members keep arriving.
// - The sync phase ends with the leader's SyncGroup, which every waiting SyncGroup is answered
//   from; members that never sync are dropped at the rebalance timeout and the others rebalance.
// - KIP-429 (cooperative) needs nothing here: the revocation rounds are ordinary rebalances.
//
// The requests that drive it are classic-group.ts's; the members it moves, classic-members.ts's.
import { EMPTY, joinAnswer, syncError } from "./classic-answers.ts";
import { ClassicMembers } from "./classic-members.ts";
import { selectProtocol } from "./classic-protocols.ts";
import type { ClassicMember } from "./classic-state.ts";
import type { ClassicSyncRequest } from "./classic-types.ts";

export abstract class ClassicRebalance extends ClassicMembers {
  // ---- timers --------------------------------------------------------------------------------

  /** Deadlines that passed: pending ids, sessions, the join phase, the sync phase. */
  alarm(): void {
    this.run(() => this.tick(this.options.now()));
  }

  protected tick(now: number): void {
    for (const [id, deadline] of this.pending) {
      if (deadline >= now) continue;
      this.pending.delete(id);
      if (this.state.state === "PreparingRebalance") this.tryCompleteJoin(now);
    }
    for (const m of [...this.state.members.values()]) {
      if (!this.keptAlive(m) && m.deadline < now && this.state.members.has(m.id)) this.removeMember(m, now);
    }
    if (this.state.state === "PreparingRebalance" && this.joinDeadline !== undefined && this.joinDeadline <= now) this.onJoinDeadline(now);
    if (this.syncDeadline !== undefined && this.syncDeadline <= now) this.onSyncDeadline(now);
  }

  // ---- the join phase ---------------------------------------------------------------------------

  protected override maybePrepareRebalance(now: number): void {
    if (this.state.state !== "PreparingRebalance") this.prepareRebalance(now);
  }

  protected override prepareRebalance(now: number): void {
    if (this.state.state === "CompletingRebalance") {
      // Members waiting for the assignment rejoin instead.
      for (const m of this.state.members.values()) {
        if (m.assignment.length > 0) {
          m.assignment = EMPTY;
          m.assigned = [];
          this.state.putMember(m);
        }
        this.answerSync(m, syncError("REBALANCE_IN_PROGRESS"));
      }
    }
    this.pendingSync.clear();
    this.syncDeadline = undefined;
    if (this.state.state === "Empty") {
      // group.initial.rebalance.delay.ms: a group starting up waits for more members, then each
      // arrival extends the wait by the delay again, up to the rebalance timeout.
      this.initialDelay = { remaining: Math.max(this.rebalanceTimeout() - this.initialDelayMs, 0), newMemberAdded: false };
      this.joinDeadline = now + this.initialDelayMs;
    } else {
      this.initialDelay = undefined;
      this.joinDeadline = now + this.rebalanceTimeout();
    }
    this.state.setMeta({ state: "PreparingRebalance" });
    this.tryCompleteJoin(now);
  }

  protected tryCompleteJoin(now: number): void {
    if (this.state.state !== "PreparingRebalance" || this.initialDelay) return;
    const all = [...this.state.members.values()].every((m) => m.joinWaiter !== undefined) && this.pending.size === 0;
    if (all) this.completeJoin(now);
  }

  private onJoinDeadline(now: number): void {
    const delay = this.initialDelay;
    if (delay && delay.newMemberAdded && delay.remaining > 0) {
      const step = Math.min(this.initialDelayMs, delay.remaining);
      this.initialDelay = { remaining: delay.remaining - step, newMemberAdded: false };
      this.joinDeadline = now + step;
      return;
    }
    this.initialDelay = undefined;
    this.completeJoin(now);
  }

  private completeJoin(now: number): void {
    // Dynamic members that did not rejoin in time are out; static ones keep their place.
    for (const m of [...this.state.members.values()]) {
      if (!m.joinWaiter && m.instanceId === null) this.dropMember(m);
    }
    this.joinDeadline = undefined;
    if (this.state.members.size === 0) {
      this.state.setMeta({ generation: this.state.generation + 1, protocolName: "", leader: "", state: "Empty" });
      return;
    }
    const leader = this.state.members.get(this.state.leader);
    if (!leader?.joinWaiter) {
      const joined = [...this.state.members.values()].find((m) => m.joinWaiter);
      if (!joined) {
        // Only static members that have not rejoined: wait another round (Kafka does the same).
        this.joinDeadline = now + this.rebalanceTimeout();
        return;
      }
      this.state.setMeta({ leader: joined.id });
    }
    this.state.setMeta({ generation: this.state.generation + 1, protocolName: selectProtocol(this.state), state: "CompletingRebalance" });
    for (const m of this.state.members.values()) {
      this.answerJoin(m, joinAnswer(this.state, m, m.id === this.state.leader, false));
      this.touch(m, now);
      m.isNew = false;
      this.pendingSync.add(m.id);
    }
    this.syncDeadline = now + this.rebalanceTimeout();
  }

  // ---- the sync phase ---------------------------------------------------------------------------

  private onSyncDeadline(now: number): void {
    this.syncDeadline = undefined;
    const missing = [...this.pendingSync];
    this.pendingSync.clear();
    if (missing.length === 0 || (this.state.state !== "CompletingRebalance" && this.state.state !== "Stable")) return;
    for (const id of missing) {
      const m = this.state.members.get(id);
      if (m) this.dropMember(m);
    }
    this.prepareRebalance(now);
  }

  /** The leader's SyncGroup: every member gets its part (members it left out: nothing), the group is Stable. */
  protected assign(req: ClassicSyncRequest, now: number): void {
    const given = new Map(req.assignments.map((a) => [a.memberId, a]));
    for (const m of this.state.members.values()) {
      const a = given.get(m.id);
      m.assignment = a?.assignment ?? EMPTY;
      m.assigned = a?.partitions ?? [];
      this.state.putMember(m);
      this.touch(m, now);
    }
    this.state.setMeta({ state: "Stable" });
    for (const m of this.state.members.values()) {
      this.answerSync(m, {
        error: null,
        protocolType: this.state.protocolType,
        protocolName: this.state.protocolName,
        assignment: m.assignment,
      });
    }
    if (this.pendingSync.size === 0) this.syncDeadline = undefined;
  }

  /** A member left or timed out: the others rebalance. */
  protected removeMember(m: ClassicMember, now: number): void {
    this.dropMember(m);
    if (this.state.state === "Stable" || this.state.state === "CompletingRebalance") this.prepareRebalance(now);
    else if (this.state.state === "PreparingRebalance") this.tryCompleteJoin(now);
  }
}
