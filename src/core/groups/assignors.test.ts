// Property tests of the assignors: every partition of a subscribed topic has exactly one owner,
// which subscribes to it; uniform is balanced and sticky; range gives contiguous ranges.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { partitionKey, rangeAssign, uniformAssign, type Assignment, type AssignorInput, type AssignorMember } from "./assignors.ts";

const topicsArb = fc.dictionary(fc.constantFrom("a", "b", "c", "d"), fc.integer({ min: 1, max: 24 }), { minKeys: 1 });
const idsArb = fc.uniqueArray(fc.stringMatching(/^[a-z0-9]{1,6}$/), { minLength: 1, maxLength: 9 });

function loads(members: AssignorMember[], a: Assignment): number[] {
  return members.map((m) => [...a.values()].filter((id) => id === m.id).length);
}

function expectComplete(input: AssignorInput, a: Assignment): void {
  for (const [topic, count] of Object.entries(input.partitions)) {
    const subscribers = input.members.filter((m) => m.topics.includes(topic)).map((m) => m.id);
    for (let p = 0; p < count; p++) {
      const owner = a.get(partitionKey(topic, p));
      if (subscribers.length === 0) expect(owner).toBeUndefined();
      else expect(subscribers).toContain(owner);
    }
  }
  // A Map holds one owner per key: no double ownership can even be expressed; count the keys.
  const expected = Object.entries(input.partitions)
    .filter(([t]) => input.members.some((m) => m.topics.includes(t)))
    .reduce((n, [, c]) => n + c, 0);
  expect(a.size).toBe(expected);
}

describe("uniform assignor", () => {
  it("assigns every partition once, to a subscriber, balanced within one for identical subscriptions", () => {
    fc.assert(
      fc.property(topicsArb, idsArb, (partitions, ids) => {
        const members = ids.map((id) => ({ id, topics: Object.keys(partitions) }));
        const input = { members, partitions, previous: new Map() };
        const a = uniformAssign(input);
        expectComplete(input, a);
        const l = loads(members, a);
        expect(Math.max(...l) - Math.min(...l)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("is complete and never leaves a subscriber two below another it could take from, with mixed subscriptions", () => {
    fc.assert(
      fc.property(
        topicsArb,
        idsArb,
        fc.array(fc.subarray(["a", "b", "c", "d"], { minLength: 1 }), { minLength: 9, maxLength: 9 }),
        (partitions, ids, subs) => {
          const members = ids.map((id, i) => ({ id, topics: subs[i]!.filter((t) => t in partitions) }));
          const input = { members, partitions, previous: new Map() };
          const a = uniformAssign(input);
          expectComplete(input, a);
          const load = new Map(members.map((m, i) => [m.id, loads(members, a)[i]!]));
          for (const [key, owner] of a) {
            const topic = key.slice(0, key.lastIndexOf("/"));
            for (const m of members) if (m.topics.includes(topic)) expect(load.get(owner)! - load.get(m.id)!).toBeLessThan(2);
          }
        },
      ),
    );
  });

  it("is sticky: after a member joins or leaves, only the minimum number of partitions moves", () => {
    fc.assert(
      fc.property(topicsArb, idsArb, fc.boolean(), (partitions, ids, join) => {
        const all = Object.keys(partitions);
        const before = ids.map((id) => ({ id, topics: all }));
        const first = uniformAssign({ members: before, partitions, previous: new Map() });
        const after = join ? [...before, { id: "zz-new", topics: all }] : before.slice(1);
        if (after.length === 0) return;
        const second = uniformAssign({ members: after, partitions, previous: first });
        let moved = 0;
        for (const [key, owner] of second) if (first.get(key) !== owner) moved++;
        // Minimum: the partitions of a departed member, plus what members above the new ceiling
        // must give up (on join: the new member's floor share).
        const total = first.size;
        const minimum = join ? Math.floor(total / after.length) : loads(before, first)[0]!;
        expect(moved).toBe(minimum);
        const l = loads(after, second);
        expect(Math.max(...l) - Math.min(...l)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("keeps the assignment unchanged when nothing changed", () => {
    const members = [
      { id: "m1", topics: ["a"] },
      { id: "m2", topics: ["a"] },
    ];
    const first = uniformAssign({ members, partitions: { a: 5 }, previous: new Map() });
    expect(uniformAssign({ members, partitions: { a: 5 }, previous: first })).toEqual(first);
  });
});

describe("range assignor", () => {
  it("gives each subscriber a contiguous range per topic, the first ones one more", () => {
    fc.assert(
      fc.property(topicsArb, idsArb, (partitions, ids) => {
        const members = ids.map((id) => ({ id, topics: Object.keys(partitions) }));
        const input = { members, partitions, previous: new Map() };
        const a = rangeAssign(input);
        expectComplete(input, a);
        const sorted = [...ids].sort();
        for (const [topic, count] of Object.entries(partitions)) {
          const owners = Array.from({ length: count }, (_, p) => sorted.indexOf(a.get(partitionKey(topic, p))!));
          for (let p = 1; p < count; p++) expect(owners[p]!).toBeGreaterThanOrEqual(owners[p - 1]!);
          const per = sorted.map((_, i) => owners.filter((o) => o === i).length);
          expect(Math.max(...per) - Math.min(...per)).toBeLessThanOrEqual(1);
          expect(per).toEqual([...per].sort((x, y) => y - x));
        }
      }),
    );
  });

  it("matches Kafka's RangeAssignor on its documented example", () => {
    // Two consumers C0, C1, topics t0 and t1 with three partitions each: C0 gets t0p0, t0p1, t1p0, t1p1.
    const a = rangeAssign({
      members: [
        { id: "C1", topics: ["t0", "t1"] },
        { id: "C0", topics: ["t0", "t1"] },
      ],
      partitions: { t0: 3, t1: 3 },
      previous: new Map(),
    });
    expect([...a.entries()].filter(([, m]) => m === "C0").map(([k]) => k)).toEqual(["t0/0", "t0/1", "t1/0", "t1/1"]);
  });
});
