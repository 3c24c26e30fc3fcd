// Kafka's classic consumer-group protocol (JoinGroup / SyncGroup / Heartbeat / LeaveGroup,
// client-side assignment) as one group object runs it. The state machine is Kafka's
// (ClassicGroupState; the classic GroupCoordinator):
//
//   Empty ──join──▶ PreparingRebalance ──all known members rejoined, or the rebalance timeout──▶
//   CompletingRebalance ──the leader's SyncGroup──▶ Stable ──join/leave/timeout──▶ PreparingRebalance
//
// - JoinGroup waits (the RPC's promise) until the join phase completes: when every known member
//   has rejoined, or at the rebalance timeout (members that did not rejoin are dropped; static
//   ones stay until their session or the sync phase times out). A group rebalancing from Empty
//   waits group.initial.rebalance.delay.ms first, extended while members keep arriving.
// - KIP-394: a member without an id first gets MEMBER_ID_REQUIRED and its id (JoinGroup v4+).
// - KIP-345 static membership: a known group.instance.id rejoining with a new member id takes over
//   the old one's place (the old id is fenced: FENCED_INSTANCE_ID); in a stable group with the
//   same protocols there is no rebalance and it gets the current assignment.
// - KIP-429 (cooperative) needs nothing here: the revocation rounds are ordinary rebalances.
// - Generations fence SyncGroup, Heartbeat and OffsetCommit (ILLEGAL_GENERATION).
//
// Timers are deadlines checked on every call and by the object's alarm (`wake`); members waiting in
// JoinGroup/SyncGroup are kept alive, as in Kafka. Committed offsets go into the group's one
// `offsets` table (group-state.ts), the same the HTTP members use.
import type { GroupState } from "./state.ts";
import type { TopicPartitions } from "./types.ts";
import { ClassicGroupState, type ClassicMember } from "./classic-state.ts";
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
  type ClassicProtocol,
  type ClassicSyncRequest,
  type ClassicSyncResult,
  type KafkaCommitRequest,
  type KafkaCommitResult,
} from "./classic-types.ts";

export interface ClassicGroupOptions {
  now: () => number;
  newId: () => string;
  /** Asks for `alarm()` to be called at this time (undefined: nothing is due). */
  wake: (at: number | undefined) => void;
  initialRebalanceDelayMs?: number;
}

const EMPTY = new Uint8Array(0);

export class ClassicGroup {
  readonly state: ClassicGroupState;
  private readonly groups: GroupState;
  private readonly options: ClassicGroupOptions;
  private readonly initialDelayMs: number;
  /** KIP-394 members that were given an id and must rejoin with it: id → deadline. */
  private readonly pending = new Map<string, number>();
  private joinDeadline: number | undefined;
  private initialDelay: { remaining: number; newMemberAdded: boolean } | undefined;
  private syncDeadline: number | undefined;
  private readonly pendingSync = new Set<string>();
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

