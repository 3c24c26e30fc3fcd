// The member and session bookkeeping of a classic group (classic-group.ts is the whole; this is
// its base): the members' state and the phases' deadlines, the storage transaction every call runs
// in, and the members coming, changing and going.
//
// - Timers are deadlines checked on every call and by the object's alarm (`wake`); members waiting
//   in JoinGroup/SyncGroup are kept alive, as in Kafka (hasSatisfiedHeartbeat).
// - Waiting calls are answered only once the call's transaction committed (`effects`); a failed
//   transaction answers them COORDINATOR_NOT_AVAILABLE and reloads state from storage.
// - KIP-345 static membership: a known group.instance.id rejoining with a new member id takes over
//   the old one's place (the old id is fenced: FENCED_INSTANCE_ID); in a stable group with the
//   same protocols there is no rebalance and it gets the current assignment.
//
// What starts a rebalance is the state machine's (classic-rebalance.ts), declared here.
import type { GroupState } from "./state.ts";
import { EMPTY, joinAnswer, joinError, syncError } from "./classic-answers.ts";
import { sameProtocols, selectProtocol } from "./classic-protocols.ts";
import { ClassicGroupState, type ClassicMember } from "./classic-state.ts";
import {
  CLASSIC_DEFAULTS,
  type ClassicError,
  type ClassicJoinRequest,
  type ClassicJoinResult,
  type ClassicSyncResult,
} from "./classic-types.ts";

export interface ClassicGroupOptions {
  now: () => number;
  newId: () => string;
  /** Asks for `alarm()` to be called at this time (undefined: nothing is due). */
  wake: (at: number | undefined) => void;
  initialRebalanceDelayMs?: number;
}

export abstract class ClassicMembers {
  readonly state: ClassicGroupState;
  protected readonly groups: GroupState;
  protected readonly options: ClassicGroupOptions;
  protected readonly initialDelayMs: number;
  /** KIP-394 members that were given an id and must rejoin with it: id → deadline. */
  protected readonly pending = new Map<string, number>();
  protected joinDeadline: number | undefined;
  protected initialDelay: { remaining: number; newMemberAdded: boolean } | undefined;
  protected syncDeadline: number | undefined;
  protected readonly pendingSync = new Set<string>();
  /** Waiters answered once the current transaction committed. */
  private effects: Array<() => void> = [];

  constructor(groups: GroupState, options: ClassicGroupOptions) {
    this.groups = groups;
    this.options = options;
    this.initialDelayMs = options.initialRebalanceDelayMs ?? CLASSIC_DEFAULTS.initialRebalanceDelayMs;
    this.state = new ClassicGroupState(groups.storage);
    this.state.load(options.now());
    // A restart mid-rebalance: the waiting calls are gone; the members rejoin, or time out.
    const now = options.now();
    if (this.state.state === "PreparingRebalance") this.joinDeadline = now + this.rebalanceTimeout();
    if (this.state.state === "CompletingRebalance") {
      for (const id of this.state.members.keys()) this.pendingSync.add(id);
      this.syncDeadline = now + this.rebalanceTimeout();
    }
  }

  /** Classic members (or members about to be) exist: the group speaks the classic protocol. */
  get active(): boolean {
    return this.state.members.size > 0 || this.pending.size > 0;
  }

  // ---- plumbing ------------------------------------------------------------------------------

  protected run<T>(fn: () => T): T {
    let out: T;
    try {
      out = this.groups.storage.transactionSync(fn);
    } catch (err) {
      // Memory may be ahead of storage: every waiter retries, and state comes back from disk.
      this.effects = [];
      for (const m of this.state.members.values()) {
        m.joinWaiter?.(joinError(m.id, "COORDINATOR_NOT_AVAILABLE"));
        m.syncWaiter?.(syncError("COORDINATOR_NOT_AVAILABLE"));
      }
      this.groups.load();
      this.state.load(this.options.now());
      throw err;
    } finally {
      this.schedule();
    }
    const effects = this.effects;
    this.effects = [];
    for (const e of effects) e();
    return out;
  }

  protected schedule(): void {
    let at = Math.min(this.joinDeadline ?? Infinity, this.syncDeadline ?? Infinity, ...this.pending.values());
    for (const m of this.state.members.values()) if (!this.keptAlive(m)) at = Math.min(at, m.deadline);
    this.options.wake(at === Infinity ? undefined : at + 1);
  }

  /** Members waiting for their JoinGroup or SyncGroup answer need not heartbeat (Kafka's hasSatisfiedHeartbeat). */
  protected keptAlive(m: ClassicMember): boolean {
    return m.joinWaiter !== undefined || m.syncWaiter !== undefined;
  }

  protected answerJoin(m: ClassicMember, r: ClassicJoinResult): void {
    const waiter = m.joinWaiter;
    m.joinWaiter = undefined;
    if (waiter) this.effects.push(() => waiter(r));
  }

  protected answerSync(m: ClassicMember, r: ClassicSyncResult): void {
    const waiter = m.syncWaiter;
    m.syncWaiter = undefined;
    if (waiter) this.effects.push(() => waiter(r));
  }

