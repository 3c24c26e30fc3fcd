// The membership half of a group's coordinator (coordinator.ts is the whole; this is its base):
// members joining, heartbeating (auto-commit, topic changes, SSE tails), leaving and timing out,
// the session alarm, and the storage transaction every change runs in. Each change moves the
// group epoch and recomputes the target; the member's own call reconciles its ownership
// (ownership.ts).
import { GroupState, type Member } from "./state.ts";
import { computeTarget, membershipOf, reconcile } from "./ownership.ts";
import type { HeartbeatRequest, JoinRequest, Membership, MembershipResult, TopicMap } from "./types.ts";
import { fail, type Failure } from "../errors.ts";
import type { StoragePort } from "../storage-port.ts";

/** Schedules the coordinator's session-timeout check (a Durable Object alarm, or a persisted timer). */
export interface GroupAlarmPort {
  setAlarm(at: number): void;
  deleteAlarm(): void;
}

export interface GroupCoordinatorOptions {
  now?: () => number;
  alarms?: GroupAlarmPort;
  /** Member ids for members that join without one. */
  newMemberId?: () => string;
  /** Asked before a join: a group whose members speak Kafka's classic protocol refuses HTTP members. */
  refuseJoin?: () => Failure | undefined;
}

export class GroupMembership {
  /** The group's tables, shared with the classic protocol's part (groups/classic-group.ts). */
  readonly state: GroupState;
  protected readonly now: () => number;
  protected readonly alarms: GroupAlarmPort | undefined;
  private readonly newMemberId: () => string;
  private readonly options: GroupCoordinatorOptions;
  protected alarmAt: number | undefined;

  constructor(storage: StoragePort, options: GroupCoordinatorOptions = {}) {
    this.state = new GroupState(storage);
    this.options = options;
    this.now = options.now ?? Date.now;
    this.alarms = options.alarms;
    this.newMemberId = options.newMemberId ?? (() => crypto.randomUUID());
  }

  /** Runs `fn` in one transaction; if storage fails, memory is reloaded from what is committed. */
  protected mutate<T>(fn: () => T): T {
    try {
      return this.state.storage.transactionSync(fn);
    } catch (err) {
      this.state.load();
      throw err;
    }
  }

  protected missing(group: string): Failure | undefined {
    if (!this.state.exists) return fail("group_not_found", `group "${group}" does not exist`);
    return undefined;
  }

  protected member(group: string, id: string, epoch?: number): Member | Failure {
    const missing = this.missing(group);
    if (missing) return missing;
    const m = this.state.members.get(id);
    if (!m) return fail("unknown_member", `member "${id}" is not in group "${group}" (it left, timed out, or never joined): join again`);
    if (epoch !== undefined && epoch !== m.epoch) {
      return fail(
        "stale_epoch",
        `member epoch ${epoch} is not the member's current epoch ${m.epoch}: poll with the current epoch, or join again with this member_id`,
        { member_epoch: m.epoch },
      );
    }
    return m;
  }

  /** Refuses an SSE tail that a newer one of the same member replaced (MemberTail in types.ts). */
  protected replacedTail(m: Member, tail: string | undefined): Failure | undefined {
    const current = tail === undefined ? undefined : this.state.tails.get(m.id);
    if (current === undefined || current === tail) return undefined;
    return fail("stream_replaced", `a newer event stream of member "${m.id}" took over (a reconnect with Last-Event-ID): this one ends`);
  }

  // ---- membership ------------------------------------------------------------------------------

