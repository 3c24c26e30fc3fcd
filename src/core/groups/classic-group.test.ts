// The classic group protocol on real SQLite (node:sqlite through the standalone host's port),
// driven through GroupService as the group object serves it, with a fake clock and the alarm
// called by hand: KIP-394 member ids, the initial join delay, join completion, leader and
// generation, SyncGroup fan-out, heartbeats during a rebalance, leave and session timeout,
// KIP-345 static members, generation-fenced commits into the shared offsets table, restart from
// storage, and refusing HTTP and classic members in one group.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openNodeDatabase } from "../../runtime/sqlite-node.ts";
import { openStorage } from "../../runtime/sqlite-port.ts";
import { GroupService } from "./service.ts";
import type { StoragePort } from "../storage-port.ts";
import type { ClassicJoinRequest, ClassicJoinResult, ClassicSyncResult } from "./classic-types.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function storage(): StoragePort {
  const dir = mkdtempSync(join(tmpdir(), "classic-group-"));
  dirs.push(dir);
  return openStorage(openNodeDatabase, join(dir, "g.sqlite"));
}

const DELAY = 100;

function harness(store = storage()) {
  const clock = { t: 1_000_000 };
  const alarms: number[] = [];
  let ids = 0;
  const open = () =>
    new GroupService(store, {
      now: () => clock.t,
      initialRebalanceDelayMs: DELAY,
      newMemberId: () => `http${ids++}`,
      alarms: { setAlarm: (at) => alarms.push(at), deleteAlarm: () => alarms.push(-1) },
    });
  const s = open();
  /** Moves the clock and runs the alarm, as the object's alarm would at that time. */
  const advance = (ms: number, svc = s) => {
    clock.t += ms;
    svc.alarm();
  };
  return { s, clock, alarms, advance, open };
}

const meta = (topics: string[]) => new TextEncoder().encode(topics.join(","));
const joinReq = (memberId: string, extra: Partial<ClassicJoinRequest> = {}): ClassicJoinRequest => ({
  memberId,
  groupInstanceId: null,
  requireKnownMemberId: true,
  supportSkipAssignment: false,
  clientId: "app",
  clientHost: "/127.0.0.1",
  sessionTimeoutMs: 1_000,
  rebalanceTimeoutMs: 5_000,
  protocolType: "consumer",
  protocols: [
    { name: "range", metadata: meta(["orders"]) },
    { name: "roundrobin", metadata: meta(["orders"]) },
  ],
  topics: ["orders"],
  ...extra,
});

/** A settled promise's value, or "pending" (the object answers waiting calls from its alarm). */
async function peek<T>(p: T | Promise<T>): Promise<T | "pending"> {
  return Promise.race([Promise.resolve(p), new Promise<"pending">((r) => setTimeout(() => r("pending"), 0))]);
}

async function joined(p: ClassicJoinResult | Promise<ClassicJoinResult>): Promise<ClassicJoinResult> {
  const r = await peek(p);
  if (r === "pending") throw new Error("JoinGroup is still waiting");
  return r;
}

/** KIP-394: the first JoinGroup returns the id, the second one (with it) waits for the join phase. */
function firstJoin(s: GroupService, extra: Partial<ClassicJoinRequest> = {}) {
  const first = s.kafkaJoin("g", joinReq("", extra)) as ClassicJoinResult;
  expect(first.error).toBe("MEMBER_ID_REQUIRED");
  expect(first.memberId).toMatch(/^app-/);
  return { id: first.memberId, join: s.kafkaJoin("g", joinReq(first.memberId, extra)) };
}

const assignment = (n: number) => new Uint8Array([n]);
const sync = (s: GroupService, memberId: string, generationId: number, leaderFor: string[] = []) =>
  s.kafkaSync("g", {
    memberId,
    groupInstanceId: null,
    generationId,
    protocolType: "consumer",
    protocolName: "range",
    assignments: leaderFor.map((id, i) => ({
      memberId: id,
      assignment: assignment(i + 1),
      partitions: [{ topic: "orders", partitions: [i] }],
    })),
  });

