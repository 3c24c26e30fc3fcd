// The persistent state of one consumer group, mirrored in memory and written through to SQLite.
// A group is small (members, at most a few thousand partitions), so the coordinator reads it from
// memory and every change is one row write; `GroupCoordinator` wraps each operation in one
// transaction and reloads from storage if a write fails, so memory never drifts from disk.
//
// Tables:
//   group_meta (key, value)                     name, epoch, assignment_epoch, assignor, created_at
//   members    (member_id, member_epoch, ...)   one row per live member
//   target     (pkey, member_id)                the assignor's target assignment
//   owned      (pkey, member_id, position)      who holds each partition now, and its next offset
//   offsets    (topic, partition, next_offset, metadata, commit_time, topic_epoch)  committed offsets
import { GROUP_TABLES } from "./schema.ts";
import { splitKey } from "./assignors.ts";
import type { AssignorName, CommittedOffset, OffsetReset, Subscription, TopicMap, TopicMeta } from "./types.ts";
import type { StoragePort } from "../storage-port.ts";

export interface Member {
  id: string;
  epoch: number;
  subscription: Subscription;
  resolved: TopicMap;
  sessionTimeoutMs: number;
  deadline: number;
  lastHeartbeat: number;
  reset: OffsetReset;
  autoCommit: boolean;
  /** The partition keys the member was last told it owns (its assignment at `epoch`). */
  told: string[];
}

export interface Owner {
  member: string;
  /** The next offset to deliver to the owner, or null: start from the committed offset (or the reset policy). */
  position: number | null;
}

interface MemberRow extends Record<string, string | number> {
  member_id: string;
  member_epoch: number;
  subscription: string;
  resolved: string;
  session_timeout_ms: number;
  deadline: number;
  last_heartbeat: number;
  auto_offset_reset: string;
  auto_commit: number;
  told: string;
}

export class GroupState {
  readonly storage: StoragePort;
  name: string | undefined;
  epoch = 0;
  assignmentEpoch = 0;
  assignor: AssignorName = "uniform";
  createdAt = 0;
  members = new Map<string, Member>();
  target = new Map<string, string>();
  owned = new Map<string, Owner>();
  offsets = new Map<string, CommittedOffset>();
  /** Member id → the id of its current SSE tail (the newest one opened; older ones are fenced). */
  tails = new Map<string, string>();

  constructor(storage: StoragePort) {
    this.storage = storage;
    const sql = storage.sql;
    for (const table of GROUP_TABLES) sql.exec(table);
    this.load();
  }

  /** (Re)reads everything from storage: at start, and after a failed transaction. */
  load(): void {
    const sql = this.storage.sql;
    this.name = undefined;
    this.epoch = 0;
    this.assignmentEpoch = 0;
    this.assignor = "uniform";
    this.createdAt = 0;
    for (const row of sql.exec<{ key: string; value: string }>("SELECT key, value FROM group_meta")) {
      if (row.key === "name") this.name = row.value;
      if (row.key === "epoch") this.epoch = Number(row.value);
      if (row.key === "assignment_epoch") this.assignmentEpoch = Number(row.value);
      if (row.key === "assignor") this.assignor = row.value as AssignorName;
      if (row.key === "created_at") this.createdAt = Number(row.value);
    }
    this.members = new Map();
    for (const r of sql.exec<MemberRow>("SELECT * FROM members")) {
      this.members.set(r.member_id, {
        id: r.member_id,
        epoch: r.member_epoch,
        subscription: JSON.parse(r.subscription),
        resolved: JSON.parse(r.resolved),
        sessionTimeoutMs: r.session_timeout_ms,
        deadline: r.deadline,
        lastHeartbeat: r.last_heartbeat,
        reset: JSON.parse(r.auto_offset_reset),
        autoCommit: r.auto_commit === 1,
        told: JSON.parse(r.told),
      });
    }
    this.target = new Map(
      sql
        .exec<{ pkey: string; member_id: string }>("SELECT pkey, member_id FROM target")
        .toArray()
        .map((r) => [r.pkey, r.member_id]),
    );
    this.owned = new Map(
      sql
        .exec<{ pkey: string; member_id: string; position: number | null }>("SELECT pkey, member_id, position FROM owned")
        .toArray()
        .map((r) => [r.pkey, { member: r.member_id, position: r.position }]),
    );
    this.tails = new Map(
      sql
        .exec<{ member_id: string; tail: string }>("SELECT member_id, tail FROM member_tails")
        .toArray()
        .map((r) => [r.member_id, r.tail]),
    );
    this.offsets = new Map(
      sql
        .exec<{ topic: string; partition: number; next_offset: number; metadata: string | null; commit_time: number; topic_epoch: number }>(
          "SELECT topic, partition, next_offset, metadata, commit_time, topic_epoch FROM offsets",
        )
        .toArray()
        .map((r) => [
          `${r.topic}/${r.partition}`,
          {
            topic: r.topic,
            partition: r.partition,
            offset: r.next_offset,
            metadata: r.metadata,
            commit_time: r.commit_time,
            topic_epoch: r.topic_epoch,
          },
        ]),
    );
  }

  get exists(): boolean {
    return this.name !== undefined;
  }

  create(name: string, assignor: AssignorName, now: number): void {
    this.name = name;
    this.createdAt = now;
    this.assignor = assignor;
    for (const [key, value] of [
      ["name", name],
      ["created_at", String(now)],
      ["assignor", assignor],
      ["epoch", "0"],
      ["assignment_epoch", "0"],
    ]) {
      this.storage.sql.exec("INSERT OR REPLACE INTO group_meta (key, value) VALUES (?, ?)", key, value);
    }
  }

