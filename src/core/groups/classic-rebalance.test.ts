// The classic group's state machine (classic-rebalance.ts), driven through GroupService as the
// group object serves it (test/core-support/classic-group-support.ts): the initial join delay,
// join completion, leader and generation, SyncGroup fan-out, heartbeats during a rebalance, leave
// and session timeout, and a join during the sync phase.
import { afterEach, describe, expect, it } from "vitest";
import {
  DELAY,
  harness,
  joinReq,
  peek,
  joined,
  firstJoin,
  assignment,
  sync,
  removeStores,
} from "../../../test/core-support/classic-group-support.ts";
import type { ClassicSyncResult } from "./classic-types.ts";

afterEach(removeStores);

describe("classic group protocol: the rebalance", () => {
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
});
