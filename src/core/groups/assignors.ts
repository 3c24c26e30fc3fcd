// Server-side partition assignors (KIP-848: the coordinator, not a client leader, computes the
// target assignment). Pure functions over plain data, so they are unit-tested beside this file.
//
// - uniform: Kafka's UniformAssignor (KIP-848) / CooperativeStickyAssignor in spirit: balanced
//   (with identical subscriptions, member loads differ by at most one) and sticky (a partition
//   stays with its previous owner unless balance requires moving it, so a rebalance moves as few
//   partitions as possible).
// - range: Kafka's RangeAssignor: per topic, members sorted by id get contiguous ranges, the first
//   (partitions % members) one partition more. Not sticky; co-partitioned topics line up.
import type { AssignorName, TopicPartitions } from "./types.ts";

export interface AssignorMember {
  id: string;
  /** Subscribed topics that exist (keys of `partitions`). */
  topics: string[];
}

export interface AssignorInput {
  members: AssignorMember[];
  /** topic → partition count. */
  partitions: Record<string, number>;
  /** The previous target assignment: partitionKey → member id. */
  previous: Map<string, string>;
}

/** partitionKey → member id. */
export type Assignment = Map<string, string>;

/** Topic names cannot contain '/', so "topic/partition" is unambiguous. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

export function splitKey(key: string): { topic: string; partition: number } {
  const at = key.lastIndexOf("/");
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

/** Partition keys → [{topic, partitions}], sorted. */
export function grouped(keys: Iterable<string>): TopicPartitions[] {
  const byTopic = new Map<string, number[]>();
  for (const key of keys) {
    const { topic, partition } = splitKey(key);
    let list = byTopic.get(topic);
    if (!list) byTopic.set(topic, (list = []));
    list.push(partition);
  }
  return [...byTopic.keys()].sort().map((topic) => ({ topic, partitions: byTopic.get(topic)!.sort((a, b) => a - b) }));
}

/** Partition keys in (topic, partition) order. */
export function sortedKeys(keys: Iterable<string>): string[] {
  return [...keys].sort((a, b) => {
    const x = splitKey(a);
    const y = splitKey(b);
    return x.topic < y.topic ? -1 : x.topic > y.topic ? 1 : x.partition - y.partition;
  });
}

function byId(a: AssignorMember, b: AssignorMember): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Every partition of every subscribed topic, in (topic, partition) order, with the members that may own it. */
function eligibility(input: AssignorInput): Array<{ key: string; members: string[] }> {
  const members = [...input.members].sort(byId);
  const topics = Object.keys(input.partitions).sort();
  const out: Array<{ key: string; members: string[] }> = [];
  for (const topic of topics) {
    const subscribers = members.filter((m) => m.topics.includes(topic)).map((m) => m.id);
    if (subscribers.length === 0) continue;
    for (let p = 0; p < input.partitions[topic]!; p++) out.push({ key: partitionKey(topic, p), members: subscribers });
  }
  return out;
}

export function uniformAssign(input: AssignorInput): Assignment {
  const parts = eligibility(input);
  const owned = new Map<string, string[]>(input.members.map((m) => [m.id, []]));
  const eligibleFor = new Map<string, Set<string>>(parts.map((p) => [p.key, new Set(p.members)]));
  const result: Assignment = new Map();
  const give = (key: string, member: string) => {
    result.set(key, member);
    owned.get(member)!.push(key);
  };
  // 1. Stickiness: a partition stays with its previous owner while that owner may still have it.
  const unassigned: Array<{ key: string; members: string[] }> = [];
  for (const part of parts) {
    const previous = input.previous.get(part.key);
    if (previous !== undefined && owned.has(previous) && eligibleFor.get(part.key)!.has(previous)) give(part.key, previous);
    else unassigned.push(part);
  }
  // 2. New or orphaned partitions go to the least loaded member that may own them.
  for (const part of unassigned) {
    let best = part.members[0]!;
    for (const m of part.members) if (owned.get(m)!.length < owned.get(best)!.length) best = m;
    give(part.key, best);
  }
  // 3. Balance: move one partition at a time from a member to one with at least two fewer,
  //    until no such move exists. Each move lowers the sum of squared loads, so this ends; with
  //    identical subscriptions it ends with loads differing by at most one, having moved only
  //    partitions from members above their share.
  const ids = input.members.map((m) => m.id).sort();
  for (;;) {
    const desc = [...ids].sort((a, b) => owned.get(b)!.length - owned.get(a)!.length || (a < b ? -1 : 1));
    let moved = false;
    outer: for (const from of desc) {
      const fromKeys = owned.get(from)!;
      for (let i = desc.length - 1; i >= 0; i--) {
        const to = desc[i]!;
        if (owned.get(to)!.length > fromKeys.length - 2) break;
        for (let k = fromKeys.length - 1; k >= 0; k--) {
          const key = fromKeys[k]!;
          if (!eligibleFor.get(key)!.has(to)) continue;
          fromKeys.splice(k, 1);
          give(key, to);
          moved = true;
          break outer;
        }
      }
    }
    if (!moved) break;
  }
  return result;
}

export function rangeAssign(input: AssignorInput): Assignment {
  const result: Assignment = new Map();
  const members = [...input.members].sort(byId);
  for (const topic of Object.keys(input.partitions).sort()) {
    const subscribers = members.filter((m) => m.topics.includes(topic));
    if (subscribers.length === 0) continue;
    const count = input.partitions[topic]!;
    const per = Math.floor(count / subscribers.length);
    const extra = count % subscribers.length;
    let p = 0;
    subscribers.forEach((m, i) => {
      const n = per + (i < extra ? 1 : 0);
      for (let k = 0; k < n; k++, p++) result.set(partitionKey(topic, p), m.id);
    });
  }
  return result;
}

export const ASSIGNORS: Record<AssignorName, (input: AssignorInput) => Assignment> = {
  uniform: uniformAssign,
  range: rangeAssign,
};