  setMeta(key: "epoch" | "assignment_epoch" | "assignor", value: string | number): void {
    this.storage.sql.exec("INSERT OR REPLACE INTO group_meta (key, value) VALUES (?, ?)", key, String(value));
    if (key === "epoch") this.epoch = Number(value);
    if (key === "assignment_epoch") this.assignmentEpoch = Number(value);
    if (key === "assignor") this.assignor = value as AssignorName;
  }

  /** The next value of the group's epoch counter (see docs/ARCHITECTURE.md, Consumer groups). */
  bump(): number {
    this.setMeta("epoch", this.epoch + 1);
    return this.epoch;
  }

  putMember(m: Member): void {
    this.members.set(m.id, m);
    this.storage.sql.exec(
      `INSERT OR REPLACE INTO members (member_id, member_epoch, subscription, resolved, session_timeout_ms, deadline,
         last_heartbeat, auto_offset_reset, auto_commit, told) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      m.id,
      m.epoch,
      JSON.stringify(m.subscription),
      JSON.stringify(m.resolved),
      m.sessionTimeoutMs,
      m.deadline,
      m.lastHeartbeat,
      JSON.stringify(m.reset),
      m.autoCommit ? 1 : 0,
      JSON.stringify(m.told),
    );
  }

  /** A heartbeat only moves the deadline: a narrower write than putMember. */
  touchMember(m: Member, now: number, deadline: number): void {
    m.lastHeartbeat = now;
    m.deadline = deadline;
    this.storage.sql.exec("UPDATE members SET last_heartbeat = ?, deadline = ? WHERE member_id = ?", now, deadline, m.id);
  }

  deleteMember(id: string): void {
    this.members.delete(id);
    this.storage.sql.exec("DELETE FROM members WHERE member_id = ?", id);
    if (this.tails.delete(id)) this.storage.sql.exec("DELETE FROM member_tails WHERE member_id = ?", id);
    for (const [key, o] of this.owned) if (o.member === id) this.deleteOwner(key);
  }

  setTail(memberId: string, tail: string): void {
    this.tails.set(memberId, tail);
    this.storage.sql.exec("INSERT OR REPLACE INTO member_tails (member_id, tail) VALUES (?, ?)", memberId, tail);
  }

  replaceTarget(next: Map<string, string>): void {
    for (const key of this.target.keys()) if (!next.has(key)) this.storage.sql.exec("DELETE FROM target WHERE pkey = ?", key);
    for (const [key, member] of next) {
      if (this.target.get(key) !== member)
        this.storage.sql.exec("INSERT OR REPLACE INTO target (pkey, member_id) VALUES (?, ?)", key, member);
    }
    this.target = next;
  }

  setOwner(key: string, owner: Owner): void {
    this.owned.set(key, owner);
    this.storage.sql.exec("INSERT OR REPLACE INTO owned (pkey, member_id, position) VALUES (?, ?, ?)", key, owner.member, owner.position);
  }

  deleteOwner(key: string): void {
    this.owned.delete(key);
    this.storage.sql.exec("DELETE FROM owned WHERE pkey = ?", key);
  }

  putOffset(o: CommittedOffset): void {
    this.offsets.set(`${o.topic}/${o.partition}`, o);
    this.storage.sql.exec(
      "INSERT OR REPLACE INTO offsets (topic, partition, next_offset, metadata, commit_time, topic_epoch) VALUES (?, ?, ?, ?, ?, ?)",
      o.topic,
      o.partition,
      o.offset,
      o.metadata,
      o.commit_time,
      o.topic_epoch,
    );
  }

  deleteOffset(topic: string, partition: number): void {
    this.offsets.delete(`${topic}/${partition}`);
    this.storage.sql.exec("DELETE FROM offsets WHERE topic = ? AND partition = ?", topic, partition);
  }

  // ---- derived views ----

  /** Topics known to the group: each member's resolved subscription, the newest incarnation winning. */
  topics(): Map<string, TopicMeta> {
    const out = new Map<string, TopicMeta>();
    for (const m of this.members.values()) {
      for (const [topic, meta] of Object.entries(m.resolved)) {
        const known = out.get(topic);
        if (!known || meta.epoch > known.epoch) out.set(topic, meta);
      }
    }
    return out;
  }

  /** The committed offset of a partition, unless it belongs to a deleted incarnation of the topic. */
  committed(key: string): CommittedOffset | undefined {
    const c = this.offsets.get(key);
    if (!c) return undefined;
    const current = this.topics().get(c.topic);
    return current && current.epoch !== c.topic_epoch ? undefined : c;
  }

  /** An owner holds nothing uncommitted when it was never handed records past the committed offset. */
  holdsNothing(key: string, o: Owner): boolean {
    return o.position === null || o.position <= (this.committed(key)?.offset ?? -1);
  }

  /** Auto-commit: the member's positions become its partitions' committed offsets (never backwards). */
  commitPositions(m: Member, now: number): void {
    for (const [key, o] of this.owned) {
      if (o.member !== m.id || o.position === null) continue;
      const c = this.committed(key);
      if (c && c.offset >= o.position) continue;
      const { topic, partition } = splitKey(key);
      this.putOffset({ topic, partition, offset: o.position, metadata: null, commit_time: now, topic_epoch: this.topicEpoch(topic) });
    }
  }

  topicEpoch(topic: string): number {
    return this.topics().get(topic)?.epoch ?? 0;
  }

  /** Deletes the whole group: every table's rows. */
  wipe(): void {
    for (const table of ["group_meta", "members", "member_tails", "target", "owned", "offsets"])
      this.storage.sql.exec(`DELETE FROM ${table}`);
    this.load();
  }
}
