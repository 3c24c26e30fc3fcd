// Rebalancing under joins, leaves and session timeouts, with several members polling concurrently.
// Invariants checked: at most one owner per partition at any moment (and per epoch), every record
// delivered to the group at least once, committed offsets never going back except by a reset;
// fenced commits change nothing.
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createTopic, expectError, produce } from "./api-support.ts";
import { commit, describeGroup, groupStub, join, leave, newGroup, partitionsOf, poll, sleep, type Polled } from "./groups-support.ts";

describe("rebalancing", () => {
  it("hands idle partitions to a new member at once; others after their owner's next poll (revoke before assign)", async () => {
    const topic = await createTopic(4);
    const group = newGroup();
    const a = await join(group, { topics: [topic], auto_offset_reset: "earliest", member_id: "a" });
    // No records handed out yet: B's share moves in B's join answer.
    const b = await join(group, { topics: [topic], member_id: "b" });
    expect(partitionsOf(b.assignment)).toHaveLength(2);
    const pa = await poll(group, a.member_id, a.member_epoch);
    expect(partitionsOf(pa.assignment)).toHaveLength(2);
    expect(pa.member_epoch).toBeGreaterThan(a.member_epoch);

    // Now A holds uncommitted records on both its partitions: C's share waits for A's next poll.
    await produce(
      topic,
      [0, 1, 2, 3].map((p) => ({ value: `x${p}`, partition: p })),
    );
    const got = await poll(group, a.member_id, pa.member_epoch);
    expect(got.records).toHaveLength(2);
    const c = await join(group, { topics: [topic], member_id: "c" });
    const d1 = await describeGroup(group);
    expect(d1.state).toBe("reconciling");
    expect(c.assignment).toEqual([]);
    expect(partitionsOf(c.pending)).toHaveLength(1);
    {
      const moving = partitionsOf(c.pending)[0]!;
      expect(partitionsOf(got.assignment)).toContain(moving);
      // A's next poll auto-commits what it was given and releases the partition.
      const again = await poll(group, a.member_id, got.member_epoch);
      expect(partitionsOf(again.assignment)).not.toContain(moving);
      const pc = await poll(group, c.member_id, c.member_epoch);
      expect(partitionsOf(pc.assignment)).toEqual([moving]);
      expect(pc.records).toEqual([]); // A committed it: nothing delivered twice
    }
    const d2 = await describeGroup(group);
    const owners = d2.members.flatMap((m: any) => partitionsOf(m.assignment));
    expect(new Set(owners).size).toBe(owners.length);
  });

  it("removes a silent member from the alarm and gives its partitions to the others", async () => {
    const topic = await createTopic(2);
    const group = newGroup();
    const a = await join(group, { topics: [topic], auto_offset_reset: "earliest", session_timeout_ms: 500, member_id: "quiet" });
    const b = await join(group, { topics: [topic], auto_offset_reset: "earliest", session_timeout_ms: 30_000, member_id: "alive" });
    expect(partitionsOf(b.assignment)).toHaveLength(1); // idle at A: moved in B's join answer
    await produce(topic, [
      { value: "p0", partition: 0 },
      { value: "p1", partition: 1 },
    ]);
    await poll(group, a.member_id, a.member_epoch); // A takes records and goes silent without committing
    await sleep(650);
    expect(await runDurableObjectAlarm(groupStub(group))).toBe(true);
    const d = await describeGroup(group);
    expect(d.members.map((m: any) => m.member_id)).toEqual(["alive"]);
    // B gets both partitions, and A's uncommitted record again (at least once).
    let pb = await poll(group, b.member_id, b.member_epoch);
    const seen = pb.records.map((r) => r.value);
    if (partitionsOf(pb.assignment).length < 2) {
      pb = await poll(group, b.member_id, pb.member_epoch);
      seen.push(...pb.records.map((r) => r.value));
    }
    expect(partitionsOf(pb.assignment)).toHaveLength(2);
    expect(seen.sort()).toEqual(["p0", "p1"]);
    await expectError(await poll_(group, a.member_id, a.member_epoch), 404, "unknown_member");
  });

  it("fences a rejoined member's old incarnation and commits from members that lost a partition", async () => {
    const topic = await createTopic(2);
    await produce(topic, [
      { value: 1, partition: 0 },
      { value: 2, partition: 1 },
    ]);
    const group = newGroup();
    const old = await join(group, { topics: [topic], auto_offset_reset: "earliest", auto_commit: false, member_id: "m1" });
    await poll(group, "m1", old.member_epoch);
    const fresh = await join(group, { topics: [topic], auto_offset_reset: "earliest", auto_commit: false, member_id: "m1" });
    expect(fresh.member_epoch).toBeGreaterThan(old.member_epoch);
    const stale = await expectError(await commit(group, "m1", old.member_epoch, [{ topic, partition: 0, offset: 1 }]), 409, "stale_epoch");
    expect(stale.member_epoch).toBe(fresh.member_epoch);
    expect((await describeGroup(group)).offsets).toEqual([]);
    // The new incarnation starts over from the committed offsets (none: earliest).
    const p = await poll(group, "m1", fresh.member_epoch);
    expect(p.records.map((r) => r.value).sort()).toEqual([1, 2]);
    expect((await commit(group, "m1", p.member_epoch, [{ topic, partition: 0, offset: 1 }])).status).toBe(200);
    // A second member takes partition 1 once m1 releases it; m1's commit for it is then fenced.
    const m2 = await join(group, { topics: [topic], member_id: "m2", auto_offset_reset: "earliest" });
    const p1 = await poll(group, "m1", p.member_epoch);
    const lost = [0, 1].find((x) => !p1.assignment[0]!.partitions.includes(x))!;
    await poll(group, "m2", m2.member_epoch);
    await expectError(await commit(group, "m1", p1.member_epoch, [{ topic, partition: lost, offset: 1 }]), 409, "fenced");
    const offsets = (await describeGroup(group)).offsets;
    expect(offsets.find((o: any) => o.partition === lost)?.offset ?? null).toBe(lost === 0 ? 1 : null);
    // Commits never go back.
    const kept = 1 - lost;
    expect((await commit(group, "m1", p1.member_epoch, [{ topic, partition: kept, offset: 1 }])).status).toBe(200);
    await expectError(await commit(group, "m1", p1.member_epoch, [{ topic, partition: kept, offset: 0 }]), 409, "offset_regression");
  });

  it("concurrent joins get distinct ids and a disjoint, complete, balanced assignment", async () => {
    const topic = await createTopic(10);
    const group = newGroup();
    const members = await Promise.all(Array.from({ length: 5 }, () => join(group, { topics: [topic] })));
    expect(new Set(members.map((m) => m.member_id)).size).toBe(5);
    const polled = await Promise.all(members.map((m) => poll(group, m.member_id, m.member_epoch)));
    const again = await Promise.all(polled.map((p) => poll(group, p.member_id, p.member_epoch)));
    const owned = again.flatMap((p) => partitionsOf(p.assignment));
    expect(owned.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `${topic}/${i}`).sort());
    expect(again.map((p) => partitionsOf(p.assignment).length)).toEqual([2, 2, 2, 2, 2]);
  });

  it("keeps the invariants while members join, leave and time out under concurrent polling", async () => {
    const PARTITIONS = 6;
    const topic = await createTopic(PARTITIONS);
    const group = newGroup();
    const produced = new Set<string>();
    const delivered = new Set<string>();
    const claims = new Map<string, string>(); // "epoch partition" → member
    const committed = new Map<number, number>();
    let stop = false;
    const record = (member: string, p: Polled) => {
      for (const part of partitionsOf(p.assignment)) {
        const key = `${p.member_epoch} ${part}`;
        expect(claims.get(key) ?? member).toBe(member); // one owner per partition per epoch
        claims.set(key, member);
      }
      for (const r of p.records) delivered.add(`${r.partition}:${r.offset}`);
    };
    const checkSnapshot = async () => {
      const d = await describeGroup(group);
      const owners = d.members.flatMap((m: any) => partitionsOf(m.assignment));
      expect(new Set(owners).size).toBe(owners.length); // at most one owner at any moment
      for (const o of d.offsets) {
        expect(o.offset).toBeGreaterThanOrEqual(committed.get(o.partition) ?? 0); // never backwards
        committed.set(o.partition, o.offset);
      }
    };
    const producer = (async () => {
      for (let round = 0; round < 12; round++) {
        const offsets = await produce(
          topic,
          Array.from({ length: 10 }, (_, i) => ({ value: `${round}-${i}`, partition: (round + i) % PARTITIONS })),
        );
        for (const o of offsets) produced.add(`${o.partition}:${o.offset}`);
        await sleep(15);
      }
    })();
    const consumer = async (id: string, lifetimePolls: number, ending: "leave" | "vanish" | "stay") => {
      let m: { member_id: string; member_epoch: number } = await join(group, {
        topics: [topic],
        auto_offset_reset: "earliest",
        member_id: id,
        session_timeout_ms: 600,
      });
      for (let i = 0; (i < lifetimePolls || ending === "stay") && !(ending === "stay" && stop); i++) {
        const p = await poll(group, m.member_id, m.member_epoch, { max_records: 7, wait_ms: 30 });
        record(id, p);
        m = p;
      }
      if (ending === "leave") expect((await leave(group, m.member_id)).status).toBe(204);
    };
    const steady = consumer("steady", 0, "stay");
    await sleep(30);
    const churn = Promise.all([
      consumer("leaver", 6, "leave"),
      (async () => {
        await sleep(40);
        await consumer("vanisher", 5, "vanish");
      })(),
      (async () => {
        await sleep(80);
        await consumer("late", 8, "leave");
      })(),
      (async () => {
        for (let i = 0; i < 6; i++) {
          await checkSnapshot();
          await sleep(40);
        }
      })(),
    ]);
    await Promise.all([producer, churn]);
    await sleep(700); // the vanished member's session expires
    await runDurableObjectAlarm(groupStub(group));
    await checkSnapshot();
    // Let the steady member drain everything that is left.
    const deadline = Date.now() + 15_000;
    while ([...produced].some((k) => !delivered.has(k)) && Date.now() < deadline) await sleep(50);
    stop = true;
    await steady;
    await checkSnapshot();
    const missing = [...produced].filter((k) => !delivered.has(k));
    expect(missing).toEqual([]);
    const d = await describeGroup(group);
    expect(d.members.map((m: any) => m.member_id)).toEqual(["steady"]);
    expect(partitionsOf(d.members[0].assignment)).toHaveLength(PARTITIONS);
  });
});

function poll_(group: string, member: string, epoch: number): Promise<Response> {
  return import("./groups-support.ts").then((s) => s.pollRaw(group, member, { member_epoch: epoch }));
}
