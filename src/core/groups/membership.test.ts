// The group's membership (membership.ts) on real SQLite with a fake clock
// (test/core-support/group-coordinator-support.ts): session timeouts from the alarm, alarm
// scheduling, and a member's newest SSE tail fencing the older one.
import { afterEach, describe, expect, it } from "vitest";
import { harness, joinReq, ok, owned, removeStores } from "../../../test/core-support/group-coordinator-support.ts";
import type { GroupCoordinator } from "./coordinator.ts";

afterEach(removeStores);

describe("group membership", () => {
  it("removes a member from the alarm once its session expires, and arms the alarm at the earliest deadline only", () => {
    const { g, clock, alarms } = harness();
    ok(g.join("grp", joinReq("a")));
    const b = ok(g.join("grp", joinReq("b", { sessionTimeoutMs: 5_000 })));
    expect(alarms).toEqual([1_001_001]);
    clock.t += 500;
    ok(g.heartbeat("grp", { memberId: "b", memberEpoch: b.memberEpoch, waitMs: 0 }));
    expect(alarms).toHaveLength(1); // later deadlines never rewrite the alarm
    clock.t = 1_001_002;
    g.alarm();
    const d = ok(g.describe("grp"));
    expect(d.members.map((m) => m.member_id)).toEqual(["b"]);
    expect(alarms.at(-1)).toBe(1_000_500 + 5_000 + 1);
    const again = ok(g.heartbeat("grp", { memberId: "b", memberEpoch: b.memberEpoch, waitMs: 0 }));
    expect(owned(again)).toHaveLength(4);
  });

  it("lets a member's newest SSE tail alone move positions, also after a restart; polls without a tail are not fenced", () => {
    const h = harness();
    const a = ok(h.g.join("grp", joinReq("a")));
    const beat = (g: GroupCoordinator, tail?: { id: string; claim?: boolean }) =>
      g.heartbeat("grp", { memberId: "a", memberEpoch: a.memberEpoch, waitMs: 0, ...(tail ? { tail } : {}) });
    const move = (g: GroupCoordinator, from: number | null, next: number, tail?: string) =>
      g.advance("grp", {
        memberId: "a",
        memberEpoch: a.memberEpoch,
        moves: [{ topic: "orders", partition: 0, from, next }],
        ...(tail ? { tail } : {}),
      });
    ok(beat(h.g, { id: "old", claim: true }));
    expect(ok(move(h.g, null, 3, "old")).accepted).toEqual([true]);
    // The resumed stream claims the member: the old one's heartbeat and advance change nothing.
    const claimed = ok(beat(h.g, { id: "new", claim: true }));
    expect(claimed.fetch.find((f) => f.partition === 0)!.start).toBe(3);
    expect(beat(h.g, { id: "old" })).toMatchObject({ ok: false, error: { code: "stream_replaced" } });
    expect(move(h.g, 3, 9, "old")).toMatchObject({ ok: false, error: { code: "stream_replaced" } });
    const reopened = h.open();
    expect(move(reopened, 3, 9, "old")).toMatchObject({ ok: false, error: { code: "stream_replaced" } });
    expect(ok(move(reopened, 3, 4, "new")).accepted).toEqual([true]);
    ok(beat(reopened, { id: "new" }));
    expect(ok(move(reopened, 4, 5)).accepted).toEqual([true]);
    // A member that leaves takes its tail with it: joining again starts with none.
    ok(reopened.leave("grp", "a"));
    const again = ok(reopened.join("grp", joinReq("a")));
    ok(reopened.heartbeat("grp", { memberId: "a", memberEpoch: again.memberEpoch, waitMs: 0, tail: { id: "old" } }));
  });
});
