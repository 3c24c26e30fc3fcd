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
import { PendingTxnOffsets, type PendingOffset } from "./txn-offsets.ts";
import { ASSIGNORS, grouped, partitionKey, sortedKeys, splitKey } from "./assignors.ts";
import { GroupState, type Member, type Owner } from "./state.ts";
import type {
  Advance,
  AdvanceRequest,
  CommitRequest,
  CommittedOffset,
  FetchTarget,
  GroupDescription,
  HeartbeatRequest,
  JoinRequest,
  Membership,
  MembershipResult,
  ResetOffset,
  ResetRequest,
  TopicMap,
  TxnCommitRequest,
} from "./types.ts";
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

export class GroupCoordinator {
  /** The group's tables, shared with the classic protocol's part (groups/classic-group.ts). */
  readonly state: GroupState;
  private pendingPart: PendingTxnOffsets | undefined;
  private readonly now: () => number;
  private readonly alarms: GroupAlarmPort | undefined;
  private readonly newMemberId: () => string;
  private readonly options: GroupCoordinatorOptions;
  private alarmAt: number | undefined;

  constructor(storage: StoragePort, options: GroupCoordinatorOptions = {}) {
    this.state = new GroupState(storage);
    this.options = options;
    this.now = options.now ?? Date.now;
    this.alarms = options.alarms;
    this.newMemberId = options.newMemberId ?? (() => crypto.randomUUID());
  }

  /** Runs `fn` in one transaction; if storage fails, memory is reloaded from what is committed. */
  /** What the group's metrics show: its members and committed offsets (docs/monitoring.md). */
  metricsView(): { members: number; offsets: Array<{ topic: string; partition: number; offset: number }> } {
    return { members: this.state.members.size, offsets: [...this.state.offsets.values()] };
  }

  private mutate<T>(fn: () => T): T {
    try {
      return this.state.storage.transactionSync(fn);
    } catch (err) {
      this.state.load();
      throw err;
    }
  }

  private missing(group: string): Failure | undefined {
    if (!this.state.exists) return fail("group_not_found", `group "${group}" does not exist`);
    return undefined;
  }

  private member(group: string, id: string, epoch?: number): Member | Failure {
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
  private replacedTail(m: Member, tail: string | undefined): Failure | undefined {
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
      this.computeTarget();
      this.reconcile(m, true);
      return m;
    });
    this.scheduleAlarm();
    return { ...this.membership(result), created };
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
        this.computeTarget();
      }
      this.reconcile(m, false);
    });
    this.scheduleAlarm();
    return this.membership(m);
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
  private expire(now: number): boolean {
    const dead = [...this.state.members.values()].filter((m) => m.deadline < now).map((m) => m.id);
    if (dead.length === 0) return false;
    this.mutate(() => this.remove(dead));
    return true;
  }

  private remove(ids: string[]): void {
    for (const id of ids) this.state.deleteMember(id);
    this.state.bump();
    this.computeTarget();
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

  // ---- assignment ------------------------------------------------------------------------------

  private computeTarget(): void {
    const topics = this.state.topics();
    const partitions: Record<string, number> = {};
    for (const [topic, meta] of topics) partitions[topic] = meta.partitions;
    const members = [...this.state.members.values()].map((m) => ({
      id: m.id,
      // A member reporting an older incarnation of a topic than another member is not given it.
      topics: Object.entries(m.resolved)
        .filter(([t, meta]) => topics.get(t)!.epoch === meta.epoch)
        .map(([t]) => t),
    }));
    this.state.replaceTarget(ASSIGNORS[this.state.assignor]({ members, partitions, previous: this.state.target }));
    this.state.setMeta("assignment_epoch", this.state.epoch);
  }

  /**
   * Brings the member's ownership towards its target: partitions it no longer should have are
   * released (this is its own heartbeat, after auto-commit), target partitions that are free — or
   * whose owner holds nothing uncommitted — become its own. If what it owns changed, it gets a new
   * member epoch.
   */
  private reconcile(m: Member, joining: boolean): void {
    for (const [key, o] of this.state.owned) {
      if (o.member === m.id && this.state.target.get(key) !== m.id) this.state.deleteOwner(key);
    }
    for (const [key, member] of this.state.target) {
      if (member !== m.id) continue;
      const o = this.state.owned.get(key);
      if (!o || (o.member !== m.id && this.state.holdsNothing(key, o))) this.state.setOwner(key, { member: m.id, position: null });
    }
    const owned = sortedKeys([...this.state.owned].filter(([, o]) => o.member === m.id).map(([k]) => k));
    if (JSON.stringify(owned) !== JSON.stringify(m.told)) {
      if (!joining) m.epoch = this.state.bump();
      m.told = owned;
      this.state.putMember(m);
    }
  }

  private membership(m: Member): Membership {
    const owned: string[] = [];
    const pending: string[] = [];
    for (const [key, member] of this.state.target) {
      if (member !== m.id) continue;
      if (this.state.owned.get(key)?.member === m.id) continue;
      pending.push(key);
    }
    const fetch: FetchTarget[] = [];
    for (const key of sortedKeys(m.told)) {
      const o = this.state.owned.get(key);
      if (o?.member !== m.id) continue; // moved since (the owner held nothing uncommitted)
      owned.push(key);
      fetch.push({ ...splitKey(key), start: this.start(key, o) });
    }
    return {
      ok: true,
      memberId: m.id,
      memberEpoch: m.epoch,
      groupEpoch: this.state.epoch,
      assignment: grouped(owned),
      pending: grouped(sortedKeys(pending)),
      fetch,
      reset: m.reset,
      subscription: m.subscription,
      resolved: m.resolved,
      sessionTimeoutMs: m.sessionTimeoutMs,
    };
  }

  private start(key: string, o: Owner): number | null {
    return o.position ?? this.state.committed(key)?.offset ?? null;
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
        if (!o || o.member !== m.id || this.start(key, o) !== move.from) return false;
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

  describe(group: string): GroupDescription | Failure {
    this.expire(this.now());
    const missing = this.missing(group);
    if (missing) return missing;
    const members = [...this.state.members.values()]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((m) => {
        const view = this.membership(m);
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
