// The coordinator on real SQLite (node:sqlite through the standalone host's port) with a fake
// clock (test/core-support/group-coordinator-support.ts): restart from storage, the
// compare-and-set of positions, and random sequences of joins / leaves / heartbeats / timeouts /
// commits checked against the invariants (one owner per partition, ownership only by members,
// commits never backwards, convergence to the target assignment).
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { harness, joinReq, ok, owned, removeStores } from "../../../test/core-support/group-coordinator-support.ts";

afterEach(removeStores);

describe("group coordinator", () => {
  it("survives a restart: members, ownership, positions and offsets come back from storage", () => {
    const h = harness();
    const a = ok(h.g.join("grp", joinReq("a")));
    ok(h.g.advance("grp", { memberId: "a", memberEpoch: a.memberEpoch, moves: [{ topic: "orders", partition: 0, from: null, next: 7 }] }));
    ok(h.g.commit("grp", { memberId: "a", memberEpoch: a.memberEpoch, offsets: [{ topic: "orders", partition: 1, offset: 3 }] }));
    const reopened = h.open();
    const m = ok(reopened.heartbeat("grp", { memberId: "a", memberEpoch: a.memberEpoch, waitMs: 0 }));
    expect(m.fetch.find((f) => f.partition === 0)!.start).toBe(7);
    expect(m.fetch.find((f) => f.partition === 1)!.start).toBe(3);
    // The heartbeat auto-committed position 7 of partition 0.
    expect(ok(reopened.describe("grp")).offsets.map((o) => [o.partition, o.offset])).toEqual([
      [0, 7],
      [1, 3],
    ]);
  });

  it("moves a position only from the start the fetch used, and only for the owner", () => {
    const { g } = harness();
    const a = ok(g.join("grp", joinReq("a")));
    const move = { topic: "orders", partition: 0, from: null, next: 5 };
    expect(ok(g.advance("grp", { memberId: "a", memberEpoch: a.memberEpoch, moves: [move, move] })).accepted).toEqual([true, false]);
    const b = ok(g.join("grp", joinReq("b")));
    const moved = owned(b)[0]!; // idle at a (position null): taken in b's join
    const p = Number(moved.split("/")[1]);
    expect(
      ok(g.advance("grp", { memberId: "a", memberEpoch: a.memberEpoch, moves: [{ topic: "orders", partition: p, from: null, next: 1 }] }))
        .accepted,
    ).toEqual([false]);
    expect(
      g.commit("grp", { memberId: "a", memberEpoch: a.memberEpoch, offsets: [{ topic: "orders", partition: p, offset: 1 }] }),
    ).toMatchObject({ ok: false, error: { code: "fenced" } });
  });

  it("keeps its invariants over random sequences of joins, leaves, polls, commits and timeouts", () => {
    const ids = ["m0", "m1", "m2", "m3"];
    const command = fc.oneof(
      fc.record({ kind: fc.constant("join" as const), id: fc.constantFrom(...ids), partitions: fc.constantFrom(3, 4, 6) }),
      fc.record({ kind: fc.constant("leave" as const), id: fc.constantFrom(...ids) }),
      fc.record({ kind: fc.constant("poll" as const), id: fc.constantFrom(...ids), records: fc.nat(5) }),
      fc.record({ kind: fc.constant("commit" as const), id: fc.constantFrom(...ids), back: fc.boolean() }),
      fc.record({ kind: fc.constant("time" as const), ms: fc.integer({ min: 100, max: 1_500 }) }),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 60 }), (commands) => {
        const { g, clock } = harness();
        const epochs = new Map<string, number>();
        const committed = new Map<number, number>();
        const positions = new Map<string, number>();
        for (const c of commands) {
          if (c.kind === "time") {
            clock.t += c.ms;
            g.alarm();
          } else if (c.kind === "join") {
            const m = ok(g.join("grp", joinReq(c.id, { resolved: { orders: { partitions: c.partitions, epoch: 1 } } })));
            epochs.set(c.id, m.memberEpoch);
          } else if (c.kind === "leave") {
            const r = g.leave("grp", c.id);
            if (r.ok) epochs.delete(c.id);
          } else if (c.kind === "poll") {
            const r = g.heartbeat("grp", { memberId: c.id, memberEpoch: epochs.get(c.id) ?? 0, waitMs: 0 });
            if (!r.ok) continue;
            epochs.set(c.id, r.memberEpoch);
            const moves = r.fetch.map((f) => ({ topic: f.topic, partition: f.partition, from: f.start, next: (f.start ?? 0) + c.records }));
            const done = ok(g.advance("grp", { memberId: c.id, memberEpoch: r.memberEpoch, moves }));
            expect(done.accepted.every(Boolean)).toBe(true); // nothing moved in between
            moves.forEach((mv) => positions.set(`${c.id} ${mv.partition}`, mv.next));
          } else {
            const epoch = epochs.get(c.id);
            const d = g.describe("grp");
            if (!d.ok) continue;
            const mine = d.members.find((m) => m.member_id === c.id)?.assignment[0]?.partitions ?? [];
            if (epoch === undefined || mine.length === 0) continue;
            const p = mine[0]!;
            const offset = Math.max(0, (committed.get(p) ?? 0) + (c.back ? -1 : 1));
            const r = g.commit("grp", { memberId: c.id, memberEpoch: epoch, offsets: [{ topic: "orders", partition: p, offset }] });
            if (c.back && offset < (committed.get(p) ?? 0)) expect(r).toMatchObject({ ok: false, error: { code: "offset_regression" } });
          }
          // Invariants after every step.
          const d = g.describe("grp");
          if (!d.ok) continue;
          const owners = d.members.flatMap((m) => m.assignment.flatMap((a) => a.partitions.map((p) => `${a.topic}/${p}`)));
          expect(new Set(owners).size).toBe(owners.length);
          for (const o of d.offsets) {
            expect(o.offset).toBeGreaterThanOrEqual(committed.get(o.partition) ?? 0);
            committed.set(o.partition, o.offset);
          }
        }
        // Convergence: with everyone polling, every targeted partition ends up owned by its target.
        for (let round = 0; round < 3; round++) {
          for (const [id, epoch] of epochs) {
            const r = g.heartbeat("grp", { memberId: id, memberEpoch: epoch, waitMs: 0 });
            if (r.ok) epochs.set(id, r.memberEpoch);
          }
        }
        const d = g.describe("grp");
        if (d.ok && d.members.length > 0) expect(d.state).toBe("stable");
      }),
      { numRuns: 150 },
    );
  });
});