  private run<T>(fn: () => T): T {
    let out: T;
    try {
      out = this.groups.storage.transactionSync(fn);
    } catch (err) {
      // Memory may be ahead of storage: every waiter retries, and state comes back from disk.
      this.effects = [];
      for (const m of this.state.members.values()) {
        m.joinWaiter?.(this.joinError(m.id, "COORDINATOR_NOT_AVAILABLE"));
        m.syncWaiter?.(this.syncError("COORDINATOR_NOT_AVAILABLE"));
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

  private schedule(): void {
    let at = Math.min(this.joinDeadline ?? Infinity, this.syncDeadline ?? Infinity, ...this.pending.values());
    for (const m of this.state.members.values()) if (!this.keptAlive(m)) at = Math.min(at, m.deadline);
    this.options.wake(at === Infinity ? undefined : at + 1);
  }

  /** Members waiting for their JoinGroup or SyncGroup answer need not heartbeat (Kafka's hasSatisfiedHeartbeat). */
  private keptAlive(m: ClassicMember): boolean {
    return m.joinWaiter !== undefined || m.syncWaiter !== undefined;
  }

  private joinError(memberId: string, error: ClassicError): ClassicJoinResult {
    return { error, memberId, generationId: -1, protocolType: null, protocolName: null, leader: "", skipAssignment: false, members: [] };
  }

  private syncError(error: ClassicError): ClassicSyncResult {
    return { error, protocolType: null, protocolName: null, assignment: EMPTY };
  }

  private answerJoin(m: ClassicMember, r: ClassicJoinResult): void {
    const waiter = m.joinWaiter;
    m.joinWaiter = undefined;
    if (waiter) this.effects.push(() => waiter(r));
  }

  private answerSync(m: ClassicMember, r: ClassicSyncResult): void {
    const waiter = m.syncWaiter;
    m.syncWaiter = undefined;
    if (waiter) this.effects.push(() => waiter(r));
  }

  private rebalanceTimeout(): number {
    let max = 0;
    for (const m of this.state.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  private touch(m: ClassicMember, now: number): void {
    m.lastHeartbeat = now;
    m.deadline = now + m.sessionTimeoutMs;
  }

  // ---- timers --------------------------------------------------------------------------------

  /** Deadlines that passed: pending ids, sessions, the join phase, the sync phase. */
  alarm(): void {
    this.run(() => this.tick(this.options.now()));
  }

  private tick(now: number): void {
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

  // ---- JoinGroup -----------------------------------------------------------------------------

  join(group: string, req: ClassicJoinRequest): ClassicJoinResult | Promise<ClassicJoinResult> {
    const now = this.options.now();
    return this.run(() => {
      this.tick(now);
      if (req.sessionTimeoutMs < CLASSIC_DEFAULTS.minSessionTimeoutMs || req.sessionTimeoutMs > CLASSIC_DEFAULTS.maxSessionTimeoutMs) {
        return this.joinError(req.memberId, "INVALID_SESSION_TIMEOUT");
      }
      // Members of the server-side protocol (HTTP, KIP-848) and classic members cannot share a
      // group: Kafka answers a classic join to a consumer-protocol group the same way.
      if (this.groups.members.size > 0) return this.joinError(req.memberId, "INCONSISTENT_GROUP_PROTOCOL");
      if (req.protocols.reduce((n, p) => n + p.metadata.length + p.name.length, 0) > CLASSIC_DEFAULTS.maxMemberBytes) {
        return this.joinError(req.memberId, "INVALID_REQUEST");
      }
      const unknown = req.memberId === "";
      if (!this.groups.exists && !unknown) return this.joinError(req.memberId, "UNKNOWN_MEMBER_ID");
      const known =
        this.state.members.has(req.memberId) ||
        this.pending.has(req.memberId) ||
        (req.groupInstanceId !== null && this.state.staticMember(req.groupInstanceId) !== undefined);
      // Ids handed out under KIP-394 count too, so JoinGroups that never come back cannot pile up.
      if (!known && this.state.members.size + this.pending.size >= CLASSIC_DEFAULTS.maxGroupSize)
        return this.joinError("", "GROUP_MAX_SIZE_REACHED");
      if (!this.supports(req.protocolType, req.protocols)) return this.joinError(req.memberId, "INCONSISTENT_GROUP_PROTOCOL");
      if (!this.groups.exists) this.groups.create(group, "uniform", now);
      const result = unknown ? this.newMember(req, now) : this.currentMember(req, now);
      if (this.state.state === "PreparingRebalance") this.tryCompleteJoin(now);
      return result;
    });
  }

  /** Kafka's supportsProtocols: same protocol type, and one protocol every member supports. */
  private supports(type: string, protocols: ClassicProtocol[]): boolean {
    if (this.state.members.size === 0) return type !== "" && protocols.length > 0;
    if (type !== this.state.protocolType) return false;
    const common = this.commonProtocols();
    return protocols.some((p) => common.has(p.name));
  }

  private commonProtocols(): Set<string> {
    let common: Set<string> | undefined;
    for (const m of this.state.members.values()) {
      const names = new Set(m.protocols.map((p) => p.name));
      common = common ? new Set([...common].filter((n) => names.has(n))) : names;
    }
    return common ?? new Set();
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
      return this.joinError(id, "MEMBER_ID_REQUIRED");
    }
    return this.addMember(id, req, now);
  }

  private currentMember(req: ClassicJoinRequest, now: number): ClassicJoinResult | Promise<ClassicJoinResult> {
    if (this.pending.delete(req.memberId)) return this.addMember(req.memberId, req, now);
    const error = this.validateMember(req.memberId, req.groupInstanceId);
    if (error) return this.joinError(req.memberId, error);
    const m = this.state.members.get(req.memberId)!;
    const same = sameProtocols(m.protocols, req.protocols);
    switch (this.state.state) {
      case "PreparingRebalance":
        return this.updateMember(m, req, now);
      case "CompletingRebalance":
        // The member lost its JoinGroup answer: the same one again (the leader with the members).
        if (same) return this.joinAnswer(m, m.id === this.state.leader, false);
        return this.updateMember(m, req, now);
      case "Stable":
        // A leader's JoinGroup always rebalances: that is how the leader reacts to metadata
        // changes (a topic grew) that leave member metadata as it was.
        if (m.id === this.state.leader || !same) return this.updateMember(m, req, now);
        return this.joinAnswer(m, false, false);
      default:
        return this.joinError(req.memberId, "UNKNOWN_MEMBER_ID");
    }
  }

  /** KIP-345: `validateCurrentMember` — the instance id, when given, must map to this member id. */
  private validateMember(memberId: string, instanceId: string | null): ClassicError | null {
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
    if (m.joinWaiter) this.answerJoin(m, this.joinError(m.id, "REBALANCE_IN_PROGRESS"));
    return new Promise((resolve) => (m.joinWaiter = resolve));
  }

  private addMember(id: string, req: ClassicJoinRequest, now: number): Promise<ClassicJoinResult> {
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

  private updateMember(m: ClassicMember, req: ClassicJoinRequest, now: number): Promise<ClassicJoinResult> {
    Object.assign(m, {
      protocols: req.protocols,
      topics: req.topics,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      clientId: req.clientId,
      clientHost: req.clientHost,
    });
    const waiting = this.wait(m);
    this.state.putMember(m);
    this.maybePrepareRebalance(now);
    return waiting;
  }

  private replaceStaticMember(
    old: ClassicMember,
    id: string,
    req: ClassicJoinRequest,
    now: number,
  ): ClassicJoinResult | Promise<ClassicJoinResult> {
    // The old incarnation's waiting calls learn it was fenced; its id is gone from the group.
    this.answerJoin(old, this.joinError(old.id, "FENCED_INSTANCE_ID"));
    this.answerSync(old, this.syncError("FENCED_INSTANCE_ID"));
    this.state.deleteMember(old.id);
    const wasLeader = this.state.leader === old.id;
    const m: ClassicMember = { ...old, id, joinWaiter: undefined, syncWaiter: undefined };
    if (this.pendingSync.delete(old.id)) this.pendingSync.add(id);
    if (wasLeader) this.state.setMeta({ leader: id });
    const protocolsBefore = m.protocols;
    Object.assign(m, {
      protocols: req.protocols,
      topics: req.topics,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      clientId: req.clientId,
      clientHost: req.clientHost,
    });
    this.touch(m, now);
    this.state.putMember(m);
    switch (this.state.state) {
      case "Stable": {
        if (this.selectProtocol() === this.state.protocolName && sameProtocols(protocolsBefore, req.protocols)) {
          // No rebalance: the member resumes its assignment. Before JoinGroup v9 the old leader id
          // is returned so that a returning leader does not compute an assignment nobody reads.
          if (req.supportSkipAssignment) return this.joinAnswer(m, wasLeader, wasLeader);
          return { ...this.joinAnswer(m, false, false), leader: wasLeader ? old.id : this.state.leader };
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

  private joinAnswer(m: ClassicMember, withMembers: boolean, skipAssignment: boolean): ClassicJoinResult {
    return {
      error: null,
      memberId: m.id,
      generationId: this.state.generation,
      protocolType: this.state.protocolType,
      protocolName: this.state.protocolName,
      leader: this.state.leader,
      skipAssignment,
      members: withMembers ? this.memberMetadata() : [],
    };
  }

  private memberMetadata(): ClassicJoinResult["members"] {
    return [...this.state.members.values()].map((m) => ({
      memberId: m.id,
      groupInstanceId: m.instanceId,
      metadata: m.protocols.find((p) => p.name === this.state.protocolName)?.metadata ?? EMPTY,
    }));
  }

  // ---- rebalance -----------------------------------------------------------------------------

  private maybePrepareRebalance(now: number): void {
    if (this.state.state !== "PreparingRebalance") this.prepareRebalance(now);
  }

  private prepareRebalance(now: number): void {
    if (this.state.state === "CompletingRebalance") {
      // Members waiting for the assignment rejoin instead.
      for (const m of this.state.members.values()) {
        if (m.assignment.length > 0) {
          m.assignment = EMPTY;
          m.assigned = [];
          this.state.putMember(m);
        }
        this.answerSync(m, this.syncError("REBALANCE_IN_PROGRESS"));
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

  private tryCompleteJoin(now: number): void {
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
    this.state.setMeta({ generation: this.state.generation + 1, protocolName: this.selectProtocol(), state: "CompletingRebalance" });
    for (const m of this.state.members.values()) {
      this.answerJoin(m, this.joinAnswer(m, m.id === this.state.leader, false));
      this.touch(m, now);
      m.isNew = false;
      this.pendingSync.add(m.id);
    }
    this.syncDeadline = now + this.rebalanceTimeout();
  }

  /** Kafka's selectProtocol: among the protocols every member supports, the one most members prefer. */
  private selectProtocol(): string {
    const common = this.commonProtocols();
    const votes = new Map<string, number>();
    const members = [...this.state.members.values()];
    for (const m of members) {
      const choice = m.protocols.find((p) => common.has(p.name))?.name;
      if (choice) votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best = "";
    let most = 0;
    // Ties go to the earliest member's preference order.
    for (const p of members[0]?.protocols ?? []) {
      const n = votes.get(p.name) ?? 0;
      if (n > most) [best, most] = [p.name, n];
    }
    return best;
  }

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

  /** Takes a member out without triggering anything (its waiting calls are told). */
  private dropMember(m: ClassicMember): void {
    this.answerJoin(m, this.joinError("", "UNKNOWN_MEMBER_ID"));
    this.answerSync(m, this.syncError("UNKNOWN_MEMBER_ID"));
    this.state.deleteMember(m.id);
    this.pendingSync.delete(m.id);
    if (this.state.leader === m.id) this.state.setMeta({ leader: this.state.members.keys().next().value ?? "" });
  }

  /** A member left or timed out: the others rebalance. */
  private removeMember(m: ClassicMember, now: number): void {
    this.dropMember(m);
    if (this.state.state === "Stable" || this.state.state === "CompletingRebalance") this.prepareRebalance(now);
    else if (this.state.state === "PreparingRebalance") this.tryCompleteJoin(now);
  }

  // ---- SyncGroup, Heartbeat, LeaveGroup ------------------------------------------------------

  sync(group: string, req: ClassicSyncRequest): ClassicSyncResult | Promise<ClassicSyncResult> {
    const now = this.options.now();
    return this.run(() => {
      this.tick(now);
      if (!this.groups.exists) return this.syncError("UNKNOWN_MEMBER_ID");
      const error =
        this.validateMember(req.memberId, req.groupInstanceId) ??
        (req.generationId !== this.state.generation ? "ILLEGAL_GENERATION" : null) ??
        (req.protocolType !== null && req.protocolType !== this.state.protocolType ? "INCONSISTENT_GROUP_PROTOCOL" : null) ??
        (req.protocolName !== null && req.protocolName !== this.state.protocolName ? "INCONSISTENT_GROUP_PROTOCOL" : null);
      if (error) return this.syncError(error);
      if (req.assignments.some((x) => x.assignment.length > CLASSIC_DEFAULTS.maxMemberBytes)) return this.syncError("INVALID_REQUEST");
      const m = this.state.members.get(req.memberId)!;
      switch (this.state.state) {
        case "PreparingRebalance":
          return this.syncError("REBALANCE_IN_PROGRESS");
        case "CompletingRebalance": {
          if (m.syncWaiter) this.answerSync(m, this.syncError("REBALANCE_IN_PROGRESS"));
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
          return this.syncError("UNKNOWN_MEMBER_ID");
      }
    });
  }

  /** The leader's SyncGroup: every member gets its part (members it left out: nothing), the group is Stable. */
  private assign(req: ClassicSyncRequest, now: number): void {
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

  /** Topics some classic member subscribes to (OffsetDelete refuses those: GROUP_SUBSCRIBED_TO_TOPIC). */
  subscribedTopics(): Set<string> {
    const out = new Set<string>();
    for (const m of this.state.members.values()) {
      for (const t of m.topics) out.add(t);
      for (const a of m.assigned) out.add(a.topic);
    }
    return out;
  }

  // ---- views ---------------------------------------------------------------------------------

  describe(): ClassicDescription {
    this.run(() => this.tick(this.options.now()));
    const stable = this.state.state === "Stable";
    return {
      state: this.state.members.size === 0 && this.state.state !== "PreparingRebalance" ? "Empty" : this.state.state,
      protocolType: this.state.protocolType,
      protocolName: this.state.protocolName,
      generationId: this.state.generation,
      leader: this.state.leader,
      members: [...this.state.members.values()].map((m) => ({
        memberId: m.id,
        groupInstanceId: m.instanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? (m.protocols.find((p) => p.name === this.state.protocolName)?.metadata ?? EMPTY) : EMPTY,
        assignment: stable ? m.assignment : EMPTY,
      })),
    };
  }

  memberViews(): ClassicMemberView[] {
    return [...this.state.members.values()].map((m) => ({
      member_id: m.id,
      group_instance_id: m.instanceId,
      client_id: m.clientId,
      client_host: m.clientHost,
      protocol: "kafka-classic",
      member_epoch: this.state.generation,
      subscription: { topics: m.topics },
      assignment: m.assigned as TopicPartitions[],
      session_timeout_ms: m.sessionTimeoutMs,
      rebalance_timeout_ms: m.rebalanceTimeoutMs,
      last_heartbeat: m.lastHeartbeat,
    }));
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

function sameProtocols(a: ClassicProtocol[], b: ClassicProtocol[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((p, i) => p.name === b[i]!.name && bytesEqual(p.metadata, b[i]!.metadata));
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
