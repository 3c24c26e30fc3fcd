// The classic group protocol's requests beside the rest of the group object (classic-group.ts),
// driven through GroupService (test/core-support/classic-group-support.ts): generation-fenced
// commits into the shared offsets table, and refusing HTTP and classic members in one group.
import { afterEach, describe, expect, it } from "vitest";
import { DELAY, harness, joinReq, joined, firstJoin, sync, removeStores } from "../../../test/core-support/classic-group-support.ts";
import type { ClassicJoinResult } from "./classic-types.ts";

afterEach(removeStores);

describe("classic group protocol", () => {
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
});