describe("classic group protocol", () => {
  it("waits the initial delay, elects the first member leader, hands the leader the members and fans out the leader's assignment", async () => {
    const { s, advance } = harness();
    const a = firstJoin(s);
    const b = firstJoin(s);
    expect(await peek(a.join)).toBe("pending");
    advance(DELAY - 1);
    expect(await peek(a.join)).toBe("pending");
    // A member joined during the delay: the wait is extended once more.
    advance(2);
    expect(await peek(a.join)).toBe("pending");
    advance(DELAY + 1);
    const ja = await joined(a.join);
    const jb = await joined(b.join);
    expect(ja).toMatchObject({ error: null, generationId: 1, protocolName: "range", leader: a.id });
    expect(ja.members.map((m) => m.memberId)).toEqual([a.id, b.id]);
    expect(new TextDecoder().decode(ja.members[0]!.metadata)).toBe("orders");
    expect(jb).toMatchObject({ error: null, generationId: 1, leader: a.id, members: [] });
    expect(s.kafkaDescribe("g")!.state).toBe("CompletingRebalance");
    // A follower's SyncGroup waits for the leader's.
    const sb = sync(s, b.id, 1);
    expect(await peek(sb)).toBe("pending");
    const sa = (await peek(sync(s, a.id, 1, [a.id, b.id]))) as ClassicSyncResult;
    expect(sa).toMatchObject({ error: null, protocolName: "range", assignment: assignment(1) });
    expect(await peek(sb)).toMatchObject({ error: null, assignment: assignment(2) });
    expect(s.kafkaDescribe("g")!.state).toBe("Stable");
    expect(s.kafkaHeartbeat("g", { memberId: b.id, groupInstanceId: null, generationId: 1 }).error).toBeNull();
    expect(s.kafkaHeartbeat("g", { memberId: b.id, groupInstanceId: null, generationId: 0 }).error).toBe("ILLEGAL_GENERATION");
    expect(s.kafkaHeartbeat("g", { memberId: "nobody", groupInstanceId: null, generationId: 1 }).error).toBe("UNKNOWN_MEMBER_ID");
    // GET /v1/groups/g shows the Kafka members with what the leader assigned them.
    const d = s.describe("g");
    expect(d).toMatchObject({ ok: true, state: "stable", classic: { state: "Stable", generation_id: 1, protocol: "range", leader: a.id } });
    if (!d.ok) return;
    expect(d.members.map((m) => [m.member_id, m.assignment])).toEqual([
      [a.id, [{ topic: "orders", partitions: [0] }]],
      [b.id, [{ topic: "orders", partitions: [1] }]],
    ]);
  });

  it("rebalances when a member leaves or stops heartbeating: the others are told at their heartbeat and rejoin", async () => {
    const { s, advance } = harness();
    const a = firstJoin(s);
    const b = firstJoin(s);
    advance(DELAY + 1);
    advance(DELAY + 1);
    await joined(a.join);
    await sync(s, a.id, 1, [a.id, b.id]);
    // b leaves: a learns of the rebalance at its next heartbeat and rejoins alone at once.
    expect(s.kafkaLeave("g", { members: [{ memberId: b.id, groupInstanceId: null }] }).members[0]!.error).toBeNull();
    expect(s.kafkaHeartbeat("g", { memberId: a.id, groupInstanceId: null, generationId: 1 }).error).toBe("REBALANCE_IN_PROGRESS");
    const ra = await joined(s.kafkaJoin("g", joinReq(a.id)));
    expect(ra).toMatchObject({ error: null, generationId: 2, leader: a.id });
    expect(ra.members.map((m) => m.memberId)).toEqual([a.id]);
    await sync(s, a.id, 2, [a.id]);
    // c joins; a keeps heartbeating but never rejoins ... (a is the only other member)
    const c = firstJoin(s);
    expect(s.kafkaHeartbeat("g", { memberId: a.id, groupInstanceId: null, generationId: 2 }).error).toBe("REBALANCE_IN_PROGRESS");
    expect(await peek(c.join)).toBe("pending");
    // ... so at the rebalance timeout a is dropped and c completes the join alone.
    advance(5_001);
    const rc = await joined(c.join);
    expect(rc).toMatchObject({ generationId: 3, leader: c.id });
    expect(rc.members.map((m) => m.memberId)).toEqual([c.id]);
    await sync(s, c.id, 3, [c.id]);
    // c crashes: no heartbeat for the session timeout (1 s) and the group is empty.
    advance(1_002);
    expect(s.kafkaDescribe("g")).toMatchObject({ state: "Empty", generationId: 4, members: [] });
    expect(s.kafkaHeartbeat("g", { memberId: c.id, groupInstanceId: null, generationId: 3 }).error).toBe("UNKNOWN_MEMBER_ID");
  });

  it("fences commits by generation, accepts simple commits only while the group is empty, and shares the offsets with HTTP describe", async () => {
    const { s, advance } = harness();
    const commit = (memberId: string, generationId: number, offset: number) =>
      s.kafkaCommit("g", {
        memberId,
        groupInstanceId: null,
        generationId,
        offsets: [{ topic: "orders", partition: 0, offset, metadata: "m", topicEpoch: 1 }],
      }).error;
    expect(commit("", 3, 5)).toBe("ILLEGAL_GENERATION"); // no group, a generation: nothing to fence against
    const simple = () =>
      s.kafkaCommit("g", {
        memberId: "",
        groupInstanceId: null,
        generationId: -1,
        offsets: [{ topic: "orders", partition: 0, offset: 5, metadata: null, topicEpoch: 1 }],
      });
    expect(simple()).toEqual({ error: null, created: true }); // assign() + commit: creates the group
    expect(simple()).toEqual({ error: null, created: false });
    const a = firstJoin(s);
    advance(DELAY + 1);
    await joined(a.join);
    expect(commit(a.id, 1, 6)).toBe("REBALANCE_IN_PROGRESS"); // joined, not synced
    await sync(s, a.id, 1, [a.id]);
    expect(commit(a.id, 0, 7)).toBe("ILLEGAL_GENERATION");
    expect(commit("", -1, 7)).toBe("UNKNOWN_MEMBER_ID");
    expect(commit(a.id, 1, 3)).toBeNull(); // Kafka allows committing backwards (seek + commit)
    expect(s.kafkaOffsets("g").offsets).toMatchObject([{ topic: "orders", partition: 0, offset: 3, metadata: "m", topic_epoch: 1 }]);
    const d = s.describe("g");
    expect(d.ok && d.offsets.map((o) => o.offset)).toEqual([3]);
    // OffsetDelete refuses a topic the group consumes; delete refuses a group with members.
    expect(s.kafkaDeleteOffsets("g", [{ topic: "orders", partition: 0 }]).partitions[0]!.error).toBe("GROUP_SUBSCRIBED_TO_TOPIC");
    expect(s.kafkaDeleteGroup("g").error).toBe("NON_EMPTY_GROUP");
    expect(s.kafkaLeave("g", { members: [{ memberId: a.id, groupInstanceId: null }] }).members[0]!.error).toBeNull();
    expect(s.kafkaDeleteOffsets("g", [{ topic: "orders", partition: 0 }]).partitions[0]!.error).toBeNull();
    expect(s.kafkaDeleteGroup("g").error).toBeNull();
    expect(s.kafkaDescribe("g")).toBeNull();
  });

  it("static membership: a restarted instance takes its place back without a rebalance, and the old member id is fenced", async () => {
    const { s, advance } = harness();
    const staticJoin = (instance: string, memberId = "") =>
      s.kafkaJoin("g", joinReq(memberId, { groupInstanceId: instance, sessionTimeoutMs: 10_000 }));
    // A static member is never asked for MEMBER_ID_REQUIRED.
    const a1 = staticJoin("inst-a");
    const b1 = staticJoin("inst-b");
    advance(DELAY + 1);
    advance(DELAY + 1);
    const ja = await joined(a1);
    const jb = await joined(b1);
    expect(ja.memberId).toMatch(/^inst-a-/);
    const leaderSync = s.kafkaSync("g", {
      memberId: ja.memberId,
      groupInstanceId: "inst-a",
      generationId: 1,
      protocolType: "consumer",
      protocolName: "range",
      assignments: [
        { memberId: ja.memberId, assignment: assignment(1), partitions: [] },
        { memberId: jb.memberId, assignment: assignment(2), partitions: [] },
      ],
    });
    await leaderSync;
    // b restarts with the same instance id: same generation, no rebalance.
    const b2 = await joined(staticJoin("inst-b"));
    expect(b2.memberId).not.toBe(jb.memberId);
    expect(b2).toMatchObject({ error: null, generationId: 1, leader: ja.memberId });
    expect(s.kafkaDescribe("g")!.state).toBe("Stable");
    const again = await peek(
      s.kafkaSync("g", {
        memberId: b2.memberId,
        groupInstanceId: "inst-b",
        generationId: 1,
        protocolType: null,
        protocolName: null,
        assignments: [],
      }),
    );
    expect(again).toMatchObject({ error: null, assignment: assignment(2) });
    expect(s.kafkaHeartbeat("g", { memberId: jb.memberId, groupInstanceId: "inst-b", generationId: 1 }).error).toBe("FENCED_INSTANCE_ID");
    expect(s.kafkaHeartbeat("g", { memberId: ja.memberId, groupInstanceId: "inst-a", generationId: 1 }).error).toBeNull();
    // Static members that do not rejoin in a rebalance keep their place until their session ends;
    // the member that did rejoin leads.
    const c = firstJoin(s);
    advance(5_001);
    const jc = await joined(c.join);
    expect(jc).toMatchObject({ generationId: 2, leader: c.id });
    expect(jc.members.map((m) => m.groupInstanceId)).toEqual(["inst-a", "inst-b", null]);
    // c never syncs and stops heartbeating: its session ends, the statics' sessions later.
    advance(5_001);
    expect(s.kafkaDescribe("g")!.members.map((m) => m.groupInstanceId)).toEqual(["inst-a", "inst-b"]);
    advance(10_001);
    expect(s.kafkaDescribe("g")).toMatchObject({ state: "Empty", members: [] });
  });

  it("comes back from storage at its last generation after a restart; members rejoin or time out", async () => {
    const h = harness();
    const a = firstJoin(h.s);
    h.advance(DELAY + 1);
    await joined(a.join);
    await sync(h.s, a.id, 1, [a.id]);
    h.s.kafkaCommit("g", {
      memberId: a.id,
      groupInstanceId: null,
      generationId: 1,
      offsets: [{ topic: "orders", partition: 0, offset: 9, metadata: null, topicEpoch: 1 }],
    });
    const s2 = h.open();
    expect(s2.kafkaDescribe("g")).toMatchObject({ state: "Stable", generationId: 1, leader: a.id });
    expect(
      await peek(
        s2.kafkaSync("g", {
          memberId: a.id,
          groupInstanceId: null,
          generationId: 1,
          protocolType: null,
          protocolName: null,
          assignments: [],
        }),
      ),
    ).toMatchObject({ error: null, assignment: assignment(1) });
    expect(s2.kafkaOffsets("g").offsets[0]!.offset).toBe(9);
    h.advance(1_002, s2);
    expect(s2.kafkaDescribe("g")).toMatchObject({ state: "Empty", generationId: 2 });
  });

  it("refuses HTTP members and classic members in one group, either way round, until the other side is gone", async () => {
    const { s, advance } = harness();
    const httpJoin = () =>
      s.join("g", {
        subscription: { topics: ["orders"] },
        resolved: { orders: { partitions: 2, epoch: 1 } },
        sessionTimeoutMs: 1_000,
        autoOffsetReset: "earliest",
        autoCommit: false,
      });
    const h = httpJoin();
    expect(h.ok).toBe(true);
    expect((s.kafkaJoin("g", joinReq("")) as ClassicJoinResult).error).toBe("INCONSISTENT_GROUP_PROTOCOL");
    if (!h.ok) return;
    s.leave("g", h.memberId);
    const a = firstJoin(s);
    expect(httpJoin()).toMatchObject({ ok: false, error: { code: "inconsistent_group_protocol" } });
    advance(DELAY + 1);
    await joined(a.join);
    expect(s.resetOffsets("g", { offsets: [], force: false })).toMatchObject({ ok: false, error: { code: "group_not_empty" } });
  });

  it("answers INCONSISTENT_GROUP_PROTOCOL to a member with no protocol in common, and picks the protocol most members prefer", async () => {
    const { s, advance } = harness();
    const only = (names: string[]) => ({ protocols: names.map((name) => ({ name, metadata: meta(["orders"]) })) });
    const a = firstJoin(s, only(["roundrobin", "range"]));
    const b = firstJoin(s, only(["range", "roundrobin"]));
    const c = firstJoin(s, only(["range"]));
    expect((s.kafkaJoin("g", joinReq("", only(["cooperative-sticky"]))) as ClassicJoinResult).error).toBe("INCONSISTENT_GROUP_PROTOCOL");
    expect((s.kafkaJoin("g", joinReq("x", only(["cooperative-sticky"]))) as ClassicJoinResult).error).toBe("INCONSISTENT_GROUP_PROTOCOL");
    advance(DELAY + 1);
    advance(DELAY + 1);
    const ja = await joined(a.join);
    expect(ja.protocolName).toBe("range");
    await joined(b.join);
    await joined(c.join);
  });

  it("a join during the sync phase sends the waiting SyncGroups back to rejoin; members that never sync are dropped at the rebalance timeout", async () => {
    const { s, advance } = harness();
    const a = firstJoin(s);
    const b = firstJoin(s);
    advance(DELAY + 1);
    advance(DELAY + 1);
    await joined(a.join);
    await joined(b.join);
    const waiting = sync(s, b.id, 1);
    const c = firstJoin(s); // CompletingRebalance → PreparingRebalance
    expect(await peek(waiting)).toMatchObject({ error: "REBALANCE_IN_PROGRESS" });
    expect(s.kafkaHeartbeat("g", { memberId: a.id, groupInstanceId: null, generationId: 1 }).error).toBe("REBALANCE_IN_PROGRESS");
    s.kafkaJoin("g", joinReq(a.id));
    s.kafkaJoin("g", joinReq(b.id));
    const jc = await joined(c.join);
    expect(jc.generationId).toBe(2);
    // Only a (the leader) syncs; b and c keep heartbeating but never sync.
    await sync(s, a.id, 2, [a.id, b.id, c.id]);
    for (let t = 0; t < 5; t++) {
      advance(999);
      for (const id of [a.id, b.id, c.id]) s.kafkaHeartbeat("g", { memberId: id, groupInstanceId: null, generationId: 2 });
    }
    advance(10);
    const d = s.kafkaDescribe("g")!;
    expect(d.members.map((m) => m.memberId)).toEqual([a.id]);
    expect(d.state).toBe("PreparingRebalance");
  });

  it("removes a static member by instance id alone (admin removal), and refuses members whose metadata would not fit in a row", async () => {
    const { s, advance } = harness();
    const m = s.kafkaJoin("g", joinReq("", { groupInstanceId: "inst-x" }));
    advance(DELAY + 1);
    await joined(m);
    expect(s.kafkaLeave("g", { members: [{ memberId: "", groupInstanceId: "inst-y" }] }).members[0]!.error).toBe("UNKNOWN_MEMBER_ID");
    expect(s.kafkaLeave("g", { members: [{ memberId: "", groupInstanceId: "inst-x" }] }).members[0]!.error).toBeNull();
    expect(s.kafkaDescribe("g")!.members).toEqual([]);
    const huge = { protocols: [{ name: "range", metadata: new Uint8Array(1024 * 1024 + 1) }] };
    expect((s.kafkaJoin("g", joinReq("", huge)) as ClassicJoinResult).error).toBe("INVALID_REQUEST");
  });

  it("bounds a group at 1000 members, counting ids handed out under KIP-394 until they expire", () => {
    const { s, advance } = harness();
    for (let i = 0; i < 1_000; i++) expect((s.kafkaJoin("g", joinReq("")) as ClassicJoinResult).error).toBe("MEMBER_ID_REQUIRED");
    expect((s.kafkaJoin("g", joinReq("")) as ClassicJoinResult).error).toBe("GROUP_MAX_SIZE_REACHED");
    advance(1_001); // the ids were never used: their session timeout ran out
    expect((s.kafkaJoin("g", joinReq("")) as ClassicJoinResult).error).toBe("MEMBER_ID_REQUIRED");
  });
});
