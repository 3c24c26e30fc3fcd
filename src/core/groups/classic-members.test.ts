// The classic group's members (classic-members.ts), driven through GroupService as the group
// object serves it (test/core-support/classic-group-support.ts): KIP-345 static members and their
// removal by instance id, restart from storage, the size bound counting KIP-394 member ids, and
// members whose metadata would not fit in a row.
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
import type { ClassicJoinResult } from "./classic-types.ts";

afterEach(removeStores);

describe("classic group protocol: members", () => {
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