  protected rebalanceTimeout(): number {
    let max = 0;
    for (const m of this.state.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  protected touch(m: ClassicMember, now: number): void {
    m.lastHeartbeat = now;
    m.deadline = now + m.sessionTimeoutMs;
  }

  // ---- members -------------------------------------------------------------------------------

  /** KIP-345: `validateCurrentMember` — the instance id, when given, must map to this member id. */
  protected validateMember(memberId: string, instanceId: string | null): ClassicError | null {
    if (instanceId !== null) {
      const current = this.state.staticMember(instanceId);
      if (!current) return "UNKNOWN_MEMBER_ID";
      if (current.id !== memberId) return "FENCED_INSTANCE_ID";
      return null;
    }
    return this.state.members.has(memberId) ? null : "UNKNOWN_MEMBER_ID";
  }

  private wait(m: ClassicMember): Promise<ClassicJoinResult> {
    // A second JoinGroup from the same member (its connection broke): the first one is told to retry.
    if (m.joinWaiter) this.answerJoin(m, joinError(m.id, "REBALANCE_IN_PROGRESS"));
    return new Promise((resolve) => (m.joinWaiter = resolve));
  }

  protected addMember(id: string, req: ClassicJoinRequest, now: number): Promise<ClassicJoinResult> {
    const m: ClassicMember = {
      id,
      instanceId: req.groupInstanceId,
      clientId: req.clientId,
      clientHost: req.clientHost,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols,
      topics: req.topics,
      assignment: EMPTY,
      assigned: [],
      order: this.state.order(),
      deadline: now + req.sessionTimeoutMs,
      lastHeartbeat: now,
      isNew: true,
    };
    if (this.state.members.size === 0) this.state.setMeta({ protocolType: req.protocolType });
    if (this.initialDelay) this.initialDelay.newMemberAdded = true;
    if (!this.state.leader || !this.state.members.has(this.state.leader)) this.state.setMeta({ leader: id });
    const waiting = this.wait(m);
    this.state.putMember(m);
    this.maybePrepareRebalance(now);
    return waiting;
  }

  protected updateMember(m: ClassicMember, req: ClassicJoinRequest, now: number): Promise<ClassicJoinResult> {
    rejoined(m, req);
    const waiting = this.wait(m);
    this.state.putMember(m);
    this.maybePrepareRebalance(now);
    return waiting;
  }

  protected replaceStaticMember(
    old: ClassicMember,
    id: string,
    req: ClassicJoinRequest,
    now: number,
  ): ClassicJoinResult | Promise<ClassicJoinResult> {
    // The old incarnation's waiting calls learn it was fenced; its id is gone from the group.
    this.answerJoin(old, joinError(old.id, "FENCED_INSTANCE_ID"));
    this.answerSync(old, syncError("FENCED_INSTANCE_ID"));
    this.state.deleteMember(old.id);
    const wasLeader = this.state.leader === old.id;
    const m: ClassicMember = { ...old, id, joinWaiter: undefined, syncWaiter: undefined };
    if (this.pendingSync.delete(old.id)) this.pendingSync.add(id);
    if (wasLeader) this.state.setMeta({ leader: id });
    const protocolsBefore = m.protocols;
    rejoined(m, req);
    this.touch(m, now);
    this.state.putMember(m);
    switch (this.state.state) {
      case "Stable": {
        if (selectProtocol(this.state) === this.state.protocolName && sameProtocols(protocolsBefore, req.protocols)) {
          // No rebalance: the member resumes its assignment. Before JoinGroup v9 the old leader id
          // is returned so that a returning leader does not compute an assignment nobody reads.
          if (req.supportSkipAssignment) return joinAnswer(this.state, m, wasLeader, wasLeader);
          return { ...joinAnswer(this.state, m, false, false), leader: wasLeader ? old.id : this.state.leader };
        }
        const waiting = this.wait(m);
        this.prepareRebalance(now);
        return waiting;
      }
      case "CompletingRebalance": {
        // The leader may already have assigned under the old id: assign again.
        const waiting = this.wait(m);
        this.prepareRebalance(now);
        return waiting;
      }
      default:
        return this.wait(m);
    }
  }

  /** Takes a member out without triggering anything (its waiting calls are told). */
  protected dropMember(m: ClassicMember): void {
    this.answerJoin(m, joinError("", "UNKNOWN_MEMBER_ID"));
    this.answerSync(m, syncError("UNKNOWN_MEMBER_ID"));
    this.state.deleteMember(m.id);
    this.pendingSync.delete(m.id);
    if (this.state.leader === m.id) this.state.setMeta({ leader: this.state.members.keys().next().value ?? "" });
  }

  /** Topics some classic member subscribes to (OffsetDelete refuses those: GROUP_SUBSCRIBED_TO_TOPIC). */
  subscribedTopics(): Set<string> {
    const out = new Set<string>();
    for (const m of this.state.members.values()) {
      for (const t of m.topics) out.add(t);
      for (const a of m.assigned) out.add(a.topic);
    }
    return out;
  }

  // ---- the state machine's (classic-rebalance.ts) ---------------------------------------------

  /** A join or a changed member: rebalance unless the group already is. */
  protected abstract maybePrepareRebalance(now: number): void;
  /** Into PreparingRebalance: every member must rejoin. */
  protected abstract prepareRebalance(now: number): void;
}

/** What a member's new JoinGroup changes of it: its protocols, topics, timeouts and client. */
function rejoined(m: ClassicMember, req: ClassicJoinRequest): void {
  Object.assign(m, {
    protocols: req.protocols,
    topics: req.topics,
    sessionTimeoutMs: req.sessionTimeoutMs,
    rebalanceTimeoutMs: req.rebalanceTimeoutMs,
    clientId: req.clientId,
    clientHost: req.clientHost,
  });
}