  join(group: string, req: JoinRequest): (Membership & { created: boolean }) | Failure {
    const now = this.now();
    this.expire(now);
    const refused = this.options.refuseJoin?.();
    if (refused) return refused;
    const created = !this.state.exists;
    if (!created && req.assignor && this.state.members.size > 0 && req.assignor !== this.state.assignor) {
      return fail(
        "inconsistent_assignor",
        `group "${group}" uses the "${this.state.assignor}" assignor; a member cannot join with "${req.assignor}" while others are in the group`,
      );
    }
    const result = this.mutate(() => {
      if (created) this.state.create(group, req.assignor ?? "uniform", now);
      else if (req.assignor && this.state.members.size === 0) this.state.setMeta("assignor", req.assignor);
      const id = req.memberId ?? this.newMemberId();
      const previous = this.state.members.get(id);
      // A rejoin is a new incarnation of the member: a new epoch fences the old one, and positions
      // go back to the committed offsets (what the old incarnation was given but did not commit
      // is delivered again).
      for (const [key, o] of this.state.owned)
        if (o.member === id && o.position !== null) this.state.setOwner(key, { member: id, position: null });
      const m: Member = {
        id,
        epoch: this.state.bump(),
        subscription: req.subscription,
        resolved: req.resolved,
        sessionTimeoutMs: req.sessionTimeoutMs,
        deadline: now + req.sessionTimeoutMs,
        lastHeartbeat: now,
        reset: req.autoOffsetReset,
        autoCommit: req.autoCommit,
        told: previous?.told ?? [],
      };
      this.state.putMember(m);
      computeTarget(this.state);
      reconcile(this.state, m, true);
      return m;
    });
    this.scheduleAlarm();
    return { ...membershipOf(this.state, result), created };
  }

  heartbeat(group: string, req: HeartbeatRequest): MembershipResult {
    return this.beat(group, req, undefined);
  }

  updateTopics(group: string, req: HeartbeatRequest & { resolved: TopicMap }): MembershipResult {
    return this.beat(group, req, req.resolved);
  }

  private beat(group: string, req: HeartbeatRequest, resolved: TopicMap | undefined): MembershipResult {
    const now = this.now();
    this.expire(now);
    const m = this.member(group, req.memberId, req.memberEpoch);
    if ("ok" in m) return m;
    const replaced = req.tail?.claim ? undefined : this.replacedTail(m, req.tail?.id);
    if (replaced) return replaced;
    this.mutate(() => {
      // A stream's first poll claims the member's tail before it reads the positions it will rewind.
      if (req.tail?.claim) this.state.setTail(m.id, req.tail.id);
      this.state.touchMember(m, now, now + m.sessionTimeoutMs + req.waitMs);
      // Auto-commit: what the previous poll handed out is committed by this one (Kafka commits the
      // positions returned by the last poll, on the next poll).
      if (m.autoCommit) this.state.commitPositions(m, now);
      if (resolved && JSON.stringify(resolved) !== JSON.stringify(m.resolved)) {
        m.resolved = resolved;
        this.state.putMember(m);
        this.state.bump();
        computeTarget(this.state);
      }
      reconcile(this.state, m, false);
    });
    this.scheduleAlarm();
    return membershipOf(this.state, m);
  }

  leave(group: string, memberId: string): { ok: true } | Failure {
    const now = this.now();
    this.expire(now);
    const m = this.member(group, memberId);
    if ("ok" in m) return m;
    this.mutate(() => {
      // Kafka's consumer commits on close when auto-commit is on: leaving is a clean shutdown.
      if (m.autoCommit) this.state.commitPositions(m, now);
      this.remove([m.id]);
    });
    this.scheduleAlarm();
    return { ok: true };
  }

  /** Removes members whose session expired; their partitions are free for the others (no commit). */
  protected expire(now: number): boolean {
    const dead = [...this.state.members.values()].filter((m) => m.deadline < now).map((m) => m.id);
    if (dead.length === 0) return false;
    this.mutate(() => this.remove(dead));
    return true;
  }

  private remove(ids: string[]): void {
    for (const id of ids) this.state.deleteMember(id);
    this.state.bump();
    computeTarget(this.state);
  }

  /** The alarm: session timeouts, then the next alarm at the earliest remaining deadline. */
  alarm(): void {
    this.alarmAt = undefined;
    this.expire(this.now());
    this.scheduleAlarm();
  }

  private scheduleAlarm(): void {
    if (!this.alarms) return;
    let earliest = Infinity;
    for (const m of this.state.members.values()) earliest = Math.min(earliest, m.deadline);
    if (earliest === Infinity) {
      if (this.alarmAt !== undefined) this.alarms.deleteAlarm();
      this.alarmAt = undefined;
      return;
    }
    // Heartbeats only move deadlines later: an alarm already due earlier finds nobody expired and
    // re-arms at the new earliest deadline, so a heartbeat costs no alarm write.
    // Due just after the deadline: a member is expired once `now` is past its deadline.
    const at = earliest + 1;
    if (this.alarmAt !== undefined && this.alarmAt <= at) return;
    this.alarms.setAlarm(at);
    this.alarmAt = at;
  }
}
